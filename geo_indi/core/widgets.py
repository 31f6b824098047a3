from django import forms
from django.contrib.gis.forms.widgets import OSMWidget


class LocalOSMWidget(OSMWidget):
    """Django's OSM map widget with OpenLayers served by the app (npm package `ol`), not a CDN."""

    class Media:
        extend = False
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/dist/ol.js", "gis/js/OLMapWidget.js")


class IsoDateInput(forms.DateInput):
    """`<input type="date">` whose value is always ISO 8601 (YYYY-MM-DD), in every language.

    A browser's date input accepts nothing else: Django's DateInput would render the active
    language's format ("17.12.2026" in Finnish), which the browser drops, so the field
    arrived empty. Every date input of the app's forms is this widget (tests/test_questions_form.py
    walks the forms)."""

    input_type = "date"
    ISO_FORMAT = "%Y-%m-%d"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or self.ISO_FORMAT)
