"""Realistic demo observations across Lapland, recorded through the one recording service."""
import datetime as dt
import random

from django.db import connection, transaction

from geo_indi.accounts.models import Membership
from geo_indi.areas.models import PostcodeArea

from .models import AgeGroup, Direction, Observation, Phenomenon, Subject
from .services import record_observation

# Phenomenon slug -> (share of person observations, share weakening)
PROFILE = {
    "yksinaisyys": (0.95, 0.85),
    "digitaalisuus": (0.8, 0.6),
    "nuorten-paihteet": (0.6, 0.95),
    "ilkivalta": (0.05, 0.97),
    "harrastustoiminta": (0.5, 0.05),
    "turvallisuus-ymparistossa": (0.1, 0.8),
}
BIG_TOWNS = {"698": 8, "240": 4, "851": 4, "241": 2, "320": 2, "758": 2}
DESCRIPTIONS = [
    "Havaittu kotikäynnillä.", "Kylän kaupan lähellä.", "Toistuva tilanne.",
    "Kerrottu kylätapaamisessa.", "Koulun läheisyydessä.", "",
]


def random_points(count, seed):
    """`count` random points inside postcode areas (weighted to towns), made by PostGIS."""
    rng = random.Random(seed)
    areas = list(PostcodeArea.objects.select_related("municipality").values_list("id", "municipality__code"))
    weights = [BIG_TOWNS.get(code, 1) for _id, code in areas]
    picks = {}
    for area_id, _code in rng.choices(areas, weights=weights, k=count):
        picks[area_id] = picks.get(area_id, 0) + 1
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT ST_X(p), ST_Y(p) FROM (
                SELECT (ST_Dump(ST_GeneratePoints(ST_Buffer(a.geom, -50), n.k, %s))).geom AS p, a.id
                  FROM areas_postcodearea a JOIN unnest(%s::bigint[], %s::int[]) AS n(id, k) ON n.id = a.id
            ) s ORDER BY s.id
            """.replace("ST_X(p), ST_Y(p)", "ST_X(ST_Transform(p, 4326)), ST_Y(ST_Transform(p, 4326))"),
            [seed, list(picks), list(picks.values())],
        )
        return cur.fetchall()


def load_demo_observations(count=3000, seed=2024, today=None):
    if Observation.objects.exists():
        return 0
    rng = random.Random(seed)
    today = today or dt.date.today()
    phenomena = {p.slug: p for p in Phenomenon.objects.prefetch_related("categories")}
    reporters = [m.user for m in Membership.objects.select_related("user").exclude(role=Membership.Role.ADMINISTRATOR)]
    points = random_points(count, seed)
    rng.shuffle(points)
    created = 0
    with transaction.atomic():
        for lon, lat in points:
            slug = rng.choice(list(PROFILE))
            person_share, weakening_share = PROFILE[slug]
            phenomenon = phenomena.get(slug)
            if phenomenon is None:
                continue
            subject = Subject.PERSON if rng.random() < person_share else Subject.OBJECT
            categories = list(phenomenon.categories.all())
            # Seasonal spread over two years: more in the dark months.
            days_ago = int(rng.triangular(0, 730, 0))
            date = today - dt.timedelta(days=days_ago)
            if date.month in (5, 6, 7, 8) and rng.random() < 0.35:
                date = date - dt.timedelta(days=120)
            if date < today - dt.timedelta(days=730):
                date = today - dt.timedelta(days=rng.randint(0, 700))
            data = {
                "phenomenon": phenomenon,
                "category": rng.choice(categories) if categories else None,
                "subject": subject,
                "direction": Direction.WEAKENS if rng.random() < weakening_share else Direction.STRENGTHENS,
                "occurrences": rng.choice([1, 1, 1, 1, 2, 2, 3, 5]),
                "age_group": rng.choice(AgeGroup.values) if subject == Subject.PERSON else "",
                "description": rng.choice(DESCRIPTIONS),
                "observed_on": date,
            }
            record_observation(data, reporter=rng.choice(reporters), lat=lat, lon=lon)
            created += 1
    return created
