"""The researcher's request form and the data owner's decision form (/research/). The rules of a request are the
model's (ResearchRequest.clean): this form only shapes the input."""
from django import forms
from django.utils.translation import gettext_lazy as _

from geo_indi.areas.models import Municipality
from geo_indi.core.widgets import IsoDateInput

from .models import ResearchRequest
from .requests import REQUESTABLE_FIELDS


class RequestForm(forms.ModelForm):
    wanted_fields = forms.MultipleChoiceField(
        label=_("Fields wanted"), choices=REQUESTABLE_FIELDS, widget=forms.CheckboxSelectMultiple,
        help_text=_("Every row has a random id, the year, the municipality and the phenomenon."))
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Municipalities"), queryset=Municipality.objects.order_by("name_fi"),
        widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ResearchRequest
        fields = ["purpose", "agreement_reference", "wanted_fields", "year_from", "year_to", "municipalities",
                  "expires_on"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3}), "expires_on": IsoDateInput}

    def service_arguments(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Required when refusing; shown to the researcher."))
