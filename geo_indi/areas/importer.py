"""Import postcode areas (and derive municipalities) from a GIS file.

One transaction: the file is read and checked in Python (GDAL via pyogrio),
then staged and merged in PostGIS, where invalid geometries are repaired with
ST_MakeValid. Any error leaves the database as it was.

An import cannot destroy areas: a feature whose repaired geometry is empty,
that lies outside COVERAGE_PLAUSIBLE_EXTENT, or that would shrink or grow an
existing postcode area by more than GEOGRAPHY_MAX_AREA_CHANGE (unless
`allow_shrink`) rejects the whole file, one line per rejected feature.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from .derived import rebuild_derived
from .lapland import MUNICIPALITY_NAMES

SRID = settings.GEO_INDI_STORAGE_SRID

# Our field -> candidate source fields, in order of preference (lower-cased).
FIELD_ALIASES = {
    "postcode": ["postcode", "postinumeroalue", "posti_alue", "postinumero"],
    "name_fi": ["name_fi", "nimi"],
    "name_sv": ["name_sv", "namn"],
    "municipality_code": ["municipality_code", "kunta", "kuntakoodi"],
    "municipality_name": ["municipality_name", "kunta_nimi", "kuntanimi"],
    "population": ["population", "he_vakiy", "asukkaat"],
}
POSTCODE_RE = re.compile(r"^\d{5}$")


class GeographyImportError(Exception):
    """A file that cannot be imported; the message is one line for the user
    (plus one line per rejected feature when features are rejected)."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: list[str] = field(default_factory=list)
    invalid_in_file: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    municipalities_created: int = 0
    municipalities_updated: int = 0

    def lines(self):
        yield (
            f"Postcode areas: {self.created} created, {self.updated} changed, "
            f"{self.unchanged} unchanged, {len(self.repaired)} repaired, {len(self.skipped)} skipped"
        )
        yield (
            f"Municipalities: {self.municipalities_created} created, "
            f"{self.municipalities_updated} changed"
        )
        if self.invalid_in_file:
            yield "Invalid in the file: " + ", ".join(sorted(self.invalid_in_file)) + (
                " (those not repaired became valid when reprojected)"
                if set(self.invalid_in_file) - set(self.repaired) else ""
            )
        if self.repaired:
            yield "Repaired (invalid geometry made valid): " + ", ".join(sorted(self.repaired))
        for ref, reason in self.skipped:
            yield f"Skipped {ref}: {reason}"


def _clean(value):
    if value is None:
        return ""
    try:
        import math

        if isinstance(value, float) and math.isnan(value):
            return ""
    except TypeError:
        pass
    return str(value).strip()


def read_areas(path, srid=None):
    """Read a GeoJSON/GeoPackage/Shapefile into a GeoDataFrame in the storage SRID."""
    import pyogrio
    from pyogrio.errors import DataSourceError

    path = Path(path)
    if not path.exists():
        raise GeographyImportError(f"{path}: no such file")
    try:
        gdf = pyogrio.read_dataframe(path)
    except (DataSourceError, ValueError, RuntimeError) as exc:
        raise GeographyImportError(f"{path.name}: not a readable GIS file ({_first_line(exc)})")
    if "geometry" not in gdf or gdf.geometry is None or len(gdf) and gdf.geometry.isna().all():
        raise GeographyImportError(f"{path.name}: the file has no geometries")
    columns = {c.lower(): c for c in gdf.columns if c != "geometry"}
    mapping = {}
    for ours, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            if alias in columns:
                mapping[ours] = columns[alias]
                break
    if "postcode" not in mapping:
        raise GeographyImportError(
            f"{path.name}: no postcode field (expected one of: "
            + ", ".join(FIELD_ALIASES["postcode"])
            + ")"
        )
    if srid:
        gdf = gdf.set_crs(epsg=srid, allow_override=True)
    if gdf.crs is None:
        raise GeographyImportError(
            f"{path.name}: unknown CRS (the file declares none); give it with --srid"
        )
    try:
        gdf = gdf.to_crs(epsg=SRID)
    except Exception as exc:  # pyproj raises several types for unusable CRSs
        raise GeographyImportError(f"{path.name}: unknown CRS {gdf.crs!s:.60} ({_first_line(exc)})")
    return gdf, mapping


def _field(record, mapping, ours):
    return _clean(record.get(mapping[ours])) if ours in mapping else ""


def _first_line(exc):
    return str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__


def import_postcode_areas(path, *, srid=None, source="file", allow_shrink=False):
    gdf, mapping = read_areas(path, srid=srid)
    report = ImportReport()
    rows = []
    seen = set()
    for idx, record in gdf.iterrows():
        postcode = _clean(record.get(mapping["postcode"]))
        ref = postcode or f"feature #{idx + 1}"
        geom = record.geometry
        muni_code = _field(record, mapping, "municipality_code")
        if muni_code.isdigit():
            muni_code = muni_code.zfill(3)
        if not POSTCODE_RE.match(postcode):
            report.skipped.append((ref, "postcode is not 5 digits"))
        elif postcode in seen:
            report.skipped.append((ref, "postcode appears twice in the file"))
        elif geom is None or geom.is_empty:
            report.skipped.append((ref, "no geometry"))
        elif geom.geom_type not in ("Polygon", "MultiPolygon"):
            report.skipped.append((ref, f"geometry is a {geom.geom_type}, not a polygon"))
        elif not re.match(r"^\d{3}$", muni_code):
            report.skipped.append((ref, "no municipality code"))
        else:
            seen.add(postcode)
            if not geom.is_valid:
                report.invalid_in_file.append(postcode)
            population = _field(record, mapping, "population")
            try:
                population = int(float(population)) if population else None
            except ValueError:
                population = None
            if population is not None and population < 0:
                population = None
            rows.append(
                (
                    postcode,
                    _field(record, mapping, "name_fi"),
                    _field(record, mapping, "name_sv"),
                    muni_code,
                    _field(record, mapping, "municipality_name"),
                    population,
                    geom.wkb,
                )
            )
    if not rows:
        raise GeographyImportError(f"{Path(path).name}: no importable postcode areas")
    with transaction.atomic():
        _merge(rows, report, source, Path(path).name, allow_shrink)
    return report


REJECTION_SQL = """
    SELECT s.postcode,
           CASE
             WHEN ST_IsEmpty(s.geom) OR NOT ST_IsValid(s.geom) OR ST_Area(s.geom) = 0
               THEN 'empty after repair (coordinates unusable: a wrong or missing CRS?)'
             WHEN NOT ST_CoveredBy(ST_Transform(s.geom, 4326),
                                   ST_MakeEnvelope(%(min_lon)s, %(min_lat)s, %(max_lon)s, %(max_lat)s, 4326))
               THEN 'outside the plausible extent of the coverage (COVERAGE_PLAUSIBLE_EXTENT)'
             WHEN a.id IS NOT NULL AND NOT %(allow_change)s
                  AND abs(ST_Area(s.geom) - ST_Area(a.geom)) > %(max_change)s * ST_Area(a.geom)
               THEN format('area would change from %%s to %%s km² (more than %%s %%%%; --allow-shrink to accept)',
                           round((ST_Area(a.geom) / 1e6)::numeric, 1), round((ST_Area(s.geom) / 1e6)::numeric, 1),
                           round((%(max_change)s * 100)::numeric))
           END AS reason
      FROM staged_area s LEFT JOIN areas_postcodearea a ON a.postcode = s.postcode
     ORDER BY s.postcode
"""


def _rejections(cur, allow_shrink):
    """(postcode, reason) of every staged feature that must not be written."""
    min_lon, min_lat, max_lon, max_lat = settings.COVERAGE_PLAUSIBLE_EXTENT
    cur.execute(REJECTION_SQL, {
        "min_lon": min_lon, "min_lat": min_lat, "max_lon": max_lon, "max_lat": max_lat,
        "allow_change": allow_shrink, "max_change": settings.GEOGRAPHY_MAX_AREA_CHANGE,
    })
    return [(postcode, reason) for postcode, reason in cur.fetchall() if reason]


def _merge(rows, report, source, filename, allow_shrink):
    with connection.cursor() as cur:
        cur.execute(
            """
            DROP TABLE IF EXISTS staged_area;
            CREATE TEMP TABLE staged_area (
                postcode text PRIMARY KEY, name_fi text, name_sv text,
                municipality_code text, municipality_name text, population int,
                geom geometry, valid boolean
            ) ON COMMIT DROP
            """
        )
        cur.executemany(
            "INSERT INTO staged_area VALUES (%s, %s, %s, %s, %s, %s, ST_SetSRID(ST_GeomFromWKB(%s), %s), NULL)",
            [row + (SRID,) for row in rows],
        )
        cur.execute(
            """
            UPDATE staged_area SET valid = ST_IsValid(geom);
            UPDATE staged_area
               SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3))
             WHERE NOT valid;
            UPDATE staged_area SET geom = ST_Multi(geom) WHERE valid;
            """
        )
        cur.execute("SELECT postcode FROM staged_area WHERE NOT valid ORDER BY postcode")
        report.repaired = [r[0] for r in cur.fetchall()]
        rejected = _rejections(cur, allow_shrink)
        if rejected:
            raise GeographyImportError(
                f"{filename}: {len(rejected)} postcode area(s) rejected, nothing imported:\n"
                + "\n".join(f"Rejected {postcode}: {reason}" for postcode, reason in rejected)
            )
        # Areas that move to another municipality leave a stale outline behind them.
        cur.execute(
            "SELECT DISTINCT a.municipality_id FROM areas_postcodearea a JOIN staged_area s USING (postcode)"
        )
        previous_municipalities = {r[0] for r in cur.fetchall()}

        # Municipalities first: names from the file, else from the built-in Lapland list.
        cur.execute(
            """
            SELECT municipality_code, max(NULLIF(municipality_name, ''))
              FROM staged_area GROUP BY municipality_code ORDER BY 1
            """
        )
        created_ids, changed_ids = set(), set()
        for code, name in cur.fetchall():
            known_fi, known_sv = MUNICIPALITY_NAMES.get(code, (None, None))
            name_fi = name or known_fi or f"Kunta {code}"
            name_sv = known_sv or name or name_fi
            cur.execute(
                """
                INSERT INTO areas_municipality (code, name_fi, name_sv, geom, source)
                SELECT %(code)s::text, %(fi)s::text, %(sv)s::text,
                       ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom)), 3)), %(source)s
                  FROM staged_area WHERE municipality_code = %(code)s::text
                ON CONFLICT (code) DO UPDATE
                   SET name_fi = EXCLUDED.name_fi, name_sv = EXCLUDED.name_sv
                 WHERE (areas_municipality.name_fi, areas_municipality.name_sv)
                       IS DISTINCT FROM (EXCLUDED.name_fi, EXCLUDED.name_sv)
                RETURNING id, (xmax = 0)
                """,
                {"code": code, "fi": name_fi, "sv": name_sv, "source": source},
            )
            result = cur.fetchone()
            if result is not None:
                (created_ids if result[1] else changed_ids).add(result[0])

        cur.execute(
            """
            WITH upserted AS (
                INSERT INTO areas_postcodearea
                       (postcode, name_fi, name_sv, municipality_id, geom, population, source)
                SELECT s.postcode, s.name_fi, s.name_sv, m.id, s.geom, s.population, %s
                  FROM staged_area s JOIN areas_municipality m ON m.code = s.municipality_code
                ON CONFLICT (postcode) DO UPDATE
                   SET name_fi = EXCLUDED.name_fi, name_sv = EXCLUDED.name_sv,
                       municipality_id = EXCLUDED.municipality_id, geom = EXCLUDED.geom,
                       population = COALESCE(EXCLUDED.population, areas_postcodearea.population),
                       source = EXCLUDED.source
                 WHERE (areas_postcodearea.name_fi, areas_postcodearea.name_sv,
                        areas_postcodearea.municipality_id, areas_postcodearea.source)
                       IS DISTINCT FROM (EXCLUDED.name_fi, EXCLUDED.name_sv,
                                         EXCLUDED.municipality_id, EXCLUDED.source)
                    OR NOT ST_OrderingEquals(areas_postcodearea.geom, EXCLUDED.geom)
                    OR (EXCLUDED.population IS NOT NULL
                        AND EXCLUDED.population IS DISTINCT FROM areas_postcodearea.population)
                RETURNING id, (xmax = 0) AS created, municipality_id
            )
            SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created),
                   coalesce(array_agg(id), '{}'), coalesce(array_agg(DISTINCT municipality_id), '{}')
              FROM upserted
            """,
            [source],
        )
        created, updated, written_areas, touched = cur.fetchone()
        report.created, report.updated = created, updated
        report.unchanged = len(rows) - created - updated

        if created or updated:
            changed_ids |= rebuild_derived(
                area_ids=written_areas, municipality_ids=set(touched) | previous_municipalities, cur=cur
            )
            cur.execute("ANALYZE areas_postcodeareapart")
        report.municipalities_created = len(created_ids)
        report.municipalities_updated = len(changed_ids - created_ids)
