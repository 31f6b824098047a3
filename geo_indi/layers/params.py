"""Query parameters of every layer: bbox, datetime, paging and the shared observation filters.

The observation filters (phenomenon, category, direction, municipality, date_from, ...)
are those declared once in geo_indi.observations.filters.FILTERS, parsed and translated there.
`datetime` (OGC API - Features) and `date_from`/`date_to` may be given together: both apply.
Anything that does not parse is a LayerParamError with messages per parameter.
"""
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.db.models import Q
from django.utils import timezone

from geo_indi.core.errors import RequestError
from geo_indi.core.geo import bbox_polygon, parse_projected_bbox, parse_wgs84_bbox
from geo_indi.observations.filters import (
    DEFAULT_UNIT,
    FILTER_NAMES,
    UNIT_PARAM,
    Unit,
    filter_q,
    parse_filters,
    parse_unit,
)

# GDAL and QGIS page with their own limit (GDAL 3.6: 10); a client that sends none gets 1000.
# Pages stream from a server-side cursor, so a large page costs the server no memory.
DEFAULT_LIMIT = 1000
MAX_LIMIT = 100_000
WGS84_SRID = 4326
MAX_OFFSET = 10_000_000
AFTER_RE = re.compile(r"[0-9A-Za-z_-]{1,20}")
# Every declared observation filter is a layer parameter too.
SHARED_FILTERS = FILTER_NAMES
PERIOD = ("date_from", "date_to")

# A full date; GDAL 3.6 sends an interval's start as "2026-06-01T" (a date and a bare "T"), which names
# the same day and is read as it.
_DATE_ONLY = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt]?$")
# An instant needs its offset (Z or +hh:mm): without one it would be a local time of no stated zone.
# Seconds may be left out (12:00Z), as QGIS's temporal filter and people write it.
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$"
)


class LayerParamError(RequestError):
    """An alias of the one request error (geo_indi.core.errors): a 400 with messages per parameter."""

    def __init__(self, errors):
        super().__init__(errors=errors)


@dataclass
class LayerQuery:
    """A parsed request for a layer."""

    filters: dict = field(default_factory=dict)  # the shared filters in use (cleaned), dates apart
    bbox: tuple | None = None  # (minlon, minlat, maxlon, maxlat) as given
    bbox_polygon: Polygon | None = None  # clipped, in the storage SRID
    bbox_empty: bool = False  # the bbox lies outside the coverage: nothing matches
    date_from: dt.date | None = None  # the tighter of date_from and datetime's start
    date_to: dt.date | None = None  # the tighter of date_to and datetime's end
    limit: int | None = None
    offset: int = 0
    after: str | None = None  # keyset paging: features with an id after this one
    unit: Unit = DEFAULT_UNIT  # what the statistics layers' `count` counts: occurrences or records

    def observation_q(self) -> Q:
        """All observation filters (shared ones plus datetime) as one Q, by the one translation."""
        return filter_q({**self.filters, "date_from": self.date_from, "date_to": self.date_to})


def parse_bbox(value, srid=WGS84_SRID):
    """'minlon,minlat,maxlon,maxlat' (CRS84), or 'minx,miny,maxx,maxy' in a projected SRID -> tuple of floats."""
    try:
        return parse_wgs84_bbox(value) if srid == WGS84_SRID else parse_projected_bbox(value)
    except ValueError as exc:
        raise LayerParamError({"bbox": [str(exc)]}) from None


def _parse_instant(text, end_of_interval=False):
    """An RFC 3339 date-time or full date -> the local date it falls on."""
    date_only = _DATE_ONLY.match(text)
    if date_only:
        try:
            return dt.date.fromisoformat(date_only.group(1))
        except ValueError:
            raise LayerParamError({"datetime": [f"'{text}' is not a valid date."]}) from None
    if _DATE_TIME.match(text):
        try:
            moment = dt.datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
        except ValueError:
            raise LayerParamError({"datetime": [f"'{text}' is not a valid date-time."]}) from None
        try:
            return timezone.localtime(moment, timezone.get_default_timezone()).date()
        except OverflowError:
            raise LayerParamError({"datetime": [f"'{text}' is out of range: its local date is not in years 1-9999."]}) from None
    raise LayerParamError(
        {"datetime": ["Use an RFC 3339 date-time (2025-03-01T12:00:00Z), a date (2025-03-01) or an interval start/end with '..' for an open end."]}
    )


def parse_datetime(value):
    """RFC 3339 instant or interval ('a/b', '../b', 'a/..') -> (date_from, date_to) on observed_on."""
    value = value.strip()
    if "/" not in value:
        day = _parse_instant(value)
        return day, day
    parts = value.split("/")
    if len(parts) != 2:
        raise LayerParamError({"datetime": ["An interval has exactly one '/'."]})
    start_text, end_text = (p.strip() for p in parts)
    start = None if start_text in ("", "..") else _parse_instant(start_text)
    end = None if end_text in ("", "..") else _parse_instant(end_text)
    if start and end and start > end:
        raise LayerParamError({"datetime": ["The interval starts after it ends."]})
    return start, end


def _parse_int(params, name, default, minimum, maximum):
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not re.fullmatch(r"\d{1,12}", raw.strip()):
        raise LayerParamError({name: [f"Give a whole number from {minimum} to {maximum}."]})
    number = int(raw)
    if not minimum <= number <= maximum:
        raise LayerParamError({name: [f"Give a whole number from {minimum} to {maximum}."]})
    return number


def projected_bbox_polygon(bbox, srid):
    """A box in a projected SRID (OGC bbox-crs, e.g. EPSG:3067 metres) as a polygon in the storage SRID.
    Straight edges stay straight in a projected CRS: no clipping or densifying."""
    polygon = Polygon.from_bbox(bbox)
    polygon.srid = srid
    if srid != settings.GEO_INDI_STORAGE_SRID:
        polygon.transform(settings.GEO_INDI_STORAGE_SRID)
    return polygon


def _parse_limit(params):
    """limit: a whole number from 1; more than MAX_LIMIT is served as MAX_LIMIT (OGC API - Features)."""
    raw = (params.get("limit") or "").strip()
    if not raw:
        return DEFAULT_LIMIT
    if not re.fullmatch(r"\d{1,100}", raw) or int(raw) < 1:
        raise LayerParamError({"limit": [f"Give a whole number of at least 1 (at most {MAX_LIMIT} are served)."]})
    return min(int(raw), MAX_LIMIT)


def _tighter(pick, a: dt.date | None, b: dt.date | None) -> dt.date | None:
    """Of two optional bounds, the tighter (`pick` is max for starts, min for ends)."""
    return pick(a, b) if a and b else a or b


def parse_layer_query(params: Mapping[str, Any], paged: bool = False, bbox_srid: int = WGS84_SRID) -> LayerQuery:
    """Parse request parameters (a QueryDict or dict) into a LayerQuery.

    `paged`: also read limit (default DEFAULT_LIMIT, at most MAX_LIMIT served) and offset.
    `bbox_srid`: the CRS of bbox (OGC bbox-crs); WGS 84 by default.
    """
    errors = {}
    query = LayerQuery()
    shared = {k: params.get(k) for k in SHARED_FILTERS if params.get(k) not in (None, "")}
    form, form_errors = parse_filters(shared)
    if form_errors:
        errors.update(form_errors)
    else:
        query.filters = {k: v for k, v in form.active().items() if k not in PERIOD}
        query.date_from, query.date_to = form.cleaned_data.get("date_from"), form.cleaned_data.get("date_to")
    try:
        query.unit = parse_unit(params)
    except ValueError as exc:
        errors[UNIT_PARAM] = [str(exc)]
    for name, parse in (("bbox", lambda raw: parse_bbox(raw, bbox_srid)), ("datetime", parse_datetime)):
        raw = params.get(name)
        if raw in (None, ""):
            continue
        try:
            parsed = parse(raw)
        except LayerParamError as exc:
            errors.update(exc.errors)
            continue
        if name == "bbox":
            query.bbox = parsed
            query.bbox_polygon = (
                bbox_polygon(parsed) if bbox_srid == WGS84_SRID else projected_bbox_polygon(parsed, bbox_srid)
            )
            query.bbox_empty = query.bbox_polygon is None
        else:
            start, end = parsed
            query.date_from = _tighter(max, query.date_from, start)
            query.date_to = _tighter(min, query.date_to, end)
    if paged:
        try:
            query.limit = _parse_limit(params)
        except LayerParamError as exc:
            errors.update(exc.errors)
        try:
            query.offset = _parse_int(params, "offset", 0, 0, MAX_OFFSET)
        except LayerParamError as exc:
            errors.update(exc.errors)
        after = params.get("after")
        if after not in (None, ""):
            if not AFTER_RE.fullmatch(after):
                errors["after"] = ["Give the id of the last feature of the previous page."]
            else:
                query.after = after
    if errors:
        raise LayerParamError(errors)
    return query
