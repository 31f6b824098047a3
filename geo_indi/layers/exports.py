"""CSV and GeoPackage exports of the layers, for the same filters as the GeoJSON.

CSV is streamed row by row from a server-side cursor (points as lon/lat
columns, polygons as a WKT column, WGS 84). GeoPackage is written with
geopandas/pyogrio chunk by chunk into a temporary file, then sent.
"""
import csv
import io
import os
import tempfile

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo_indi.core.spreadsheet import spreadsheet_safe

from .services import LayerSQL
from .streaming import iter_rows

# Each GeoPackage append reopens the file: fewer, larger chunks.
GPKG_CHUNK_ROWS = 20_000


def _select(lsql: LayerSQL, geometry_sql):
    columns = ", ".join(c.sql for c in lsql.columns)
    sql = f"SELECT {columns}, {geometry_sql}{lsql.from_where} ORDER BY {lsql.id_sql}"
    return sql, lsql.params


def csv_header(lsql):
    names = [c.name for c in lsql.columns]
    return names + (["lon", "lat"] if lsql.geometry_type == "Point" else ["wkt"])


def csv_chunks(lsql: LayerSQL):
    """Yield CSV text chunks: a header, then rows in WGS 84 (6 decimals); text cells spreadsheet-safe."""
    if lsql.geometry_type == "Point":
        geometry_sql = (
            f"round(ST_X(ST_Transform({lsql.geom_sql}, 4326))::numeric, 6), "
            f"round(ST_Y(ST_Transform({lsql.geom_sql}, 4326))::numeric, 6)"
        )
    else:
        geometry_sql = f"ST_AsText(ST_Transform({lsql.geom_sql}, 4326), 6)"
    sql, params = _select(lsql, geometry_sql)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(csv_header(lsql))
    yield buffer.getvalue()
    for rows in iter_rows(sql, params):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([spreadsheet_safe(value) for value in row] for row in rows)
        yield buffer.getvalue()


def _frame(lsql, rows):
    names = [c.name for c in lsql.columns]
    data = {}
    for i, column in enumerate(lsql.columns):
        values = [r[i] for r in rows]
        if column.kind == "integer":
            data[column.name] = pd.array(values, dtype="Int64")
        elif column.kind == "boolean":
            data[column.name] = pd.array(values, dtype="boolean")
        elif column.kind == "date":
            data[column.name] = pd.to_datetime(pd.Series(values, dtype="object")).dt.date
        else:
            data[column.name] = pd.Series(values, dtype="object")
    geometry = shapely.from_wkb([bytes(r[len(names)]) for r in rows])
    return gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4326")


def write_geopackage(lsql: LayerSQL, layer_name):
    """Write the layer to a GeoPackage in a temporary directory; return it opened for reading.

    The file is unlinked at once: it disappears when the returned file object is closed.
    """
    sql, params = _select(lsql, f"ST_AsBinary(ST_Transform({lsql.geom_sql}, 4326))")
    with tempfile.TemporaryDirectory(prefix="geo_indi_export_") as directory:
        path = os.path.join(directory, f"{layer_name}.gpkg")
        options = {"layer": layer_name, "driver": "GPKG", "geometry_type": lsql.geometry_type}
        written = False
        for rows in iter_rows(sql, params, GPKG_CHUNK_ROWS):
            pyogrio.write_dataframe(_frame(lsql, rows), path, append=written, **options)
            written = True
        if not written:
            pyogrio.write_dataframe(_frame(lsql, []), path, **options)
        return open(path, "rb")
