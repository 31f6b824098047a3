"""Hooks for higher apps: they add layers to a municipality's map without maps importing them."""
from django.dispatch import Signal

# Sent with folium_map, municipality, user and viewer (the request's observations.suppression.Viewer) after the municipality map page's map is built.
municipality_map_built = Signal()

# Sent with municipality, user, viewer and filters (the report's active filters) when a municipality's PDF report is made; a receiver returns a
# geo_indi.maps.services.ReportTable (or None) for the report to print.
municipality_report_sections = Signal()
