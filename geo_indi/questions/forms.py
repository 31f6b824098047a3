from django import forms
from django.utils.translation import gettext_lazy as _

from geo_indi.accounts.models import Membership, Organisation
from geo_indi.areas.models import Municipality, PostcodeArea
from geo_indi.observations.models import Phenomenon

from .models import QUESTION_MAX_LENGTH, Kind, default_closing_date


class AskForm(forms.Form):
    phenomenon = forms.ModelChoiceField(label=_("Phenomenon"), queryset=Phenomenon.objects.filter(is_active=True))
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.objects.order_by("name_fi"))
    postcode_areas = forms.ModelMultipleChoiceField(
        label=_("Postcode areas (none: the whole municipality)"), required=False,
        queryset=PostcodeArea.objects.order_by("postcode"))
    text = forms.CharField(label=_("Question"), max_length=QUESTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(label=_("Answered with"), choices=[k for k in Kind.choices if k[0] != Kind.REVIEW])
    options = forms.CharField(label=_("Options of a choice, one per line"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    target_organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations asked"), required=False, queryset=Organisation.objects.all(),
        widget=forms.CheckboxSelectMultiple)
    target_roles = forms.MultipleChoiceField(
        label=_("Roles asked in every organisation working in the municipality"), required=False,
        choices=Membership.Role.choices, widget=forms.CheckboxSelectMultiple)
    closes_on = forms.DateField(label=_("Closes on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closes_on"].initial = default_closing_date()

    def service_arguments(self):
        data = dict(self.cleaned_data)
        data["options"] = data["options"].splitlines()
        return data
