"""audit_record(): the one way to write the audit log."""
import csv
import json

from geo_indi.core.spreadsheet import spreadsheet_safe

from .context import current_request
from .models import Action, AuditEvent

__all__ = ["CSV_HEADER", "Action", "audit_csv_rows", "audit_record", "audit_records_read"]

# Query parameters that can carry a place; the log keeps only that they were given.
COORDINATE_PARAMS = frozenset({"bbox", "lat", "lon", "point", "location", "geometry", "coordinates"})
OMITTED = "(omitted)"
OBSERVATION = "observations.observation"
CSV_HEADER = ["at", "actor_id", "actor_username", "action", "ip_address", "object_type", "object_id", "detail"]


def without_coordinates(params):
    """Request parameters as a plain dict, place-bearing ones masked."""
    items = params.lists() if hasattr(params, "lists") else ((k, [v]) for k, v in dict(params).items())
    clean = {}
    for key, values in items:
        if key.lower() in COORDINATE_PARAMS:
            clean[key] = OMITTED
        else:
            clean[key] = [str(v) for v in values] if len(values) > 1 else str(values[0])
    return clean


def _client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(action, *, actor=None, obj=None, object_type="", object_id="", detail=None, request=None):
    """Append one event. The actor and IP address default to the current request's."""
    request = request if request is not None else current_request.get()
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        action=action,
        actor_id=actor.pk if actor else None,
        actor_username=actor.get_username() if actor else "",
        ip_address=_client_ip(request),
        object_type=object_type,
        object_id=str(object_id),
        detail=detail or {},
    )


def audit_records_read(request, records, *, listing=False):
    """Log that the caller read observation records reported by someone else (one event per request)."""
    others = [r.pk for r in records if r.reporter_id != request.user.pk]
    if not others:
        return None
    if listing:
        detail = {"ids": others, "params": without_coordinates(request.GET)}
        return audit_record(Action.OBSERVATION_READ, object_type=OBSERVATION, request=request, detail=detail)
    return audit_record(Action.OBSERVATION_READ, object_type=OBSERVATION, object_id=others[0], request=request)


def audit_csv_rows(events):
    """Header and rows of the given events, for CSV exports (spreadsheet-safe text cells)."""
    yield CSV_HEADER
    for e in events.iterator():
        yield [
            e.at.isoformat(), e.actor_id or "", spreadsheet_safe(e.actor_username), e.action, e.ip_address or "",
            e.object_type, spreadsheet_safe(e.object_id), spreadsheet_safe(json.dumps(e.detail, ensure_ascii=False)),
        ]


def write_csv(events, stream):
    writer = csv.writer(stream)
    writer.writerows(audit_csv_rows(events))
