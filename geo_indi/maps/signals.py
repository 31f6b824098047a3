"""Hooks for higher apps: they add layers to a municipality's map without maps importing them."""
from django.dispatch import Signal

# Sent with folium_map, municipality and user after the municipality map page's map is built.
municipality_map_built = Signal()
