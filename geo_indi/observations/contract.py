"""The observation contract: every rule an observation must keep, each with its code, its field,
its translated message and its limits, declared once.

Every entry point feeds from here: the API serializer (shape messages only), the single write
path (`services.record_observation(s)`, `update_observation`), the field web app form (limits and
messages rendered into the page), the demo loader, the bulk importer's text parsing and the
set-wise SQL batch (`bulk.BULK_RECORD_SQL` takes the limits below as query parameters and answers
the codes of `RULES`). Limits are read at call time (`contract.OCCURRENCES_MAX`), so changing one
here changes it everywhere. Coordinates are checked, never echoed.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

# The limits. The database's CHECK constraint (models.Observation) and the model's max_length
# are built from these too.
OCCURRENCES_MAX = 999
DESCRIPTION_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 2000
EARLIEST_OBSERVED_ON = dt.date(2000, 1, 1)
# Whole numbers the SQL batch can carry (int4); anything else is "not a whole number".
_INT4_MAX = 2**31 - 1
_DIGITS = re.compile(r"[0-9]+")


def _choices(values: Iterable[str]) -> str:
    return _("Choose one of: %(choices)s.") % {"choices": ", ".join(values)}


def _subjects() -> list[str]:
    from .models import Subject

    return list(Subject.values)


def _directions() -> list[str]:
    from .models import Direction

    return list(Direction.values)


def _age_groups() -> list[str]:
    from .models import AgeGroup

    return list(AgeGroup.values)


@dataclass(frozen=True)
class Rule:
    """One rule: the field it is about and its message (built when asked, in the active language)."""

    field: str
    message: Callable[[], str]


# Every reason an observation can be refused for: code -> Rule. The one wording of each rule.
RULES: dict[str, Rule] = {
    # shape (the API's JSON and the point forms)
    "field_unknown": Rule("", lambda: _("Unknown field.")),
    "location_form": Rule("location", lambda: _("Give a GeoJSON Point with coordinates [lon, lat].")),
    "location_both": Rule("location", lambda: _("Give either lat/lon or location, not both.")),
    "location_pair": Rule("location", lambda: _("Give both lat and lon.")),
    "location_required": Rule("location", lambda: _("A point is required (lat/lon or location).")),
    "location_object_needs_point": Rule("location", lambda: _("Give the point of the place or thing.")),
    # the point
    "lat_required": Rule("lat", lambda: _("This field is required.")),
    "lat_number": Rule("lat", lambda: _("A number is required.")),
    "lat_finite": Rule("lat", lambda: _("A finite number is required.")),
    "lon_required": Rule("lon", lambda: _("This field is required.")),
    "lon_number": Rule("lon", lambda: _("A number is required.")),
    "lon_finite": Rule("lon", lambda: _("A finite number is required.")),
    "location_swapped": Rule("location", lambda: _(
        "lat and lon look swapped: lat is the north coordinate (about 60–70 in Finland).")),
    "location_outside_finland": Rule("location", lambda: _("The point is outside Finland.")),
    "location_outside_coverage": Rule("location", lambda: _outside_coverage()),
    # the fields
    "phenomenon_unknown": Rule("phenomenon", lambda: _("Unknown or missing phenomenon.")),
    "phenomenon_inactive": Rule("phenomenon", lambda: _("This phenomenon is no longer in use.")),
    "category_unknown": Rule("category", lambda: _("Unknown category for this phenomenon.")),
    "subject_choice": Rule("subject", lambda: _choices(_subjects())),
    "direction_choice": Rule("direction", lambda: _choices(_directions())),
    "occurrences_range": Rule("occurrences", lambda: _("Give a whole number from 1 to %(max)d.") % {
        "max": OCCURRENCES_MAX}),
    "age_group_object": Rule("age_group", lambda: _("An age group is only for observations about a person.")),
    "age_group_choice": Rule("age_group", lambda: _choices(_age_groups())),
    "description_text": Rule("description", lambda: _("Text is required.")),
    "description_length": Rule("description", lambda: _("At most %(max)d characters.") % {
        "max": DESCRIPTION_MAX_LENGTH}),
    "observed_on_format": Rule("observed_on", lambda: _("Give a date as YYYY-MM-DD.")),
    "observed_on_future": Rule("observed_on", lambda: _("The date is in the future.")),
    "observed_on_before_2000": Rule("observed_on", lambda: _("The date is before 2000.")),
    "consent_recorded_boolean": Rule("consent_recorded", lambda: _("Give true or false.")),
    "follow_up_note_text": Rule("follow_up_note", lambda: _("Text is required.")),
    "follow_up_note_person": Rule("follow_up_note", lambda: _(
        "A follow-up note is only for observations about a person.")),
    "follow_up_note_consent": Rule("follow_up_note", lambda: _("A follow-up note needs the person's recorded consent.")),
    "follow_up_note_length": Rule("follow_up_note", lambda: _("At most %(max)d characters.") % {
        "max": NOTE_MAX_LENGTH}),
    "client_uuid_format": Rule("client_uuid", lambda: _("Not a UUID.")),
    "organisation_none": Rule("organisation", lambda: _("The reporter belongs to no organisation.")),
}


def _outside_coverage() -> str:
    from .snapping import outside_coverage_message

    return outside_coverage_message(settings.SNAP_GAP_TOLERANCE_M)


def message(code: str) -> str:
    """The message of one rule, in the active language."""
    return RULES[code].message()


def errors_of(codes: Iterable[str], field: str | None = None) -> dict[str, list[str]]:
    """Reason codes -> {field: [messages]}, in the order given (`field` names the field of a
    rule that has none of its own, such as an unknown field)."""
    errors: dict[str, list[str]] = {}
    for code in codes:
        rule = RULES[code]
        errors.setdefault(rule.field or field or "", []).append(rule.message())
    return errors


def refuse(codes: Iterable[str]) -> ValidationError:
    """A ValidationError of reason codes, each message carrying its code."""
    grouped: dict[str, list[ValidationError]] = {}
    for code in codes:
        grouped.setdefault(RULES[code].field, []).append(ValidationError(message(code), code=code))
    return ValidationError(grouped)


def limits() -> dict[str, Any]:
    """The limits as they are now: for the SQL batch's parameters and for the web form."""
    return {
        "occurrences_max": OCCURRENCES_MAX,
        "description_max": DESCRIPTION_MAX_LENGTH,
        "note_max": NOTE_MAX_LENGTH,
        "earliest": EARLIEST_OBSERVED_ON,
        "subjects": _subjects(),
        "directions": _directions(),
        "age_groups": _age_groups(),
    }


# --- parsing a given value (JSON value, form value or file text) to what the rules check ---

def parse_occurrences(value: Any) -> int | None:
    """A whole number (a JSON integer or digits), or None. Absent means 1."""
    if value is None or value == "":
        return 1
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if _DIGITS.fullmatch(text) and len(text) < 11 else None
    if not isinstance(value, int) or abs(value) > _INT4_MAX:
        return None
    return value


def parse_date(value: Any) -> dt.date | None | bool:
    """A date, None when not given, False when it is not a YYYY-MM-DD date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return False
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return False
    return False


def parse_uuid(value: Any) -> uuid.UUID | None | bool:
    """A UUID, None when not given, False when it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value.strip())
        except ValueError:
            return False
    return False


@sensitive_variables("value", "number")
def parse_coordinate(value: Any) -> tuple[float | None, str | None]:
    """A coordinate -> (float, None) or (None, "required" | "number" | "finite"). Never echoes it."""
    if value is None or value == "":
        return None, "required"
    if isinstance(value, bool):
        return None, "number"
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None, "number"
    elif isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            return None, "finite"
    else:
        return None, "number"
    return (number, None) if math.isfinite(number) else (None, "finite")


# --- the rules ---

@sensitive_variables("lat", "lon", "number")
def point_codes(lat: Any, lon: Any) -> tuple[tuple[float, float] | None, list[str]]:
    """Check a WGS 84 point: ((lat, lon) as floats, []) or (None, reason codes)."""
    codes: list[str] = []
    numbers: dict[str, float] = {}
    for name, value in (("lat", lat), ("lon", lon)):
        number, problem = parse_coordinate(value)
        if problem:
            codes.append(f"{name}_{problem}")
        else:
            numbers[name] = number  # type: ignore[assignment]
    if codes:
        return None, codes
    lat, lon = numbers["lat"], numbers["lon"]
    min_lon, min_lat, max_lon, max_lat = settings.COVERAGE_PLAUSIBLE_EXTENT
    if not (min_lat <= lat <= max_lat and min_lon <= lon <= max_lon):
        swapped = min_lat <= lon <= max_lat and min_lon <= lat <= max_lon
        return None, ["location_swapped" if swapped else "location_outside_finland"]
    return (lat, lon), []


@sensitive_variables("lat", "lon")
def validate_point(lat: Any, lon: Any) -> tuple[float, float]:
    """The point as floats, or a ValidationError naming the problem, never the value."""
    point, codes = point_codes(lat, lon)
    if codes:
        raise refuse(codes)
    return point  # type: ignore[return-value]


def _lookup(model: type, value: Any, **within: Any) -> Any:
    """A phenomenon or category given as an instance, an id or a slug (or id as text); None if unknown."""
    if isinstance(value, model):
        return value
    if isinstance(value, bool):
        return None
    queryset = model.objects.filter(**within)  # type: ignore[attr-defined]
    if isinstance(value, int):
        return queryset.filter(pk=value).first() if abs(value) <= _INT4_MAX else None
    if isinstance(value, str) and value.strip():
        text = value.strip()
        found = queryset.filter(slug=text).first()
        if found is None and _DIGITS.fullmatch(text) and len(text) < 11:
            found = queryset.filter(pk=int(text)).first()
        return found
    return None


def clean_fields(data: Mapping[str, Any], instance: Any = None) -> tuple[dict[str, Any], list[str]]:
    """Check everything but the point. Returns the model field values and the reason codes
    (in the order of the fields). A field absent from `data` keeps the value of `instance`."""
    from .models import AgeGroup, Category, Phenomenon, Subject

    codes: list[str] = []
    values: dict[str, Any] = {}

    def get(name: str, default: Any = None) -> Any:
        if name in data:
            return data[name]
        return getattr(instance, name) if instance is not None else default

    phenomenon = _lookup(Phenomenon, get("phenomenon"))
    if phenomenon is None:
        codes.append("phenomenon_unknown")
    elif not phenomenon.is_active and (instance is None or instance.phenomenon_id != phenomenon.pk):
        codes.append("phenomenon_inactive")
    values["phenomenon"] = phenomenon

    given_category = get("category")
    category = None
    if given_category not in (None, ""):
        if isinstance(given_category, Category) and phenomenon is None:
            category = given_category
        elif phenomenon is not None:
            category = _lookup(Category, given_category, phenomenon=phenomenon)
            if category is None or category.phenomenon_id != phenomenon.pk:
                codes.append("category_unknown")
                category = None
    values["category"] = category

    subject = get("subject")
    if not isinstance(subject, str) or subject not in _subjects():
        codes.append("subject_choice")
    values["subject"] = subject

    direction = get("direction")
    if not isinstance(direction, str) or direction not in _directions():
        codes.append("direction_choice")
    values["direction"] = direction

    occurrences = parse_occurrences(get("occurrences", 1))
    if occurrences is None or not 1 <= occurrences <= OCCURRENCES_MAX:
        codes.append("occurrences_range")
    values["occurrences"] = occurrences

    age_group = get("age_group", "") or ""
    if subject == Subject.OBJECT:
        if age_group:
            codes.append("age_group_object")
        age_group = ""
    else:
        age_group = age_group or AgeGroup.UNKNOWN
        if not isinstance(age_group, str) or age_group not in _age_groups():
            codes.append("age_group_choice")
    values["age_group"] = age_group

    description = get("description", "") or ""
    if not isinstance(description, str):
        codes.append("description_text")
        description = ""
    description = description.strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        codes.append("description_length")
    values["description"] = description

    today = timezone.localdate()
    observed_on = parse_date(get("observed_on"))
    if observed_on is False:
        codes.append("observed_on_format")
    elif observed_on is None:
        observed_on = today
    elif observed_on > today:  # type: ignore[operator]
        codes.append("observed_on_future")
    elif observed_on < EARLIEST_OBSERVED_ON:  # type: ignore[operator]
        codes.append("observed_on_before_2000")
    values["observed_on"] = observed_on

    consent = get("consent_recorded", False)
    if consent in (None, ""):
        consent = False
    if not isinstance(consent, bool):
        codes.append("consent_recorded_boolean")
        consent = False
    note = get("follow_up_note", "") or ""
    if not isinstance(note, str):
        codes.append("follow_up_note_text")
        note = ""
    note = note.strip()
    if note:
        if subject != Subject.PERSON:
            codes.append("follow_up_note_person")
        elif not consent:
            codes.append("follow_up_note_consent")
        elif len(note) > NOTE_MAX_LENGTH:
            codes.append("follow_up_note_length")
    values["consent_recorded"] = consent and subject == Subject.PERSON
    values["follow_up_note"] = note
    return values, codes
