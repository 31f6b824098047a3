"""Bulk import of observations from CSV or GeoJSON through the recording service."""
import csv
import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from .models import Category, Phenomenon
from .services import PendingObservation, record_observations

BATCH_SIZE = 1000
CSV_FIELDS = [
    "client_uuid", "phenomenon", "category", "subject", "direction", "occurrences",
    "age_group", "description", "observed_on", "lat", "lon",
]


class ImportFileError(Exception):
    pass


class AtomicImportRejected(Exception):
    """--atomic and at least one row rejected: nothing was written."""


@dataclass
class ObservationImportReport:
    created: int = 0
    duplicate: int = 0
    rejected: list = field(default_factory=list)  # (row number, {field: [messages]})

    def lines(self):
        yield f"Observations: {self.created} created, {self.duplicate} duplicate, {len(self.rejected)} rejected"
        for row, errors in self.rejected:
            reasons = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
            yield f"Rejected row {row}: {reasons}"


class _Lookup:
    """Phenomena and categories by slug or id, loaded once."""

    def __init__(self):
        self.phenomena = {}
        for p in Phenomenon.objects.all():
            self.phenomena[p.slug] = p
            self.phenomena[str(p.pk)] = p
        self.categories = {}
        for c in Category.objects.all():
            self.categories[(c.phenomenon_id, c.slug)] = c
            self.categories[(c.phenomenon_id, str(c.pk))] = c


def _number(value):
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return "invalid"


def _row_to_pending(raw, lookup):
    """Parse one row's text values. Returns (PendingObservation, parse errors)."""
    errors = {}
    data = {}
    phenomenon = lookup.phenomena.get(str(raw.get("phenomenon") or "").strip())
    if phenomenon is None:
        errors["phenomenon"] = ["Unknown or missing phenomenon."]
    data["phenomenon"] = phenomenon
    category_key = str(raw.get("category") or "").strip()
    if category_key and phenomenon is not None:
        category = lookup.categories.get((phenomenon.pk, category_key))
        if category is None:
            errors["category"] = ["Unknown category for this phenomenon."]
        data["category"] = category
    for name in ("subject", "direction", "age_group", "description"):
        data[name] = str(raw.get(name) or "").strip()
    occurrences = str(raw.get("occurrences") or "1").strip()
    data["occurrences"] = int(occurrences) if occurrences.isdigit() else -1
    observed_on = str(raw.get("observed_on") or "").strip()
    if observed_on:
        try:
            data["observed_on"] = dt.date.fromisoformat(observed_on)
        except ValueError:
            errors["observed_on"] = ["Give a date as YYYY-MM-DD."]
    client_uuid = str(raw.get("client_uuid") or "").strip()
    parsed_uuid = None
    if client_uuid:
        try:
            parsed_uuid = uuid.UUID(client_uuid)
        except ValueError:
            errors["client_uuid"] = ["Not a UUID."]
    lat, lon = _number(raw.get("lat")), _number(raw.get("lon"))
    for name, value in (("lat", lat), ("lon", lon)):
        if value == "invalid":
            errors[name] = ["A number is required."]
    return PendingObservation(data, lat, lon, parsed_uuid), errors


def read_rows(path):
    """Yield dict rows from a CSV (header with CSV_FIELDS) or a GeoJSON FeatureCollection of Points."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"{path}: no such file")
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise ImportFileError(f"{path.name}: not valid JSON")
        if not isinstance(payload, dict) or payload.get("type") != "FeatureCollection":
            raise ImportFileError(f"{path.name}: not a GeoJSON FeatureCollection")
        for feature in payload.get("features") or []:
            props = dict((feature or {}).get("properties") or {})
            geometry = (feature or {}).get("geometry") or {}
            coords = geometry.get("coordinates") if geometry.get("type") == "Point" else None
            if isinstance(coords, list) and len(coords) >= 2:
                props["lon"], props["lat"] = coords[0], coords[1]
            else:
                props["lon"] = props["lat"] = "not-a-point"
            yield props
        return
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = {"phenomenon", "subject", "direction", "lat", "lon"} - set(reader.fieldnames or [])
            if missing:
                raise ImportFileError(f"{path.name}: missing CSV columns: {', '.join(sorted(missing))}")
            yield from reader
    except UnicodeDecodeError:
        raise ImportFileError(f"{path.name}: not UTF-8 text")


def import_observations(path, *, reporter, organisation=None, atomic=False, batch_size=BATCH_SIZE):
    report = ObservationImportReport()
    lookup = _Lookup()

    def run():
        batch = []
        for number, raw in enumerate(read_rows(path), start=2 if Path(path).suffix.lower() == ".csv" else 1):
            batch.append((number, *_row_to_pending(raw, lookup)))
            if len(batch) >= batch_size:
                _flush(batch, report, reporter, organisation)
                batch = []
        if batch:
            _flush(batch, report, reporter, organisation)
        if atomic and report.rejected:
            raise AtomicImportRejected()

    if atomic:
        try:
            with transaction.atomic():
                run()
        except AtomicImportRejected:
            report.created = 0
    else:
        run()
    return report


def _flush(batch, report, reporter, organisation):
    to_record = [(number, pending) for number, pending, errors in batch if not errors]
    for number, _pending, errors in batch:
        if errors:
            report.rejected.append((number, errors))
    with transaction.atomic():
        outcomes = record_observations([p for _n, p in to_record], reporter=reporter, organisation=organisation)
    for (number, _pending), outcome in zip(to_record, outcomes):
        if outcome.status == "created":
            report.created += 1
        elif outcome.status == "duplicate":
            report.duplicate += 1
        else:
            report.rejected.append((number, outcome.errors))
    report.rejected.sort(key=lambda item: item[0])
