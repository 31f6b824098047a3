"""Hot spots: postcode areas whose recent counts of a phenomenon are unusually high, by Getis–Ord Gi*.

Per phenomenon and municipality, each postcode area's value is its excess over
its own history: the count of the last RECENT_DAYS minus what the year before
the window gave for a window of that length (never below 0). Gi* (PySAL
`esda.G_Local`; the area counts in its own neighbourhood: self-weight 1) is
computed on the Queen contiguity graph of the municipality's postcode areas
(`libpysal.weights.Queen` over their PostGIS geometries, then row-standardised),
with a conditional permutation test (PERMUTATIONS, fixed seed). The one-sided
pseudo p-values of all areas and phenomena of the municipality are corrected
together by Benjamini–Hochberg (false discovery rate ALPHA); an area is a hot
spot when its corrected p is at most ALPHA, its z is positive and it has at
least HOT_SPOT_MIN_OBSERVATIONS observations (a setting, default 3) of its own in
the window: Gi* lends an area its neighbours' counts, and an area of one or two
observations beside a busy one is not a hot spot anyone can act on.

Exact counts are used, so hot spots are shown only to viewers who see the
municipality's counts exactly (its organisations' members and administrators).
"""
import datetime as dt
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import cache
from geo_indi.core.db_routers import read_connection as connection
from django.db.models import Count, Q
from django.utils import timezone
from scipy.stats import false_discovery_control

from geo_indi.observations import suppression
from geo_indi.observations.summary import data_version
from geo_indi.observations.models import Observation, Phenomenon

RECENT_DAYS = 90
HISTORY_DAYS = 365
ALPHA = 0.05
PERMUTATIONS = 999
SEED = 15
MIN_AREAS = 4
CACHE_SECONDS = 300
OUTLINE_COLOUR = "#1a1a1a"  # dashed, on a white casing: visible over every class of the choropleth


def min_observations() -> int:
    """The fewest observations of the window an area must have of its own to be shown as a hot spot."""
    return max(1, int(getattr(settings, "HOT_SPOT_MIN_OBSERVATIONS", 3)))


@dataclass
class HotSpot:
    phenomenon_id: int
    phenomenon: str
    postcode_area_id: int
    postcode: str
    name: str
    recent: int
    expected: float
    z: float
    p_value: float
    p_adjusted: float


def shown_to(who: Any, municipality: Any) -> bool:
    """Hot spots rest on exact counts: shown only to a viewer (or user) who sees the municipality exactly."""
    return suppression.Viewer.of(who).sees_exact(municipality)


def _areas(municipality):
    """[(id, postcode, name, WKB)] of the municipality's postcode areas, ordered by postcode."""
    with connection.cursor() as cur:
        cur.execute("SELECT id, postcode, name_fi, ST_AsBinary(geom) FROM areas_postcodearea "
                    "WHERE municipality_id = %s ORDER BY postcode", [municipality.pk])
        return cur.fetchall()


def _weights(areas):
    import geopandas as gpd
    import shapely
    from libpysal.weights import Queen
    from libpysal.weights.util import fill_diagonal

    frame = gpd.GeoDataFrame({"id": [a[0] for a in areas]},
                             geometry=[shapely.from_wkb(bytes(a[3])) for a in areas])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands (areas without neighbours) keep only themselves in Gi*
        w = Queen.from_dataframe(frame, use_index=False, silence_warnings=True)
        return fill_diagonal(w, 1)  # Gi*: each area is in its own neighbourhood (an island only in its own)


def _counts(municipality, today):
    """{phenomenon id: {area id: (recent, history)}} by one grouped query."""
    start = today - dt.timedelta(days=RECENT_DAYS)
    history_start = start - dt.timedelta(days=HISTORY_DAYS)
    rows = (Observation.objects.filter(municipality=municipality, observed_on__gt=history_start,
                                       observed_on__lte=today).order_by()
            .values("phenomenon_id", "postcode_area_id")
            .annotate(recent=Count("id", filter=Q(observed_on__gt=start)),
                      history=Count("id", filter=Q(observed_on__lte=start))))
    counts = {}
    for row in rows:
        counts.setdefault(row["phenomenon_id"], {})[row["postcode_area_id"]] = (row["recent"], row["history"])
    return counts


def compute_hot_spots(municipality, today=None):
    """Hot spots of every phenomenon in a municipality, strongest first."""
    from esda.getisord import G_Local

    today = today or timezone.localdate()
    areas = _areas(municipality)
    if len(areas) < MIN_AREAS:
        return []
    w = _weights(areas)
    scale = RECENT_DAYS / HISTORY_DAYS
    candidates = []
    for phenomenon_id, by_area in sorted(_counts(municipality, today).items()):
        recent = np.array([by_area.get(a[0], (0, 0))[0] for a in areas], dtype=float)
        expected = np.array([by_area.get(a[0], (0, 0))[1] * scale for a in areas])
        excess = np.clip(recent - expected, 0, None)
        if excess.sum() == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gi = G_Local(excess, w, transform="R", star=None, permutations=PERMUTATIONS, seed=SEED)
        for i, area in enumerate(areas):
            candidates.append((phenomenon_id, i, area, recent[i], expected[i], float(gi.Zs[i]), float(gi.p_sim[i])))
    if not candidates:
        return []
    adjusted = false_discovery_control([c[6] for c in candidates], method="bh")
    names = {p.pk: p.name for p in Phenomenon.objects.filter(pk__in={c[0] for c in candidates})}
    fewest = min_observations()
    spots = [
        HotSpot(pid, names.get(pid, ""), area[0], area[1], area[2], int(n), round(float(exp), 2), round(z, 2),
                p, round(float(q), 4))
        for (pid, _i, area, n, exp, z, p), q in zip(candidates, adjusted)
        if q <= ALPHA and z > 0 and n >= fewest
    ]
    spots.sort(key=lambda s: (s.p_adjusted, -s.z, s.postcode))
    return spots


def hot_spots(municipality: Any, today: dt.date | None = None) -> list[HotSpot]:
    """compute_hot_spots, kept for a few minutes (the map page and its table ask for the same).

    Keyed on the data version (observations.summary.data_version: the one invalidation rule of every cache of
    data), so any write to the observations (a new one, an edited phenomenon or date, an erasure) refreshes it."""
    today = today or timezone.localdate()
    key = (f"analysis:hotspots:{municipality.pk}:{today.isoformat()}:{min_observations()}:"
           f"{data_version()}")
    found = cache.get(key)
    if found is None:
        found = compute_hot_spots(municipality, today)
        cache.set(key, found, CACHE_SECONDS)
    return found


def hot_spot_outlines(municipality, spots) -> dict:
    """GeoJSON FeatureCollection (WGS 84) of the hot spot areas, one feature per area.

    Its properties are plain text for the map to show as text: `title` (postcode and name) and `lines`
    (one per phenomenon with its numbers)."""
    import json

    from django.utils.translation import gettext as _

    by_area = {}
    for spot in spots:
        by_area.setdefault(spot.postcode_area_id, []).append(spot)
    if not by_area:
        return {"type": "FeatureCollection", "features": []}
    with connection.cursor() as cur:
        cur.execute("SELECT id, postcode, ST_AsGeoJSON(ST_Transform(geom, 4326), 6) FROM areas_postcodearea "
                    "WHERE id = ANY(%s) ORDER BY postcode", [list(by_area)])
        found = cur.fetchall()
    features = []
    for area_id, postcode, geometry in found:
        area_spots = by_area[area_id]
        lines = [_("%(phenomenon)s: %(recent)d observations in %(days)d days, expected %(expected)s "
                   "(Gi* z = %(z)s, q = %(q)s)") % {
            "phenomenon": s.phenomenon, "recent": s.recent, "days": RECENT_DAYS, "expected": f"{s.expected:g}",
            "z": f"{s.z:g}", "q": f"{s.p_adjusted:g}"} for s in area_spots]
        features.append({"type": "Feature", "geometry": json.loads(geometry), "properties": {
            "postcode": postcode, "title": f"{_('Hot spot')}: {postcode} {area_spots[0].name}", "lines": lines}})
    return {"type": "FeatureCollection", "features": features}


def add_hot_spot_layer(folium_map: Any, municipality: Any, who: Any) -> list:
    """Outline the hot spots on a municipality's folium map, for viewers who see its counts exactly."""
    from django.utils.translation import gettext as _

    from geo_indi.maps.rendering import OutlineLayer

    if not shown_to(who, municipality):
        return []
    spots = hot_spots(municipality)
    if spots:
        OutlineLayer(
            hot_spot_outlines(municipality, spots), name=_("Hot spots"),
            legend=_("Hot spot (black dashed outline)"), legend_class="outline-legend hot-spot-legend",
            style={"color": OUTLINE_COLOUR, "weight": 3.5, "dashArray": "8 5", "fill": False},
            casing={"color": "#ffffff", "weight": 7, "opacity": 0.9, "fill": False},
        ).add_to(folium_map)
    return spots


def hot_spot_report_table(municipality: Any, who: Any, phenomenon_id: int | None = None) -> Any:
    """The hot spots (of one phenomenon, if given) as a table of the municipality's PDF report; None for viewers
    who may not see them."""
    from django.utils.translation import gettext as _

    from geo_indi.maps.services import ReportTable

    if not shown_to(who, municipality):
        return None
    rows = [[s.phenomenon, f"{s.postcode} {s.name}", s.recent, s.expected, s.z, s.p_adjusted]
            for s in hot_spots(municipality) if phenomenon_id is None or s.phenomenon_id == phenomenon_id]
    note = _("Postcode areas whose counts of the last %(days)d days are unusually high against their own previous "
             "year and their neighbours (Getis–Ord Gi*), with at least %(fewest)d observations of their own; "
             "Benjamini–Hochberg corrected p (q) at most %(alpha)s. Rests on exact counts: for the organisation "
             "only.") % {"days": RECENT_DAYS, "fewest": min_observations(), "alpha": f"{ALPHA:g}"}
    return ReportTable(str(_("Hot spots")), note, [
        str(_("Phenomenon")), str(_("Postcode area")), str(_("Recent")), str(_("Expected from the year before")),
        "Gi* z", str(_("Corrected p"))], rows, empty=str(_("No hot spots at this significance level.")),
        numeric_columns=(2, 3, 4, 5))
