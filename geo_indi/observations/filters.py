"""The observation filter shared by the API, maps, layers and exports.

Values are ids (phenomenon, category, municipality by id or 3-digit code) and
ISO dates; anything else is a clear error, never a silent "match all".
"""
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import AgeGroup, Direction, Subject


class ObservationFilterForm(forms.Form):
    phenomenon = forms.IntegerField(required=False, min_value=1)
    category = forms.IntegerField(required=False, min_value=1)
    subject = forms.ChoiceField(required=False, choices=[("", "")] + Subject.choices)
    direction = forms.ChoiceField(required=False, choices=[("", "")] + Direction.choices)
    age_group = forms.ChoiceField(required=False, choices=[("", "")] + AgeGroup.choices)
    municipality = forms.RegexField(required=False, regex=r"^\d{1,3}$", error_messages={"invalid": _("Give a 3-digit municipality code.")})
    postcode = forms.RegexField(required=False, regex=r"^\d{5}$", error_messages={"invalid": _("Give a 5-digit postcode.")})
    date_from = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    date_to = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    year = forms.IntegerField(required=False, min_value=1900, max_value=2999)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("date_from is after date_to."))
        if data.get("municipality"):
            data["municipality"] = data["municipality"].zfill(3)
        return data

    def q(self):
        """The filter as a Q over Observation (call after is_valid())."""
        return filter_q(self.cleaned_data)

    def active(self):
        """The filters in use, for reports and shareable URLs."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def filter_q(d):
    """Cleaned filter values (a dict) as a Q over Observation."""
    q = Q()
    for field in ("phenomenon", "category"):
        if d.get(field):
            q &= Q(**{f"{field}_id": d[field]})
    for field in ("subject", "direction", "age_group"):
        if d.get(field):
            q &= Q(**{field: d[field]})
    if d.get("municipality"):
        q &= Q(municipality__code=d["municipality"])
    if d.get("postcode"):
        q &= Q(postcode_area__postcode=d["postcode"])
    if d.get("date_from"):
        q &= Q(observed_on__gte=d["date_from"])
    if d.get("date_to"):
        q &= Q(observed_on__lte=d["date_to"])
    if d.get("year"):
        q &= Q(observed_on__year=d["year"])
    return q


def parse_filters(params):
    """Return (form, errors). errors is a dict of field -> [messages] or None."""
    form = ObservationFilterForm({k: params.get(k) for k in ObservationFilterForm.base_fields if k in params})
    if not form.is_valid():
        return form, {k: [str(m) for m in v] for k, v in form.errors.items()}
    return form, None
