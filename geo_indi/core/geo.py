"""Small geographic helpers shared by the apps."""
import math

from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Polygon

# Our data cover Finland; a bbox is clipped to this extent (WGS 84) before it is
# transformed to the storage SRID, so huge boxes never hit projection limits.
COVERAGE = (15.0, 55.0, 35.0, 72.0)


def parse_wgs84_bbox(raw):
    """'minlon,minlat,maxlon,maxlat' (WGS 84 / CRS84) -> tuple of four floats.

    Six numbers (minlon,minlat,minz,maxlon,maxlat,maxz, OGC API - Features /req/core/fc-bbox-definition)
    are served as their 2D box: the data have no heights. A box whose minlon is greater than its maxlon
    crosses the antimeridian (it runs east from minlon to maxlon). Raises ValueError with a message for
    people. A box may be a line or a point (min == max).
    """
    numbers = _four_finite_numbers(raw, "minlon,minlat,maxlon,maxlat")
    minlon, minlat, maxlon, maxlat = numbers
    if not (-180 <= minlon <= 180 and -180 <= maxlon <= 180 and -90 <= minlat <= 90 and -90 <= maxlat <= 90):
        raise ValueError("Longitudes must be within -180..180 and latitudes within -90..90.")
    if minlat > maxlat:
        raise ValueError("minlat is greater than maxlat.")
    return numbers


def _clipped_ring(minlon, minlat, maxlon, maxlat):
    """A box (minlon <= maxlon) clipped to the coverage and densified, as a WGS 84 polygon; None if empty."""
    minlon, minlat = max(minlon, COVERAGE[0]), max(minlat, COVERAGE[1])
    maxlon, maxlat = min(maxlon, COVERAGE[2]), min(maxlat, COVERAGE[3])
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
    return Polygon(ring, srid=4326)


def bbox_polygon(bbox):
    """The bbox clipped to the coverage, densified and transformed to the storage SRID; None if empty.

    A box across the antimeridian (minlon > maxlon) is its two parts, minlon..180 and -180..maxlon."""
    minlon, minlat, maxlon, maxlat = bbox
    spans = [(minlon, maxlon)] if minlon <= maxlon else [(minlon, 180.0), (-180.0, maxlon)]
    parts = [p for p in (_clipped_ring(a, minlat, b, maxlat) for a, b in spans) if p is not None]
    if not parts:
        return None
    polygon = parts[0] if len(parts) == 1 else MultiPolygon(parts, srid=4326)
    polygon.transform(settings.GEO_INDI_STORAGE_SRID)
    return polygon


def parse_projected_bbox(raw):
    """'minx,miny,maxx,maxy' in a projected CRS such as EPSG:3067 (metres) -> tuple of four floats
    (six numbers with heights: their 2D box)."""
    numbers = _four_finite_numbers(raw, "minx,miny,maxx,maxy")
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise ValueError("The box is inverted: give minx,miny,maxx,maxy.")
    return numbers


def _four_finite_numbers(raw, order):
    """Four numbers, or six (with heights, whose 2D box is kept)."""
    parts = (raw or "").split(",")
    if len(parts) not in (4, 6):
        raise ValueError(f"Give four numbers ({order}) or six with heights.")
    try:
        numbers = tuple(float(p) for p in parts)
    except ValueError:
        raise ValueError(f"Give four numbers ({order}) or six with heights.") from None
    if not all(math.isfinite(n) for n in numbers):
        raise ValueError("The numbers must be finite.")
    if len(numbers) == 6:
        numbers = (numbers[0], numbers[1], numbers[3], numbers[4])
    return numbers
