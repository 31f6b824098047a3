"""The set-wise bulk write of an importer: one statement per batch checks, snaps and inserts.

The rules are those of `contract` (codes of `contract.RULES`, limits as query parameters);
the snapping rule is that of `snapping`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from geo_indi.accounts import roles

from . import contract
from .events import announce
from .models import Observation
from .snapping import bound_cursor, nearest_area_sql, wgs84_point_sql

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
def record_observation_columns(
    columns: dict[str, list[Any]], *, reporter: Any, organisation: Any = None,
) -> BulkOutcome:
    """The bulk form of record_observations for an importer: one statement per batch.

    `columns` maps each BULK_COLUMNS name to a list (one value per row; `parse_errors`
    holds the comma-separated `contract.RULES` codes the caller found while parsing the text).
    PostGIS checks every row set-wise with the rules of `contract.clean_fields`
    and `contract.point_codes`, limits as parameters from the contract,, snaps with the one snapping rule, inserts the valid rows (the
    point only for object observations) and reports every reason of every other row.
    The coordinates are bound parameters of that one statement: they reach no table,
    temporary or not, and no statement text. Duplicates (a stored client UUID, an
    earlier valid row of the batch, a concurrent winner) are found, not raised.
    """
    organisation = organisation or roles.organisation_of(reporter)
    min_lon, min_lat, max_lon, max_lat = settings.COVERAGE_PLAUSIBLE_EXTENT
    params: dict[str, Any] = {name: columns[name] for name, _kind in BULK_COLUMNS}
    limits = contract.limits()
    params.update(
        organisation=getattr(organisation, "pk", None), reporter=getattr(reporter, "pk", None),
        subjects=limits["subjects"], directions=limits["directions"], age_groups=limits["age_groups"],
        occurrences_max=limits["occurrences_max"], description_max=limits["description_max"],
        today=timezone.localdate(), earliest=limits["earliest"], now=timezone.now(),
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
                outcome.rejected.append((line, contract.errors_of(reasons)))
            elif status == "duplicate":
                outcome.duplicates.append(line)
            else:
                outcome.created.append(Observation.from_db(connection.alias, BULK_RETURNED, values))
    announce(*outcome.created)
    return outcome
