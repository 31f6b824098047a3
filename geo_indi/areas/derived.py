"""Data derived from postcode areas, rebuilt where the areas are saved.

A postcode area's `ST_Subdivide` parts (what snapping searches) and its
municipality's outline and population (the dissolve of its postcode areas)
are rebuilt by `rebuild_derived`, in the caller's transaction: by
`PostcodeArea.save()`/`delete()` (admin, code) and by the importer.
"""
from django.db import connection

SUBDIVIDE_MAX_VERTICES = 64


def rebuild_derived(*, area_ids, municipality_ids, cur=None):
    """Rebuild the parts of `area_ids` and the outlines of `municipality_ids`.
    Returns the ids of municipalities whose outline or population changed."""
    if cur is None:
        with connection.cursor() as own_cursor:
            return rebuild_derived(area_ids=area_ids, municipality_ids=municipality_ids, cur=own_cursor)
    area_ids, municipality_ids = list(area_ids), list(municipality_ids)
    cur.execute("DELETE FROM areas_postcodeareapart WHERE area_id = ANY(%s)", [area_ids])
    cur.execute(
        """
        INSERT INTO areas_postcodeareapart (area_id, postcode, geom)
        SELECT id, postcode, ST_Subdivide(geom, %s) FROM areas_postcodearea WHERE id = ANY(%s)
        """,
        [SUBDIVIDE_MAX_VERTICES, area_ids],
    )
    cur.execute(
        """
        WITH dissolved AS (
            SELECT municipality_id AS id,
                   ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom)), 3)) AS geom,
                   -- a partial sum would inflate rates: unknown unless every area is known
                   CASE WHEN count(population) = count(*) THEN sum(population) END AS population
              FROM areas_postcodearea WHERE municipality_id = ANY(%s)
             GROUP BY municipality_id
        )
        UPDATE areas_municipality m
           SET geom = d.geom, population = d.population
          FROM dissolved d
         WHERE m.id = d.id
           AND (NOT ST_OrderingEquals(m.geom, d.geom)
                OR m.population IS DISTINCT FROM d.population)
        RETURNING m.id
        """,
        [municipality_ids],
    )
    return {row[0] for row in cur.fetchall()}
