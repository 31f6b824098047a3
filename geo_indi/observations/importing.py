"""Bulk import of observations from CSV or GeoJSON: text parsed here, rules applied set-wise by the recording service."""
import csv
import datetime as dt
import json
import math
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from .services import BULK_COLUMNS, record_observation_columns

BATCH_SIZE = 5000
# A batch's coordinates live only in that statement's memory: far below work_mem (4 MB), so
# PostgreSQL never spills them to a temporary file.
MAX_BATCH_SIZE = 5000
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


def _number(value):
    """A coordinate -> (float or None, reason suffix or None)."""
    if value in (None, ""):
        return None, "required"
    if isinstance(value, bool):
        return None, "number"
    try:
        number = float(value if isinstance(value, (int, float)) else str(value).strip())
    except ValueError:
        return None, "number"
    return (number, None) if math.isfinite(number) else (None, "finite")


class _Columns:
    """One batch as columns (services.BULK_COLUMNS), parsed from text with no other checks:
    the rules themselves run set-wise in PostGIS (services.record_observation_columns)."""

    def __init__(self):
        self.columns = {name: [] for name, _kind in BULK_COLUMNS}

    def __len__(self):
        return len(self.columns["line"])

    @sensitive_variables("raw", "lat", "lon")
    def add(self, line, raw):
        errors = []
        add = {name: values.append for name, values in self.columns.items()}
        add["line"](line)
        for name in ("phenomenon", "category", "subject", "direction", "age_group", "description"):
            add[name](str(raw.get(name) or "").strip())
        occurrences = str(raw.get("occurrences") or "1").strip()
        add["occurrences"](int(occurrences) if occurrences.isdigit() and len(occurrences) < 6 else -1)
        observed_on = str(raw.get("observed_on") or "").strip()
        try:
            add["observed_on"](dt.date.fromisoformat(observed_on) if observed_on else timezone.localdate())
        except ValueError:
            add["observed_on"](None)
            errors.append("observed_on_format")
        client_uuid = str(raw.get("client_uuid") or "").strip()
        try:
            add["client_uuid"](uuid.UUID(client_uuid) if client_uuid else uuid.uuid4())
        except ValueError:
            add["client_uuid"](uuid.uuid4())
            errors.append("client_uuid_format")
        for name in ("lat", "lon"):
            value, problem = _number(raw.get(name))
            add[name](value)
            if problem:
                errors.append(f"{name}_{problem}")
        add["parse_errors"](",".join(errors))


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
    """Import a file in batches of `batch_size` rows, each checked, snapped and inserted by one
    statement. `atomic`: nothing is written if any row is rejected; otherwise each batch commits."""
    report = ObservationImportReport()
    batch_size = max(1, min(batch_size, MAX_BATCH_SIZE))

    def run():
        batch = _Columns()
        first = 2 if Path(path).suffix.lower() == ".csv" else 1
        for line, raw in enumerate(read_rows(path), start=first):
            batch.add(line, raw)
            if len(batch) >= batch_size:
                _flush(batch, report, reporter, organisation)
                batch = _Columns()
        if len(batch):
            _flush(batch, report, reporter, organisation)
        report.rejected.sort(key=lambda item: item[0])
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
    outcome = record_observation_columns(batch.columns, reporter=reporter, organisation=organisation)
    report.created += len(outcome.created)
    report.duplicate += len(outcome.duplicates)
    report.rejected.extend(outcome.rejected)
