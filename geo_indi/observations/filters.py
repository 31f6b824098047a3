"""The observation filter shared by the API, maps, layers and exports.

Values are ids (phenomenon, category, municipality by id or 3-digit code) and
ISO dates; anything else is a clear error, never a silent "match all".
"""
from django import forms
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework_gis.filters import InBBoxFilter

from geo_indi.core.geo import bbox_polygon, parse_wgs84_bbox

from .models import AgeGroup, Direction, Subject

EMPTY = object()  # a bbox outside the coverage: nothing matches


class Unit(models.TextChoices):
    """What a count counts: the cases a worker entered under "How many occurrences" (1-999 per record),
    or the records themselves. Occurrences are the default (what the pilots asked to see: "12 young people
    drinking" recorded once is 12 cases); suppression is decided on records either way (publication/)."""

    OCCURRENCES = "occurrences", _("occurrences")
    RECORDS = "records", _("records")


DEFAULT_UNIT = Unit.OCCURRENCES
UNIT_PARAM = "unit"


def parse_unit(params, default=DEFAULT_UNIT):
    """The `unit` option (occurrences|records) of a request: a Unit, or ValueError with a message for a 400.

    The one parser of it: maps, tiles, reports, exports, layers and alert rules read it here."""
    raw = params.get(UNIT_PARAM)
    if raw in (None, ""):
        return Unit(default)
    if raw not in Unit.values:
        raise ValueError(_("unit must be one of: %(choices)s") % {"choices": ", ".join(Unit.values)})
    return Unit(raw)


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


class ObservationBBoxFilter(InBBoxFilter):
    """DRF-GIS's bbox filter (and its OpenAPI parameter) on observations, in WGS 84.

    An object observation matches by its point; a person observation, which has
    no point, by its postcode area.
    """

    bbox_param = "bbox"

    def get_filter_bbox(self, request):
        raw = request.query_params.get(self.bbox_param)
        if not raw:
            return None
        try:
            box = parse_wgs84_bbox(raw)
        except ValueError as exc:
            raise ValidationError({self.bbox_param: [str(exc)]}) from None
        return bbox_polygon(box) or EMPTY

    def filter_queryset(self, request, queryset, view):
        polygon = self.get_filter_bbox(request)
        if polygon is None:
            return queryset
        if polygon is EMPTY:
            return queryset.none()
        return queryset.filter(
            Q(location__intersects=polygon) | Q(location__isnull=True, postcode_area__geom__intersects=polygon)
        )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["example"] = [24.0, 66.0, 26.0, 67.0]
            parameter["description"] = (
                "minlon,minlat,maxlon,maxlat in WGS 84. Object observations match by their point, "
                "person observations by their postcode area."
            )
        return parameters


def filter_openapi_parameters():
    """OpenAPI query parameters of ObservationFilterForm, generated from its fields."""
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiParameter

    parameters = []
    for name, field in ObservationFilterForm.base_fields.items():
        if isinstance(field, forms.IntegerField):
            parameters.append(OpenApiParameter(name, OpenApiTypes.INT, description=f"{name} id (at least 1)."))
        elif isinstance(field, forms.ChoiceField):
            parameters.append(OpenApiParameter(name, str, enum=[value for value, _label in field.choices if value]))
        elif isinstance(field, forms.DateField):
            parameters.append(OpenApiParameter(name, OpenApiTypes.DATE, description="YYYY-MM-DD"))
        else:
            parameters.append(OpenApiParameter(name, str, description=str(field.error_messages["invalid"])))
    return parameters
