"""Writing many observations at once: one `INSERT … VALUES`, or COPY into a temporary table for a large batch."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Field

from .models import Observation
from .snapping import bound_cursor

COPY_THRESHOLD = 100


def insert_new(observations: list[Observation]) -> set[int]:
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


def _insert_rows(observations: list[Observation]) -> set[int]:
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


def _column_values(observation: Observation, fields: Sequence[Field]) -> list[Any]:
    row = []
    for f in fields:
        value = f.pre_save(observation, add=True)
        if f.name == "location" and value is not None:
            value = value.hexewkb.decode()
        elif f.is_relation:
            value = getattr(observation, f.attname)
        row.append(value)
    return row
