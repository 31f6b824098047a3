"""Bulk import of observations from CSV or GeoJSON: text parsed here, rules applied set-wise by the recording service."""
from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import contract
from .bulk import BULK_COLUMNS, BulkOutcome, record_observation_columns

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

    def lines(self) -> Iterator[str]:
        yield f"Observations: {self.created} created, {self.duplicate} duplicate, {len(self.rejected)} rejected"
        for row, errors in self.rejected:
            reasons = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
            yield f"Rejected row {row}: {reasons}"


class _Columns:
    """One batch as columns (bulk.BULK_COLUMNS), parsed from text by the contract's parsers with
    no other checks: the rules themselves run set-wise in PostGIS (bulk.record_observation_columns)."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name, _kind in BULK_COLUMNS}

    def __len__(self) -> int:
        return len(self.columns["line"])

    @sensitive_variables("raw", "value")
    def add(self, line: int, raw: dict[str, Any]) -> None:
        errors = []
        add = {name: values.append for name, values in self.columns.items()}
        add["line"](line)
        for name in ("phenomenon", "category", "subject", "direction", "age_group", "description"):
            add[name](str(raw.get(name) or "").strip())
        add["occurrences"](contract.parse_occurrences(raw.get("occurrences")))  # None: not a whole number
        observed_on = contract.parse_date(raw.get("observed_on"))
        if observed_on is False:
            errors.append("observed_on_format")
        add["observed_on"](timezone.localdate() if observed_on is None else observed_on or None)
        client_uuid = contract.parse_uuid(raw.get("client_uuid"))
        if client_uuid is False:
            errors.append("client_uuid_format")
        add["client_uuid"](client_uuid or uuid.uuid4())
        for name in ("lat", "lon"):
            value, problem = contract.parse_coordinate(raw.get(name))
            add[name](value)
            if problem:
                errors.append(f"{name}_{problem}")
        add["parse_errors"](",".join(errors))


def read_rows(path: str | Path) -> Iterator[dict[str, Any]]:
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


def import_observations(
    path: str | Path, *, reporter: Any, organisation: Any = None, atomic: bool = False, batch_size: int = BATCH_SIZE,
) -> ObservationImportReport:
    """Import a file in batches of `batch_size` rows, each checked, snapped and inserted by one
    statement. `atomic`: nothing is written if any row is rejected; otherwise each batch commits."""
    report = ObservationImportReport()
    batch_size = max(1, min(batch_size, MAX_BATCH_SIZE))

    def run() -> None:
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


def _flush(batch: _Columns, report: ObservationImportReport, reporter: Any, organisation: Any) -> None:
    outcome: BulkOutcome = record_observation_columns(batch.columns, reporter=reporter, organisation=organisation)
    report.created += len(outcome.created)
    report.duplicate += len(outcome.duplicates)
    report.rejected.extend(outcome.rejected)
