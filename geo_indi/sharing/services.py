"""Who reads which organisation's records: the data-sharing agreements in force, declared once.

`reading_of(user)` is what `ObservationQuerySet.visible_to` asks: the viewer's own organisation, the
providers whose records the viewer's coordinators read (with or without free text) today. Nothing here
is cached, so an agreement saved in the admin takes effect on the next request.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from geo_indi.accounts import roles
from geo_indi.accounts.models import Organisation
from geo_indi.audit.context import current_request
from geo_indi.audit.services import Action, audit_record

from .models import Level, SharingAgreement

# Free-text fields of an observation, blanked for records shared without text.
FREE_TEXT_FIELDS = ("description", "follow_up_note")
# Timestamps of an observation, shown to other organisations as the day only.
TIMESTAMP_FIELDS = ("created_at", "updated_at")
READING_LEVELS = (Level.RECORDS, Level.FULL)
SHARED_READS = "_geo_indi_shared_reads"


def levels_granted_to(organisation: Organisation | None, on: dt.date | None = None) -> dict[int, str]:
    """{provider organisation id: level} of the agreements in force on `on` (default today) towards `organisation`.

    A provider without an agreement in force is absent: aggregates only."""
    if organisation is None:
        return {}
    on = on or timezone.localdate()
    rows = SharingAgreement.objects.in_force(on).filter(recipient=organisation).values_list("provider_id", "level")
    return dict(rows)


def readers_of(organisation: Organisation, on: dt.date | None = None) -> list[Organisation]:
    """Organisations whose coordinators can read a record of `organisation` saved now: itself first, then
    those with a records or full agreement in force (by name)."""
    on = on or timezone.localdate()
    others = Organisation.objects.filter(
        pk__in=SharingAgreement.objects.in_force(on).filter(provider=organisation, level__in=READING_LEVELS)
        .values("recipient_id")).order_by("name")
    return [organisation, *others]


@dataclass
class Reading:
    """What one viewer reads of observation records: everything, or own organisation plus shared providers."""

    everything: bool = False
    own_id: int | None = None
    full_ids: frozenset[int] = field(default_factory=frozenset)
    without_text_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def other_ids(self) -> frozenset[int]:
        return self.full_ids | self.without_text_ids

    def is_other(self, organisation_id: int) -> bool:
        """A record of another organisation (administrators have none: they read everything as it is)."""
        return not self.everything and organisation_id != self.own_id

    def present(self, observation: Any) -> Any:
        """The record as this viewer may see it: other organisations' timestamps as the day, text blanked
        where the agreement shares records without free text. Marks it `shared_view` (not to be saved)."""
        if not self.is_other(observation.organisation_id):
            return observation
        observation.shared_view = True
        note_shared_read(observation)
        for name in TIMESTAMP_FIELDS:
            value = getattr(observation, name)
            if isinstance(value, dt.datetime):
                setattr(observation, name, timezone.localdate(value))
        if observation.organisation_id in self.without_text_ids:
            for name in FREE_TEXT_FIELDS:
                setattr(observation, name, "")
        return observation


def reading_of(user: Any, on: dt.date | None = None) -> Reading | None:
    """The viewer's reading, or None when they read no records at all.

    Administrators read everything. Coordinators read their organisation's records and the records of
    organisations with an agreement (records or full) in force towards theirs; field workers read their
    organisation's. Aggregates-only (and no agreement) means no records; counts follow the suppression rules."""
    if roles.is_administrator(user):
        return Reading(everything=True)
    organisation = roles.organisation_of(user)
    if organisation is None:
        return None
    if not roles.is_coordinator(user):
        return Reading(own_id=organisation.pk)
    levels = levels_granted_to(organisation, on)
    return Reading(
        own_id=organisation.pk,
        full_ids=frozenset(p for p, level in levels.items() if level == Level.FULL),
        without_text_ids=frozenset(p for p, level in levels.items() if level == Level.RECORDS),
    )


def note_shared_read(observation: Any) -> None:
    """Remember, for the current request's one audit entry, that it read this record of another organisation."""
    request = current_request.get()
    if request is None:
        return
    reads = request.__dict__.setdefault(SHARED_READS, {})
    reads.setdefault(observation.organisation_id, set()).add(observation.pk)


def audit_shared_reads(request: Any) -> Any:
    """One audit entry for a request that read records of other organisations: how many records, of which
    organisations (ids and names), never their content. None when it read none."""
    reads: dict[int, set[int]] = request.__dict__.pop(SHARED_READS, None) or {}
    if not reads:
        return None
    names = dict(Organisation.objects.filter(pk__in=reads).values_list("pk", "name"))
    detail = {"records": sum(len(ids) for ids in reads.values()), "organisations": [
        {"id": pk, "name": names.get(pk, ""), "records": len(ids)} for pk, ids in sorted(reads.items())]}
    return audit_record(Action.SHARED_RECORDS_READ, object_type="observations.observation", request=request,
                        detail=detail)


class SharedReadsAuditMiddleware:
    """Writes the request's one shared-records audit entry when the response is ready (after AuditContextMiddleware)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        audit_shared_reads(request)
        return response
