"""Recording observations: the one write path (API, web app, bulk import, demo data, admin).

`record_observation` checks the fields and the point by the observation contract
(`contract.py`: every rule, its code and its message), snaps a person observation's
point to its postcode area and drops the point. The coordinates are local variables
and nothing more: they are not stored, logged or put into any error message.

Beside it: `bulk.py` (the importer's set-wise statement), `inserting.py` (INSERT and
COPY mechanics), `permissions.py` (who may edit), `events.py` (the announcement).
The names they used to have here are still importable from this module.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from geo_indi.accounts import roles
from geo_indi.areas.models import Municipality, PostcodeArea

from . import contract
from .bulk import BULK_COLUMNS, BULK_RECORD_SQL, BULK_RETURNED, BulkOutcome, record_observation_columns
from .contract import EARLIEST_OBSERVED_ON, validate_point
from .events import announce, observation_recorded
from .inserting import COPY_THRESHOLD, insert_new
from .models import Observation, Subject
from .permissions import can_modify
from .snapping import OutsideCoverage, SnapResult, snap_points, snap_to_area

__all__ = [
    "BULK_COLUMNS", "BULK_RECORD_SQL", "BULK_RETURNED", "COPY_THRESHOLD", "EARLIEST_OBSERVED_ON",
    "BatchOutcome", "BulkOutcome", "DuplicateOfOtherReporter", "PendingObservation", "RecordResult",
    "can_modify", "delete_observation", "delete_observations", "observation_recorded", "record_observation",
    "record_observation_columns", "record_observations", "update_observation", "validate_point",
]


class DuplicateOfOtherReporter(Exception):
    """A client UUID already used by someone else."""


@dataclass
class RecordResult:
    observation: Observation
    created: bool


@dataclass
class PendingObservation:
    """One row of a write: the non-spatial fields, the point and the client UUID (as given)."""

    data: dict[str, Any]
    lat: Any
    lon: Any
    client_uuid: Any = None


@dataclass
class BatchOutcome:
    status: str  # "created" | "duplicate" | "rejected"
    observation: Observation | None = None
    errors: dict[str, list[str]] | None = None


def _snapped_place(result: SnapResult) -> tuple[PostcodeArea, Municipality]:
    """The postcode area and municipality of a snap result, with the fields the snapping query
    returned (the rest load on access), so a recorded observation can be shown without a re-read."""
    municipality = Municipality.from_db(
        connection.alias, ["id", "code", "name_fi"],
        [result.municipality_id, result.municipality_code, result.municipality_name_fi],
    )
    postcode_area = PostcodeArea.from_db(
        connection.alias, ["id", "postcode", "name_fi", "name_sv", "municipality_id"],
        [result.area_id, result.postcode, result.name_fi, result.name_sv, result.municipality_id],
    )
    postcode_area.municipality = municipality
    return postcode_area, municipality


@sensitive_variables("items", "item", "point", "to_snap", "snapped")
def record_observations(
    items: list[PendingObservation], *, reporter: Any, organisation: Any = None,
) -> list[BatchOutcome]:
    """Bulk form of record_observation: the contract's rules and the one snapping rule, one
    snapping query and one INSERT per batch. Returns one BatchOutcome per item.
    Rejected rows are reported, not written; the caller decides about atomicity.
    A client UUID that is already stored (or wins a concurrent race) is a duplicate,
    found by `ON CONFLICT DO NOTHING`: a retry raises no database error, so the
    server never logs the refused row. One `observation_recorded` for the batch.
    """
    organisation = organisation or roles.organisation_of(reporter)
    outcomes: list[BatchOutcome | None] = [None] * len(items)
    client_uuids = [contract.parse_uuid(item.client_uuid) for item in items]
    given = [value for value in client_uuids if value]
    existing = Observation.objects.in_bulk(given, field_name="client_uuid") if given else {}
    seen: set[Any] = set()
    to_snap: list[tuple[int, tuple[float, float, bool]]] = []
    values_by_index: dict[int, dict[str, Any]] = {}
    for index, item in enumerate(items):
        client_uuid = client_uuids[index]
        if client_uuid and (client_uuid in existing or client_uuid in seen):
            outcomes[index] = BatchOutcome("duplicate", existing.get(client_uuid))
            continue
        values, codes = contract.clean_fields(item.data)
        if client_uuid is False:
            codes.append("client_uuid_format")
        if organisation is None:
            codes.append("organisation_none")
        point, point_codes = contract.point_codes(item.lat, item.lon)
        codes.extend(point_codes)
        if codes:
            outcomes[index] = BatchOutcome("rejected", errors=contract.errors_of(codes))
            continue
        if client_uuid:
            seen.add(client_uuid)
            values["client_uuid"] = client_uuid
        values_by_index[index] = values
        lat, lon = point  # type: ignore[misc]
        to_snap.append((index, (lon, lat, values["subject"] == Subject.OBJECT)))
    snapped = snap_points([point for _i, point in to_snap])
    places: dict[int, tuple[PostcodeArea, Municipality]] = {}
    new: list[tuple[int, Observation]] = []
    for (index, _point), result in zip(to_snap, snapped):
        if result is None:
            outcomes[index] = BatchOutcome("rejected", errors=contract.errors_of(["location_outside_coverage"]))
            continue
        if result.area_id not in places:
            places[result.area_id] = _snapped_place(result)
        postcode_area, municipality = places[result.area_id]
        values = values_by_index[index]
        values.update(
            postcode_area=postcode_area,
            municipality=municipality,
            location=result.point if values["subject"] == Subject.OBJECT else None,
            reporter=reporter,
            organisation=organisation,
        )
        new.append((index, Observation(**values)))
    inserted = insert_new([obs for _i, obs in new])
    lost = [obs.client_uuid for _i, obs in new if obs.pk not in inserted]
    winners = Observation.objects.in_bulk(lost, field_name="client_uuid") if lost else {}
    created = []
    for index, observation in new:
        if observation.pk in inserted:
            observation._state.adding = False
            outcomes[index] = BatchOutcome("created", observation)
            created.append(observation)
        else:
            outcomes[index] = BatchOutcome("duplicate", winners.get(observation.client_uuid))
    announce(*created)
    return outcomes  # type: ignore[return-value]


@sensitive_variables("lat", "lon")
def record_observation(
    data: dict[str, Any], *, reporter: Any, organisation: Any = None, lat: Any = None, lon: Any = None,
    client_uuid: Any = None,
) -> RecordResult:
    """Validate, snap and store one observation. Idempotent on client_uuid.

    `data` holds the non-spatial fields as given (phenomenon may be an instance, an id or a slug).
    Raises ValidationError (dict of field -> messages of `contract.RULES`) and writes nothing on bad input.
    """
    item = PendingObservation(data, lat, lon, client_uuid)
    [outcome] = record_observations([item], reporter=reporter, organisation=organisation)
    if outcome.status == "rejected":
        raise ValidationError(outcome.errors)
    if outcome.status == "duplicate":
        return _same_reporter(outcome.observation, reporter)  # type: ignore[arg-type]
    return RecordResult(outcome.observation, True)  # type: ignore[arg-type]


def _same_reporter(existing: Observation, reporter: Any) -> RecordResult:
    if reporter is not None and existing.reporter_id not in (None, reporter.pk):
        raise DuplicateOfOtherReporter(_("This client_uuid is already used."))
    return RecordResult(existing, False)


@sensitive_variables("lat", "lon", "point", "snapped")
def _place(values: dict[str, Any], lat: Any, lon: Any) -> None:
    """Snap to an area; keep the point only for object observations."""
    lat, lon = validate_point(lat, lon)
    is_object = values["subject"] == Subject.OBJECT
    try:
        snapped = snap_to_area(lon, lat, keep_point=is_object)
    except OutsideCoverage:
        raise contract.refuse(["location_outside_coverage"])
    values["postcode_area_id"] = snapped.area_id
    values["municipality_id"] = snapped.municipality_id
    values["location"] = snapped.point if is_object else None


@sensitive_variables("lat", "lon")
def update_observation(observation: Observation, data: dict[str, Any], *, lat: Any = None,
                       lon: Any = None) -> Observation:
    """Change fields; a new point is snapped by the same rule. Without one, the place stays."""
    values, codes = contract.clean_fields(data, instance=observation)
    if codes:
        raise contract.refuse(codes)
    before = copy.copy(observation)
    if lat is not None or lon is not None:
        _place(values, lat, lon)
    elif values["subject"] != observation.subject:
        if values["subject"] == Subject.OBJECT:
            raise contract.refuse(["location_object_needs_point"])
        values["location"] = None  # object -> person: the exact point goes
    with transaction.atomic():
        for name, value in values.items():
            setattr(observation, name, value)
        observation.save()
    moved = (before.postcode_area_id, before.municipality_id, before.phenomenon_id) != (
        observation.postcode_area_id, observation.municipality_id, observation.phenomenon_id)
    announce(observation, *([before] if moved else []))
    return observation


def delete_observation(observation: Observation) -> None:
    """Delete; the rules of its place are evaluated again (an alert may clear)."""
    delete_observations([observation])


def delete_observations(observations: list[Observation]) -> None:
    """Delete several (the admin's bulk delete) with one announcement."""
    gone = [copy.copy(observation) for observation in observations]
    with transaction.atomic():
        Observation.objects.filter(pk__in=[observation.pk for observation in observations]).delete()
    announce(*gone)
