"""Streaming output: features built by PostGIS, read through a server-side cursor.

PostGIS writes each feature as JSON text (json_build_object + ST_AsGeoJSON in
WGS 84 with 6 decimals). Python only joins the strings and hands them to the
HTTP response in chunks, so memory does not grow with the number of features.

Errors: a stream runs its query before the response starts (`started`), so an
unavailable database or a failing query is an error response (503/4xx), not a
200 that breaks off. A stream that breaks later (the database goes away
mid-way) logs one line and raises: the WSGI server then aborts the response
(gunicorn: the connection is closed without the last chunk of the chunked
transfer), so clients report an incomplete download instead of a short file.
"""
import itertools
import logging
import re

from django.db import transaction

from geo_indi.core.db_routers import read_connection as connection

from .services import LayerSQL

logger = logging.getLogger(__name__)
CHUNK_ROWS = 2000
# PostgreSQL functions take at most 100 arguments: json_build_object gets 45 pairs at most.
_PAIRS_PER_OBJECT = 45
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
# Decimals of output coordinates per SRID: about 10 cm (degrees in WGS 84, metres in EPSG:3067).
DECIMALS = {4326: 6, 3067: 1}


def _literal(key):
    if not _SAFE_KEY.match(key):
        raise ValueError(f"unsafe property name {key!r}")
    return f"'{key}'"


def properties_sql(columns):
    """json_build_object of the columns (split and merged as jsonb when there are many)."""
    groups = [columns[i : i + _PAIRS_PER_OBJECT] for i in range(0, len(columns), _PAIRS_PER_OBJECT)] or [[]]
    objects = [
        "json_build_object(" + ", ".join(f"{_literal(c.name)}, {c.sql}" for c in group) + ")"
        for group in groups
    ]
    if len(objects) == 1:
        return objects[0]
    return "(" + " || ".join(f"{o}::jsonb" for o in objects) + ")::json"


def _tail(lsql, feature_id=None, limit=None, offset=0, after=None):
    sql, params = "", []
    if feature_id is not None:
        sql += f" AND {lsql.id_sql} = %s"
        params.append(feature_id)
    if after is not None:
        # Keyset paging: the index on the id answers "after X" directly, unlike a deep OFFSET.
        sql += f" AND {lsql.id_sql} > %s"
        params.append(after)
    sql += f" ORDER BY {lsql.id_sql}"
    if limit is not None:
        sql += " LIMIT %s OFFSET %s"
        params += [limit, offset]
    return sql, params


def feature_sql(lsql: LayerSQL, feature_id=None, limit=None, offset=0, after=None, srid=4326):
    """SQL returning one row per feature: the Feature as JSON text, and its id.

    Coordinates in `srid` (RFC 7946 WGS 84 longitude/latitude by default)."""
    tail, tail_params = _tail(lsql, feature_id, limit, offset, after)
    # The Feature's text joined from parts, as json_build_object would write it ("key" : value),
    # without parsing the geometry's GeoJSON back into json for every row.
    geometry = f"ST_AsGeoJSON(ST_Transform({lsql.geom_sql}, {int(srid)}), {DECIMALS[srid]}, 0)"
    sql = (
        f"""SELECT '{{"type" : "Feature", "id" : ' || to_json({lsql.id_sql})::text"""
        f""" || ', "geometry" : ' || coalesce({geometry}, 'null')"""
        f""" || ', "properties" : ' || {properties_sql(lsql.columns)}::text || '}}', {lsql.id_sql}"""
        f"{lsql.from_where}{tail}"
    )
    return sql, lsql.params + tail_params


def count(lsql: LayerSQL):
    sql, params = lsql.count_query or (f"SELECT count(*){lsql.from_where}", lsql.params)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


class Started:
    """A stream whose first chunks are produced already, with the transaction of its cursor open.

    It has close(): StreamingHttpResponse calls it when the response is closed (the WSGI server
    does so after the last byte, or when the client goes away), which ends the stream's
    transaction and server-side cursor then, not whenever the garbage collector gets to an
    abandoned generator (its `atomic` would exit on whatever transaction the connection is in
    by that time, even another request's)."""

    def __init__(self, chunks, items):
        self._chunks = iter(chunks)
        self._first = list(itertools.islice(self._chunks, items))
        self._rest = itertools.chain(self._first, self._chunks)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._rest)

    def close(self):
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


def started(chunks, items=1):
    """Produce the first `items` chunks of a stream now, while an exception can still become an
    error response; the returned iterator yields them and then the rest, and closes the stream
    when it is closed."""
    return Started(chunks, items)


def iter_rows(sql, params, chunk_rows=CHUNK_ROWS):
    """Rows of a query in chunks (lists), through a server-side cursor inside a transaction
    so rows flow from the first one on (a WITH HOLD cursor would materialise the result)."""
    fetched = 0
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as setting:
            # PostgreSQL's JIT compiles the per-row expressions anew for every page: on these
            # streams of C function calls (ST_Transform, ST_AsGeoJSON, json) it cost ~0.3 s per
            # 100,000-feature page and saved nothing (docs/benchmarks.md, "Where the time goes").
            setting.execute("SET LOCAL jit = off")
        with connection.chunked_cursor() as cur:
            cur.execute(sql, params)
            while True:
                try:
                    rows = cur.fetchmany(chunk_rows)
                except Exception as exc:
                    if fetched:
                        logger.error("stream broken after %s rows (%s): the response is aborted", fetched, type(exc).__name__)
                    raise
                if not rows:
                    break
                fetched += len(rows)
                yield rows


def one_feature(lsql, feature_id, srid=4326):
    """The feature as JSON text, or None."""
    sql, params = feature_sql(lsql, feature_id=feature_id, srid=srid)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return row[0] if row else None


def page_rows(lsql, limit=None, offset=0, after=None, srid=4326):
    """Yield chunks of (feature text, id) rows; with a limit, one row more is read and held
    back, so the caller learns whether another page follows. Returns (returned, last_id, has_more)."""
    sql, params = feature_sql(
        lsql, limit=None if limit is None else limit + 1, offset=offset, after=after, srid=srid
    )
    returned, last_id, has_more = 0, None, False
    for rows in iter_rows(sql, params):
        if limit is not None and returned + len(rows) > limit:
            rows = rows[: limit - returned]
            has_more = True
        if rows:
            returned += len(rows)
            last_id = rows[-1][1]
            yield rows
    return returned, last_id, has_more


def feature_collection_chunks(lsql, limit=None, offset=0, after=None, extra_members=None, srid=4326):
    """A FeatureCollection as text chunks; the query has run when this returns (see `started`).

    `extra_members(page)` may return a JSON text of further members (without braces)
    to put after the features, e.g. OGC links and counts; `page` is
    (number returned, id of the last feature, whether more follow).
    """
    return started(_feature_collection_chunks(lsql, limit, offset, after, extra_members, srid))


def _feature_collection_chunks(lsql, limit, offset, after, extra_members, srid):
    head = '{"type": "FeatureCollection", "features": [\n'
    rows_iter = page_rows(lsql, limit=limit, offset=offset, after=after, srid=srid)
    written = False
    while True:
        try:
            rows = next(rows_iter)
        except StopIteration as stop:
            page = stop.value
            break
        yield head + (",\n" if written else "") + ",\n".join(r[0] for r in rows)
        head, written = "", True
    tail = head + "\n]"
    if extra_members is not None:
        tail += ", " + extra_members(page)
    yield tail + "}\n"
