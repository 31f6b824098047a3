"""CSV and GeoPackage exports of the layers, for the same filters as the GeoJSON.

CSV is streamed row by row from a server-side cursor (points as lon/lat
columns, polygons as a WKT column, WGS 84). GeoPackage is written with
pyogrio chunk by chunk into a temporary file, then sent.
"""
import csv
import io
import os
import tempfile

import numpy as np
import pyogrio.raw

from geo_indi.core.spreadsheet import spreadsheet_safe

from .services import LayerSQL
from .streaming import iter_rows

# Each GeoPackage append reopens the file: fewer, larger chunks.
GPKG_CHUNK_ROWS = 20_000
# GeoPackage 1.4 (GDAL >= 3.7's default) makes GDAL 3.6 and QGIS on it warn; 1.3 reads everywhere.
GPKG_VERSION = "1.3"
# numpy type of each column kind: dates as datetime64[D] become GeoPackage DATE columns.
_FIELD_DTYPES = {"integer": "int64", "boolean": "bool", "date": "datetime64[D]"}


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


def _fields(lsql, rows):
    """Column arrays and null masks for pyogrio's writer, typed by the columns' kinds."""
    data, masks = [], []
    for i, column in enumerate(lsql.columns):
        values = [r[i] for r in rows]
        missing = np.array([v is None for v in values], dtype=bool)
        dtype = _FIELD_DTYPES.get(column.kind)
        if dtype is None:
            data.append(np.array(values, dtype=object))
        elif dtype == "datetime64[D]":
            data.append(np.array(values, dtype=dtype))  # None -> NaT, written as null
        else:
            data.append(np.array([0 if v is None else v for v in values], dtype=dtype))
        masks.append(missing if missing.any() else None)
    return data, masks


def write_geopackage(lsql: LayerSQL, layer_name):
    """Write the layer to a GeoPackage (version GPKG_VERSION) in a temporary directory;
    return it opened for reading.

    The file is unlinked at once: it disappears when the returned file object is closed.
    """
    sql, params = _select(lsql, f"ST_AsBinary(ST_Transform({lsql.geom_sql}, 4326))")
    names = [c.name for c in lsql.columns]
    with tempfile.TemporaryDirectory(prefix="geo_indi_export_") as directory:
        path = os.path.join(directory, f"{layer_name}.gpkg")
        options = {
            "layer": layer_name, "driver": "GPKG", "geometry_type": lsql.geometry_type, "crs": "EPSG:4326",
            "dataset_options": {"VERSION": GPKG_VERSION},
        }

        def write(rows, append):
            data, masks = _fields(lsql, rows)
            geometry = np.array([bytes(r[len(names)]) for r in rows], dtype=object)
            pyogrio.raw.write(path, geometry, data, names, field_mask=masks, append=append, **options)

        written = False
        for rows in iter_rows(sql, params, GPKG_CHUNK_ROWS):
            write(rows, written)
            written = True
        if not written:
            write([], False)
        return open(path, "rb")
