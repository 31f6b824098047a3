"""The observation filters shared by the API, maps, layers, exports, summaries and alert rules: declared once.

`FILTERS` is the one declaration of every observation filter: its name, the form field that parses it
(type, choices, range, pattern), an English description for the OpenAPI documents, the lookup it is on an
observation, and the lookup it is on the monthly summary (None: only the records answer it). Derived from it:
the parser (`ObservationFilterForm`, `parse_filters`), the observation query (`filter_q`), the summary query
(`summary_q`), which filters the summary answers (`SUMMARY_FILTERS`), the JSON schema of each
(`filter_schema`) and the drf-spectacular parameters (`filter_openapi_parameters`) that the REST API, the
layer downloads and the OGC API document all list.

Values are ids or slugs (phenomenon, category: the slug is what the layers' feature properties hold, so
GDAL's OAPIF driver sends it), choices, a municipality by 3-digit code, a postcode and ISO dates;
anything else is a clear error (a 400), never a silent "match all".
"""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework_gis.filters import InBBoxFilter

from geo_indi.core.geo import bbox_polygon, parse_wgs84_bbox

from .models import AgeGroup, Category, Direction, Phenomenon, Subject

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



SLUG_OR_ID_PATTERN = r"^(\d{1,18}|[-a-zA-Z0-9_]{1,60})$"


class SlugOrIdField(forms.RegexField):
    """An id (a whole number, at least 1) or a slug; cleans to an int or a str. The form turns a slug into
    the id it names (`_FilterFormBase.clean`): a category's slug is unique only within its phenomenon."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(regex=SLUG_OR_ID_PATTERN, required=False, error_messages={
            "invalid": _("Give an id (a whole number) or an identifier (slug)."),
        }, **kwargs)

    def clean(self, value: Any) -> int | str | None:
        text = super().clean(value)
        if not text:
            return None
        if not text.isdigit():
            return text
        if int(text) < 1:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)


def _choices(choices: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", "")] + list(choices)


@dataclass(frozen=True)
class ObservationFilter:
    """One observation filter, declared once.

    `field` parses a value (the form field of ObservationFilterForm); `lookup` is the filter on an
    Observation, `summary_lookup` the same filter on ObservationMonthlyCount, or None when the summary's
    dimensions cannot answer it (then counts are taken from the records)."""

    name: str
    field: forms.Field
    description: str
    lookup: str
    summary_lookup: str | None


FILTERS: tuple[ObservationFilter, ...] = (
    ObservationFilter("phenomenon", SlugOrIdField(),
                      "Phenomenon id (a whole number) or slug (the layers' `phenomenon` property).",
                      "phenomenon_id", "phenomenon_id"),
    ObservationFilter("category", SlugOrIdField(),
                      "Category id (a whole number) or slug (the layers' `category` property; a slug used by "
                      "several phenomena needs `phenomenon` too).", "category_id", "category_id"),
    ObservationFilter("subject", forms.ChoiceField(required=False, choices=_choices(Subject.choices)),
                      "About a person or an object (place).", "subject", "subject"),
    ObservationFilter("direction", forms.ChoiceField(required=False, choices=_choices(Direction.choices)),
                      "Effect on wellbeing or safety.", "direction", "direction"),
    ObservationFilter("age_group", forms.ChoiceField(required=False, choices=_choices(AgeGroup.choices)),
                      "Age group of the people observed (the summary does not hold it: counted from the records).",
                      "age_group", None),
    ObservationFilter("municipality", forms.RegexField(
        required=False, regex=r"^\d{1,3}$", error_messages={"invalid": _("Give a 3-digit municipality code.")}),
        "Municipality code (3 digits; 1-2 digits are padded with zeros).", "municipality__code", "municipality__code"),
    ObservationFilter("postcode", forms.RegexField(
        required=False, regex=r"^\d{5}$", error_messages={"invalid": _("Give a 5-digit postcode.")}),
        "Postcode (5 digits).", "postcode_area__postcode", "postcode_area__postcode"),
    ObservationFilter("date_from", forms.DateField(required=False, input_formats=["%Y-%m-%d"]),
                      "Observed on or after this date (YYYY-MM-DD).", "observed_on__gte", "month__gte"),
    ObservationFilter("date_to", forms.DateField(required=False, input_formats=["%Y-%m-%d"]),
                      "Observed on or before this date (YYYY-MM-DD).", "observed_on__lte", "month__lte"),
    ObservationFilter("year", forms.IntegerField(required=False, min_value=1900, max_value=2999),
                      "Calendar year of the observation date (the period outsiders' counts are published for).",
                      "observed_on__year", "month__year"),
)
FILTER_NAMES: tuple[str, ...] = tuple(f.name for f in FILTERS)
# Filters that the summary's dimensions answer (dates only on month boundaries: observations.summary.answerable).
SUMMARY_FILTERS: frozenset[str] = frozenset(f.name for f in FILTERS if f.summary_lookup)


class _FilterFormBase(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("date_from is after date_to."))
        if data.get("municipality"):
            data["municipality"] = data["municipality"].zfill(3)
        self._slugs_to_ids(data)
        return data

    def _slugs_to_ids(self, data: dict[str, Any]) -> None:
        """phenomenon and category given by slug, as the ids they name (an unknown slug is an error)."""
        phenomenon = data.get("phenomenon")
        if isinstance(phenomenon, str):
            found = Phenomenon.objects.filter(slug=phenomenon).values_list("id", flat=True).first()
            if found is None:
                self.add_error("phenomenon", _("No phenomenon with the identifier '%(slug)s'.") % {"slug": phenomenon})
                return
            data["phenomenon"] = phenomenon = found
        category = data.get("category")
        if isinstance(category, str):
            categories = Category.objects.filter(slug=category)
            if phenomenon:
                categories = categories.filter(phenomenon_id=phenomenon)
            ids = list(categories.values_list("id", flat=True)[:2])
            if not ids:
                self.add_error("category", _("No category with the identifier '%(slug)s'.") % {"slug": category})
            elif len(ids) > 1:
                self.add_error("category", _(
                    "Several phenomena have a category '%(slug)s': give phenomenon too, or the category's id."
                ) % {"slug": category})
            else:
                data["category"] = ids[0]

    def q(self) -> Q:
        """The filter as a Q over Observation (call after is_valid())."""
        return filter_q(self.cleaned_data)

    def active(self) -> dict[str, Any]:
        """The filters in use, for reports and shareable URLs."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


# The parser: one form field per declared filter.
ObservationFilterForm: type[_FilterFormBase] = type(
    "ObservationFilterForm", (_FilterFormBase,), {**{f.name: f.field for f in FILTERS}, "__module__": __name__}
)


def _translate(d: Mapping[str, Any], summary: bool) -> Q:
    q = Q()
    for f in FILTERS:
        value = d.get(f.name)
        if value in (None, ""):
            continue
        lookup = f.summary_lookup if summary else f.lookup
        if lookup is None:
            raise ValueError(f"the summary cannot answer the filter {f.name!r}")
        q &= Q(**{lookup: value})
    return q


def filter_q(d: Mapping[str, Any]) -> Q:
    """Cleaned filter values (a dict) as a Q over Observation."""
    return _translate(d, summary=False)


def summary_q(d: Mapping[str, Any]) -> Q:
    """Cleaned filter values as a Q over ObservationMonthlyCount (only SUMMARY_FILTERS; dates as months)."""
    return _translate(d, summary=True)


def parse_filters(params: Mapping[str, Any]) -> tuple[forms.Form, dict[str, list[str]] | None]:
    """Return (form, errors). errors is a dict of field -> [messages] or None."""
    form = ObservationFilterForm({k: params.get(k) for k in FILTER_NAMES if k in params})
    if not form.is_valid():
        return form, {k: [str(m) for m in v] for k, v in form.errors.items()}
    return form, None


def filter_schema(f: ObservationFilter) -> dict[str, Any]:
    """The OpenAPI (JSON) schema of a filter: what its field accepts."""
    field = f.field
    if isinstance(field, SlugOrIdField):
        return {"type": "string", "pattern": SLUG_OR_ID_PATTERN}
    if isinstance(field, forms.IntegerField):
        schema: dict[str, Any] = {"type": "integer"}
        for validator in field.validators:
            if isinstance(validator, MinValueValidator):
                schema["minimum"] = validator.limit_value
            elif isinstance(validator, MaxValueValidator):
                schema["maximum"] = validator.limit_value
        return schema
    if isinstance(field, forms.ChoiceField):
        return {"type": "string", "enum": [value for value, _label in list(field.choices) if value]}
    if isinstance(field, forms.RegexField):
        return {"type": "string", "pattern": field.regex.pattern}
    if isinstance(field, forms.DateField):
        return {"type": "string", "format": "date"}
    raise TypeError(f"no schema for the filter field {type(field).__name__}")


def filter_openapi_parameters(names: Iterable[str] | None = None) -> list[Any]:
    """drf-spectacular query parameters of the declared filters (all, or those named), in declaration order."""
    from drf_spectacular.utils import OpenApiParameter

    wanted = None if names is None else set(names)
    return [
        OpenApiParameter(f.name, filter_schema(f), description=f.description)
        for f in FILTERS if wanted is None or f.name in wanted
    ]


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
