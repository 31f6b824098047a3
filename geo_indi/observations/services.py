"""Recording observations: every write (API, web app, bulk import, demo data) goes through here.

`record_observation` validates, snaps a person observation's point to its
postcode area and drops the point. The coordinates are local variables and
nothing more: they are not stored, logged or put into any error message.
"""
import copy
import datetime as dt
import math
from dataclasses import dataclass

import django.dispatch
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from geo_indi.accounts import roles
from geo_indi.areas.models import Municipality, PostcodeArea

from .models import (
    DESCRIPTION_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    OCCURRENCES_MAX,
    AgeGroup,
    Category,
    Direction,
    Observation,
    Phenomenon,
    Subject,
)
from .snapping import (
    OutsideCoverage,
    bound_cursor,
    outside_coverage_message,
    snap_points,
    snap_to_area,
    wgs84_point_sql,
    nearest_area_sql,
)

# Sent once per write (a single record, a bulk batch, an edit, a delete) after commit,
# with `observations`: the instances written, deleted ones as they were, and an edited
# one as it was too when it moved. Alerts re-evaluate each rule they touch once.
observation_recorded = django.dispatch.Signal()


def _announce(*observations):
    if observations:
        transaction.on_commit(lambda: observation_recorded.send(sender=Observation, observations=list(observations)))


class DuplicateOfOtherReporter(Exception):
    """A client UUID already used by someone else."""


@dataclass
class RecordResult:
    observation: Observation
    created: bool


def _choices(values):
    return _("Choose one of: %(choices)s.") % {"choices": ", ".join(values)}


# Every reason a row can be refused for: code -> (field, message). The one wording of each
# rule, used by the per-record checks below and by the set-wise bulk statement.
REASONS = {
    "lat_required": ("lat", lambda: _("This field is required.")),
    "lat_number": ("lat", lambda: _("A number is required.")),
    "lat_finite": ("lat", lambda: _("A finite number is required.")),
    "lon_required": ("lon", lambda: _("This field is required.")),
    "lon_number": ("lon", lambda: _("A number is required.")),
    "lon_finite": ("lon", lambda: _("A finite number is required.")),
    "location_swapped": ("location", lambda: _(
        "lat and lon look swapped: lat is the north coordinate (about 60–70 in Finland).")),
    "location_outside_finland": ("location", lambda: _("The point is outside Finland.")),
    "location_outside_coverage": ("location", lambda: outside_coverage_message(settings.SNAP_GAP_TOLERANCE_M)),
    "phenomenon_unknown": ("phenomenon", lambda: _("Unknown or missing phenomenon.")),
    "phenomenon_inactive": ("phenomenon", lambda: _("This phenomenon is no longer in use.")),
    "category_unknown": ("category", lambda: _("Unknown category for this phenomenon.")),
    "subject_choice": ("subject", lambda: _choices(Subject.values)),
    "direction_choice": ("direction", lambda: _choices(Direction.values)),
    "occurrences_range": ("occurrences", lambda: _("Give a whole number from 1 to %(max)d.") % {"max": OCCURRENCES_MAX}),
    "age_group_object": ("age_group", lambda: _("An age group is only for observations about a person.")),
    "age_group_choice": ("age_group", lambda: _choices(AgeGroup.values)),
    "description_length": ("description", lambda: _("At most %(max)d characters.") % {"max": DESCRIPTION_MAX_LENGTH}),
    "observed_on_format": ("observed_on", lambda: _("Give a date as YYYY-MM-DD.")),
    "observed_on_future": ("observed_on", lambda: _("The date is in the future.")),
    "observed_on_before_2000": ("observed_on", lambda: _("The date is before 2000.")),
    "client_uuid_format": ("client_uuid", lambda: _("Not a UUID.")),
    "organisation_none": ("organisation", lambda: _("The reporter belongs to no organisation.")),
}
EARLIEST_OBSERVED_ON = dt.date(2000, 1, 1)


def reason_errors(codes):
    """Reason codes -> {field: [messages]}, in the order given."""
    errors = {}
    for code in codes:
        name, message = REASONS[code]
        errors.setdefault(name, []).append(message())
    return errors


def _message(code):
    return REASONS[code][1]()


@sensitive_variables("lat", "lon")
def validate_point(lat, lon):
    """Check a WGS 84 point; errors name the problem, never the value."""
    errors = {}
    for name, value in (("lat", lat), ("lon", lon)):
        if value is None:
            errors[name] = [_message(f"{name}_required")]
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            errors[name] = [_message(f"{name}_number")]
        elif not math.isfinite(value):
            errors[name] = [_message(f"{name}_finite")]
    if errors:
        raise ValidationError(errors)
    min_lon, min_lat, max_lon, max_lat = settings.COVERAGE_PLAUSIBLE_EXTENT
    if not (min_lat <= lat <= max_lat and min_lon <= lon <= max_lon):
        swapped = min_lat <= lon <= max_lat and min_lon <= lat <= max_lon
        message = _message("location_swapped" if swapped else "location_outside_finland")
        raise ValidationError({"location": [message]})


def _clean_fields(data, instance=None):
    """Validate everything except the point. Returns a dict of model field values."""
    errors = {}
    values = {}

    def get(name, default=None):
        if name in data:
            return data[name]
        return getattr(instance, name) if instance is not None else default

    phenomenon = get("phenomenon")
    if isinstance(phenomenon, int):
        phenomenon = Phenomenon.objects.filter(pk=phenomenon).first()
    if phenomenon is None:
        errors["phenomenon"] = [_message("phenomenon_unknown")]
    elif not phenomenon.is_active and (instance is None or instance.phenomenon_id != phenomenon.pk):
        errors["phenomenon"] = [_message("phenomenon_inactive")]
    values["phenomenon"] = phenomenon

    category = get("category")
    if isinstance(category, int):
        category = Category.objects.filter(pk=category).first()
        if category is None:
            errors["category"] = [_("Unknown category.")]
    if category is not None and phenomenon is not None and category.phenomenon_id != phenomenon.pk:
        errors["category"] = [_("The category does not belong to the phenomenon.")]
    values["category"] = category

    subject = get("subject")
    if subject not in Subject.values:
        errors["subject"] = [_message("subject_choice")]
    values["subject"] = subject

    direction = get("direction")
    if direction not in Direction.values:
        errors["direction"] = [_message("direction_choice")]
    values["direction"] = direction

    occurrences = get("occurrences", 1)
    if isinstance(occurrences, bool) or not isinstance(occurrences, int) or not 1 <= occurrences <= OCCURRENCES_MAX:
        errors["occurrences"] = [_message("occurrences_range")]
    values["occurrences"] = occurrences

    age_group = get("age_group", "") or ""
    if subject == Subject.OBJECT:
        if age_group:
            errors["age_group"] = [_message("age_group_object")]
    elif age_group not in AgeGroup.values:
        age_group = age_group or AgeGroup.UNKNOWN
        if age_group not in AgeGroup.values:
            errors["age_group"] = [_message("age_group_choice")]
    values["age_group"] = age_group

    description = get("description", "") or ""
    if not isinstance(description, str):
        errors["description"] = [_("Text is required.")]
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [_message("description_length")]
    values["description"] = description.strip() if isinstance(description, str) else ""

    observed_on = get("observed_on") or timezone.localdate()
    if not isinstance(observed_on, dt.date):
        errors["observed_on"] = [_message("observed_on_format")]
    elif observed_on > timezone.localdate():
        errors["observed_on"] = [_message("observed_on_future")]
    elif observed_on < EARLIEST_OBSERVED_ON:
        errors["observed_on"] = [_message("observed_on_before_2000")]
    values["observed_on"] = observed_on

    consent = bool(get("consent_recorded", False))
    note = get("follow_up_note", "") or ""
    if not isinstance(note, str):
        errors["follow_up_note"] = [_("Text is required.")]
    elif note.strip():
        if subject != Subject.PERSON:
            errors["follow_up_note"] = [_("A follow-up note is only for observations about a person.")]
        elif not consent:
            errors["follow_up_note"] = [_("A follow-up note needs the person's recorded consent.")]
        elif len(note) > NOTE_MAX_LENGTH:
            errors["follow_up_note"] = [_("At most %(max)d characters.") % {"max": NOTE_MAX_LENGTH}]
    values["consent_recorded"] = consent and subject == Subject.PERSON
    values["follow_up_note"] = note.strip() if isinstance(note, str) else ""
    return values, errors


@sensitive_variables("lat", "lon", "snapped")
def _place(values, lat, lon):
    """Snap to an area; keep the point only for object observations."""
    validate_point(lat, lon)
    is_object = values["subject"] == Subject.OBJECT
    try:
        snapped = snap_to_area(lon, lat, keep_point=is_object)
    except OutsideCoverage as exc:
        raise ValidationError({"location": [str(exc)]})
    values["postcode_area_id"] = snapped.area_id
    values["municipality_id"] = snapped.municipality_id
    values["location"] = snapped.point if is_object else None


@dataclass
class PendingObservation:
    """One row of a bulk write: the non-spatial fields, the point and the client UUID."""

    data: dict
    lat: float | None
    lon: float | None
    client_uuid: object = None


@dataclass
class BatchOutcome:
    status: str  # "created" | "duplicate" | "rejected"
    observation: Observation | None = None
    errors: dict | None = None


def _snapped_place(result):
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


@sensitive_variables("items", "item", "points", "snapped")
def record_observations(items, *, reporter, organisation=None):
    """Bulk form of record_observation: the same validation and snapping rule, one
    snapping query and one INSERT per batch. Returns one BatchOutcome per item.
    Rejected rows are reported, not written; the caller decides about atomicity.
    A client UUID that is already stored (or wins a concurrent race) is a duplicate,
    found by `ON CONFLICT DO NOTHING`: a retry raises no database error, so the
    server never logs the refused row. One `observation_recorded` for the batch.
    """
    organisation = organisation or roles.organisation_of(reporter)
    outcomes = [None] * len(items)
    uuids = [item.client_uuid for item in items if item.client_uuid is not None]
    existing = Observation.objects.in_bulk(uuids, field_name="client_uuid") if uuids else {}
    seen = set()
    to_snap = []
    values_by_index = {}
    for index, item in enumerate(items):
        if item.client_uuid is not None and (item.client_uuid in existing or item.client_uuid in seen):
            outcomes[index] = BatchOutcome("duplicate", existing.get(item.client_uuid))
            continue
        values, errors = _clean_fields(item.data)
        if organisation is None:
            errors["organisation"] = [_message("organisation_none")]
        try:
            validate_point(item.lat, item.lon)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            outcomes[index] = BatchOutcome("rejected", errors=errors)
            continue
        if item.client_uuid is not None:
            seen.add(item.client_uuid)
            values["client_uuid"] = item.client_uuid
        values_by_index[index] = values
        to_snap.append((index, (item.lon, item.lat, values["subject"] == Subject.OBJECT)))
    snapped = snap_points([point for _i, point in to_snap])
    places = {}
    new = []
    for (index, _point), result in zip(to_snap, snapped):
        if result is None:
            outcomes[index] = BatchOutcome("rejected", errors=reason_errors(["location_outside_coverage"]))
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
    inserted = _insert_new([obs for _i, obs in new])
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
    _announce(*created)
    return outcomes


# The columns of a bulk batch, each sent as one array parameter (line numbers first).
BULK_COLUMNS = (
    ("line", "int"), ("client_uuid", "uuid"), ("phenomenon", "text"), ("category", "text"), ("subject", "text"),
    ("direction", "text"), ("occurrences", "int"), ("age_group", "text"), ("description", "text"),
    ("observed_on", "date"), ("lat", "float8"), ("lon", "float8"), ("parse_errors", "text"),
)

# The fields of each created observation that the statement returns, in the model's field
# order (Model.from_db takes the values of a subset in that order).
BULK_RETURNED = tuple(
    f.attname for f in Observation._meta.concrete_fields
    if f.attname in {"id", "phenomenon_id", "category_id", "subject", "direction", "occurrences", "observed_on",
                     "reporter_id", "organisation_id", "postcode_area_id", "municipality_id"}
)

BULK_RECORD_SQL = f"""
WITH given AS MATERIALIZED (
    SELECT t.*, {wgs84_point_sql("t.lon", "t.lat")} AS g
      FROM unnest({", ".join(f"%({name})s::{kind}[]" for name, kind in BULK_COLUMNS)})
           AS t({", ".join(name for name, _kind in BULK_COLUMNS)})
), looked_up AS (
    SELECT given.*, p.id AS phenomenon_id, p.is_active AS phenomenon_active, c.id AS category_id,
           CASE WHEN given.subject <> 'object' AND given.age_group = '' THEN 'unknown' ELSE given.age_group END AS age
      FROM given
      LEFT JOIN LATERAL (
        SELECT p.id, p.is_active FROM observations_phenomenon p
         WHERE p.slug = given.phenomenon OR p.id::text = given.phenomenon
         ORDER BY p.slug = given.phenomenon DESC LIMIT 1
      ) p ON true
      LEFT JOIN LATERAL (
        SELECT c.id FROM observations_category c
         WHERE c.phenomenon_id = p.id AND given.category <> '' AND (c.slug = given.category OR c.id::text = given.category)
         ORDER BY c.slug = given.category DESC LIMIT 1
      ) c ON true
), checked AS (
    SELECT looked_up.*, string_to_array(parse_errors, ',') || array_remove(ARRAY[
             CASE WHEN %(organisation)s::int IS NULL THEN 'organisation_none' END,
             CASE WHEN phenomenon_id IS NULL THEN 'phenomenon_unknown'
                  WHEN NOT phenomenon_active THEN 'phenomenon_inactive' END,
             CASE WHEN phenomenon_id IS NOT NULL AND category <> '' AND category_id IS NULL THEN 'category_unknown' END,
             CASE WHEN subject <> ALL(%(subjects)s::text[]) THEN 'subject_choice' END,
             CASE WHEN direction <> ALL(%(directions)s::text[]) THEN 'direction_choice' END,
             CASE WHEN occurrences IS NULL OR occurrences NOT BETWEEN 1 AND %(occurrences_max)s THEN 'occurrences_range' END,
             CASE WHEN subject = 'object' AND age <> '' THEN 'age_group_object'
                  WHEN subject <> 'object' AND age <> ALL(%(age_groups)s::text[]) THEN 'age_group_choice' END,
             CASE WHEN length(description) > %(description_max)s THEN 'description_length' END,
             CASE WHEN observed_on > %(today)s::date THEN 'observed_on_future'
                  WHEN observed_on < %(earliest)s::date THEN 'observed_on_before_2000' END,
             CASE WHEN lat IS NULL OR lon IS NULL THEN NULL
                  WHEN lat BETWEEN %(min_lat)s AND %(max_lat)s AND lon BETWEEN %(min_lon)s AND %(max_lon)s THEN NULL
                  WHEN lon BETWEEN %(min_lat)s AND %(max_lat)s AND lat BETWEEN %(min_lon)s AND %(max_lon)s
                       THEN 'location_swapped'
                  ELSE 'location_outside_finland' END
           ], NULL) AS reasons
      FROM looked_up
), placed AS (
    SELECT checked.*, best.id AS postcode_area_id, best.municipality_id,
           CASE WHEN cardinality(checked.reasons) = 0 AND best.id IS NULL
                THEN checked.reasons || 'location_outside_coverage'::text ELSE checked.reasons END AS all_reasons
      FROM checked
      LEFT JOIN {nearest_area_sql("checked.g")} best ON cardinality(checked.reasons) = 0
), judged AS (
    SELECT placed.*,
           CASE WHEN stored.found
                  OR coalesce(bool_or(cardinality(all_reasons) = 0) OVER (
                       PARTITION BY client_uuid ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false)
                THEN 'duplicate'
                WHEN cardinality(all_reasons) > 0 THEN 'rejected'
                ELSE 'new' END AS status
      FROM placed
      LEFT JOIN LATERAL (
        SELECT true AS found FROM observations_observation o WHERE o.client_uuid = placed.client_uuid LIMIT 1
      ) stored ON true
), inserted AS (
    INSERT INTO observations_observation
        (client_uuid, phenomenon_id, category_id, subject, direction, occurrences, age_group, description,
         observed_on, reporter_id, organisation_id, postcode_area_id, municipality_id, location,
         consent_recorded, follow_up_note, created_at, updated_at)
    SELECT client_uuid, phenomenon_id, category_id, subject, direction, occurrences, CASE WHEN subject = 'object' THEN '' ELSE age END,
           description, observed_on, %(reporter)s, %(organisation)s, postcode_area_id, municipality_id,
           CASE WHEN subject = 'object' THEN g END, false, '', %(now)s, %(now)s
      FROM judged WHERE status = 'new'
     ORDER BY line
    ON CONFLICT (client_uuid) DO NOTHING
    RETURNING client_uuid, {", ".join(BULK_RETURNED)}
)
SELECT judged.line, CASE WHEN judged.status = 'new' AND inserted.id IS NULL THEN 'duplicate' ELSE judged.status END,
       CASE WHEN judged.status = 'rejected' THEN judged.all_reasons END,
       {", ".join(f"inserted.{name}" for name in BULK_RETURNED)}
  FROM judged LEFT JOIN inserted ON inserted.client_uuid = judged.client_uuid AND judged.status = 'new'
 ORDER BY judged.line
"""


@dataclass
class BulkOutcome:
    """What one set-wise batch did: rows created, row numbers of duplicates, (row, errors) of rejected rows."""

    created: list
    duplicates: list
    rejected: list


@sensitive_variables("columns")
def record_observation_columns(columns, *, reporter, organisation=None):
    """The bulk form of record_observations for an importer: one statement per batch.

    `columns` maps each BULK_COLUMNS name to a list (one value per row; `parse_errors`
    holds the comma-separated REASONS codes the caller found while parsing the text).
    PostGIS checks every row set-wise with the rules of `_clean_fields` and
    `validate_point`, snaps with the one snapping rule, inserts the valid rows (the
    point only for object observations) and reports every reason of every other row.
    The coordinates are bound parameters of that one statement: they reach no table,
    temporary or not, and no statement text. Duplicates (a stored client UUID, an
    earlier valid row of the batch, a concurrent winner) are found, not raised.
    """
    organisation = organisation or roles.organisation_of(reporter)
    min_lon, min_lat, max_lon, max_lat = settings.COVERAGE_PLAUSIBLE_EXTENT
    params = {name: columns[name] for name, _kind in BULK_COLUMNS}
    params.update(
        organisation=getattr(organisation, "pk", None), reporter=getattr(reporter, "pk", None),
        subjects=list(Subject.values), directions=list(Direction.values), age_groups=list(AgeGroup.values),
        occurrences_max=OCCURRENCES_MAX, description_max=DESCRIPTION_MAX_LENGTH,
        today=timezone.localdate(), earliest=EARLIEST_OBSERVED_ON, now=timezone.now(),
        min_lat=min_lat, max_lat=max_lat, min_lon=min_lon, max_lon=max_lon, tolerance=settings.SNAP_GAP_TOLERANCE_M,
    )
    outcome = BulkOutcome([], [], [])
    with transaction.atomic(), bound_cursor() as cur:
        # The planner's estimate of the per-row lookups is far above jit_above_cost; compiling
        # would cost more than the whole statement takes without it.
        cur.execute("SELECT set_config('jit', 'off', true)")
        cur.execute(BULK_RECORD_SQL, params)
        for line, status, reasons, *values in cur:
            if status == "rejected":
                outcome.rejected.append((line, reason_errors(reasons)))
            elif status == "duplicate":
                outcome.duplicates.append(line)
            else:
                outcome.created.append(Observation.from_db(connection.alias, BULK_RETURNED, values))
    _announce(*outcome.created)
    return outcome


@sensitive_variables("lat", "lon")
def record_observation(data, *, reporter, organisation=None, lat=None, lon=None, client_uuid=None):
    """Validate, snap and store one observation. Idempotent on client_uuid.

    `data` holds the non-spatial fields (phenomenon may be an instance or id).
    Raises ValidationError (dict of field -> messages) and writes nothing on bad input.
    """
    item = PendingObservation(data, lat, lon, client_uuid)
    [outcome] = record_observations([item], reporter=reporter, organisation=organisation)
    if outcome.status == "rejected":
        raise ValidationError(outcome.errors)
    if outcome.status == "duplicate":
        return _same_reporter(outcome.observation, reporter)
    return RecordResult(outcome.observation, True)


COPY_THRESHOLD = 100


def _insert_new(observations):
    """INSERT observations, skipping any whose client UUID is already stored.

    Ids are drawn from the sequence first, so each object has its primary key
    and the ids the INSERT returns tell which rows were written. Small batches
    are one `INSERT … VALUES` (one statement: atomic without a transaction block,
    so no BEGIN/COMMIT round trips); large ones are COPYed into a temporary table
    and moved with one `INSERT … SELECT` in a transaction. All values are bound
    server-side. Returns the set of ids written.
    """
    if not observations:
        return set()
    if len(observations) >= COPY_THRESHOLD:
        with transaction.atomic():
            return _insert_rows(observations)
    return _insert_rows(observations)


def _insert_rows(observations):
    meta = Observation._meta
    fields = meta.concrete_fields
    table = meta.db_table
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    conflict = f"ON CONFLICT ({connection.ops.quote_name(meta.get_field('client_uuid').column)}) DO NOTHING RETURNING id"
    with bound_cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s::int)",
            [table, len(observations)],
        )
        for observation, (pk,) in zip(observations, cur.fetchall()):
            observation.pk = pk
        rows = [_column_values(observation, fields) for observation in observations]
        if len(observations) >= COPY_THRESHOLD:
            cur.execute("DROP TABLE IF EXISTS staged_observation")
            cur.execute(f"CREATE TEMP TABLE staged_observation (LIKE {table}) ON COMMIT DROP")
            with cur.copy(f"COPY staged_observation ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM staged_observation {conflict}")
        else:
            row_placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
            placeholders = ", ".join([row_placeholder] * len(rows))
            cur.execute(
                f"INSERT INTO {table} ({columns}) VALUES {placeholders} {conflict}",
                [value for row in rows for value in row],
            )
        return {pk for (pk,) in cur.fetchall()}


def _column_values(observation, fields):
    row = []
    for f in fields:
        value = f.pre_save(observation, add=True)
        if f.name == "location" and value is not None:
            value = value.hexewkb.decode()
        elif f.is_relation:
            value = getattr(observation, f.attname)
        row.append(value)
    return row


def _same_reporter(existing, reporter):
    if reporter is not None and existing.reporter_id not in (None, reporter.pk):
        raise DuplicateOfOtherReporter(_("This client_uuid is already used."))
    return RecordResult(existing, False)


def can_modify(observation, user):
    """The reporter within the edit window; administrators always."""
    if roles.is_administrator(user):
        return True
    if observation.reporter_id != getattr(user, "pk", None):
        return False
    window = dt.timedelta(hours=settings.OBSERVATION_EDIT_WINDOW_HOURS)
    return timezone.now() - observation.created_at <= window


@sensitive_variables("lat", "lon")
def update_observation(observation, data, *, lat=None, lon=None):
    """Change fields; a new point is snapped by the same rule. Without one, the place stays."""
    values, errors = _clean_fields(data, instance=observation)
    if errors:
        raise ValidationError(errors)
    before = copy.copy(observation)
    if lat is not None or lon is not None:
        _place(values, lat, lon)
    elif values["subject"] != observation.subject:
        if values["subject"] == Subject.OBJECT:
            raise ValidationError({"location": [_("Give the point of the place or thing.")]})
        values["location"] = None  # object -> person: the exact point goes
    with transaction.atomic():
        for name, value in values.items():
            setattr(observation, name, value)
        observation.save()
    moved = (before.postcode_area_id, before.municipality_id, before.phenomenon_id) != (
        observation.postcode_area_id, observation.municipality_id, observation.phenomenon_id)
    _announce(observation, *([before] if moved else []))
    return observation


def delete_observation(observation):
    """Delete; the rules of its place are evaluated again (an alert may clear)."""
    delete_observations([observation])


def delete_observations(observations):
    """Delete several (the admin's bulk delete) with one announcement."""
    gone = [copy.copy(observation) for observation in observations]
    with transaction.atomic():
        Observation.objects.filter(pk__in=[observation.pk for observation in observations]).delete()
    _announce(*gone)
