"""Where postcode geography comes from: a file, Statistics Finland's WFS, or a synthetic Lapland."""
from __future__ import annotations

import json
from pathlib import Path

import requests
from django.conf import settings


from .lapland import LAPLAND_MUNICIPALITIES

POSTCODE_DIR = settings.BASE_DIR / "data" / "postcodes"
# The real Lapland shipped with the project (see data/postcodes/README.md).
LAPLAND_POSTCODE_AREAS = POSTCODE_DIR / "lapland_postcode_areas.geojson"


class DownloadError(Exception):
    pass


def paavo_wfs_params(year):
    return {
        "service": "WFS",
        "version": "2.0.0",
        "request": "GetFeature",
        "typeName": f"postialue:pno_{year}",
        "outputFormat": "application/json",
        "srsName": "EPSG:4326",
    }


def download_paavo(year, *, url=None, timeout=60, refresh=False):
    """Fetch Paavo postcode areas (CC BY 4.0) for a year; cached under data/postcodes/."""
    target = POSTCODE_DIR / f"paavo_{year}.geojson"
    if target.exists() and not refresh:
        return target
    try:
        response = requests.get(url or settings.PAAVO_WFS_URL, params=paavo_wfs_params(year), timeout=timeout)
        response.raise_for_status()
        payload = response.json()
    except requests.Timeout:
        raise DownloadError(f"Statistics Finland WFS did not answer within {timeout} s")
    except requests.RequestException as exc:
        raise DownloadError(f"Statistics Finland WFS download failed: {exc}")
    except ValueError:
        raise DownloadError("Statistics Finland WFS answered with something that is not JSON")
    if payload.get("type") != "FeatureCollection" or not payload.get("features"):
        raise DownloadError("Statistics Finland WFS answered with no postcode areas")
    POSTCODE_DIR.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_text(json.dumps(payload), encoding="utf-8")
    partial.replace(target)
    return target


def synthetic_lapland(path=None, cells_per_side=3):
    """Write a deterministic, clearly labelled synthetic Lapland as GeoJSON (WGS 84).

    Voronoi cells of the real municipality centres, clipped to a hull around
    them and to COVERAGE_PLAUSIBLE_EXTENT, each split into a grid of postcode-like cells. Codes are the
    municipality code followed by two digits, names say "synteettinen".
    """
    from pyproj import Transformer
    from shapely import MultiPoint, transform, voronoi_polygons
    from shapely.geometry import Point, box, mapping

    to_tm = Transformer.from_crs(4326, 3067, always_xy=True).transform
    to_wgs = Transformer.from_crs(3067, 4326, always_xy=True).transform
    centres = {code: to_tm(lon, lat) for code, _fi, _sv, lat, lon in LAPLAND_MUNICIPALITIES}
    points = MultiPoint(list(centres.values()))
    # Clipped to where coverage can plausibly be (which the importer checks), with a small
    # inset so that edges straight in metres stay inside the lon/lat box.
    plausible = box(*settings.COVERAGE_PLAUSIBLE_EXTENT).buffer(-0.05, join_style="mitre").segmentize(0.05)
    plausible = transform(plausible, to_tm, interleaved=False)
    hull = points.convex_hull.buffer(60_000).intersection(plausible)
    cells = voronoi_polygons(points, extend_to=hull)
    features = []
    for code, fi, sv, _lat, _lon in LAPLAND_MUNICIPALITIES:
        x, y = centres[code]
        territory = next(c for c in cells.geoms if c.contains(Point(x, y))).intersection(hull)
        minx, miny, maxx, maxy = territory.bounds
        step_x = (maxx - minx) / cells_per_side
        step_y = (maxy - miny) / cells_per_side
        number = 0
        for i in range(cells_per_side):
            for j in range(cells_per_side):
                piece = territory.intersection(
                    box(minx + i * step_x, miny + j * step_y, minx + (i + 1) * step_x, miny + (j + 1) * step_y)
                )
                if piece.is_empty or piece.area < 1e6:
                    continue
                number += 1
                geom = transform(piece, to_wgs, interleaved=False)
                features.append(
                    {
                        "type": "Feature",
                        "properties": {
                            "postcode": f"{code}{number:02d}",
                            "name_fi": f"{fi} {number} (synteettinen)",
                            "name_sv": f"{sv} {number} (syntetisk)",
                            "municipality_code": code,
                            "municipality_name": fi,
                            "population": 500 + (int(code) * 37 + number * 101) % 4000,
                        },
                        "geometry": mapping(geom),
                    }
                )
    path = Path(path or POSTCODE_DIR / "synthetic_lapland.geojson")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"type": "FeatureCollection", "name": "synthetic_lapland", "features": features}),
        encoding="utf-8",
    )
    return path
