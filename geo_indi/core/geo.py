"""Small geographic helpers shared by the apps."""
import math

from django.conf import settings
from django.contrib.gis.geos import Polygon

# Our data cover Finland; a bbox is clipped to this extent (WGS 84) before it is
# transformed to the storage SRID, so huge boxes never hit projection limits.
COVERAGE = (15.0, 55.0, 35.0, 72.0)


def parse_wgs84_bbox(raw):
    """'minlon,minlat,maxlon,maxlat' (WGS 84 / CRS84) -> tuple of four floats.

    Raises ValueError with a message for people. A box may be a line or a point
    (min == max); boxes across the antimeridian are not supported.
    """
    numbers = _four_finite_numbers(raw, "minlon,minlat,maxlon,maxlat")
    minlon, minlat, maxlon, maxlat = numbers
    if not (-180 <= minlon <= 180 and -180 <= maxlon <= 180 and -90 <= minlat <= 90 and -90 <= maxlat <= 90):
        raise ValueError("Longitudes must be within -180..180 and latitudes within -90..90.")
    if minlat > maxlat:
        raise ValueError("minlat is greater than maxlat.")
    if minlon > maxlon:
        raise ValueError("minlon is greater than maxlon (boxes across the antimeridian are not supported).")
    return numbers


def bbox_polygon(bbox):
    """The bbox clipped to the coverage, densified and transformed to the storage SRID; None if empty."""
    minlon, minlat = max(bbox[0], COVERAGE[0]), max(bbox[1], COVERAGE[1])
    maxlon, maxlat = min(bbox[2], COVERAGE[2]), min(bbox[3], COVERAGE[3])
    if minlon > maxlon or minlat > maxlat:
        return None
    steps = 16  # edges curve in a transverse Mercator projection
    ring = []
    for i in range(steps):
        ring.append((minlon + (maxlon - minlon) * i / steps, minlat))
    for i in range(steps):
        ring.append((maxlon, minlat + (maxlat - minlat) * i / steps))
    for i in range(steps):
        ring.append((maxlon - (maxlon - minlon) * i / steps, maxlat))
    for i in range(steps):
        ring.append((minlon, maxlat - (maxlat - minlat) * i / steps))
    ring.append(ring[0])
    polygon = Polygon(ring, srid=4326)
    polygon.transform(settings.GEO_INDI_STORAGE_SRID)
    return polygon


def parse_projected_bbox(raw):
    """'minx,miny,maxx,maxy' in a projected CRS such as EPSG:3067 (metres) -> tuple of four floats."""
    numbers = _four_finite_numbers(raw, "minx,miny,maxx,maxy")
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise ValueError("The box is inverted: give minx,miny,maxx,maxy.")
    return numbers


def _four_finite_numbers(raw, order):
    parts = (raw or "").split(",")
    if len(parts) == 6:
        raise ValueError(f"Only 2D boxes are supported: {order}.")
    if len(parts) != 4:
        raise ValueError(f"Give four numbers: {order}.")
    try:
        numbers = tuple(float(p) for p in parts)
    except ValueError:
        raise ValueError(f"Give four numbers: {order}.") from None
    if not all(math.isfinite(n) for n in numbers):
        raise ValueError("The numbers must be finite.")
    return numbers
