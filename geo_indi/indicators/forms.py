"""The Sotkanet import form (alert rule forms live in geo_indi.alerts.forms)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .sotkanet import SotkanetError, parse_years


class SotkanetImportForm(forms.Form):
    indicators = forms.CharField(label=_("Sotkanet indicator ids"), max_length=500,
                                 help_text=_("Separated by commas. 127 is the population (“Väkiluku”) that the per-1,000 maps use."))
    years = forms.CharField(label=_("Years"), max_length=40, help_text=_("For example 2015-2024."))

    def clean_indicators(self):
        parts = [p.strip() for p in self.cleaned_data["indicators"].split(",") if p.strip()]
        if not parts or not all(p.isdigit() and 0 < int(p) < 10**9 for p in parts):
            raise forms.ValidationError(_("Give indicator ids as whole numbers separated by commas, e.g. 127, 4307."))
        return list(dict.fromkeys(int(p) for p in parts))

    def clean_years(self):
        try:
            return parse_years(self.cleaned_data["years"])
        except SotkanetError:
            raise forms.ValidationError(_("Give years as e.g. 2015-2024 or 2020, between 1900 and 2100."))
