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
# Descriptions that carry real themes (several per phenomenon), so that grouping has meaning to find:
# phenomenon slug -> [(what/who, what happened)], joined with a where/when.
THEMED_DESCRIPTIONS = {
    "yksinaisyys": [
        (["Yksinäinen vanhus", "Iäkäs mies asuu yksin ja", "Yksin asuva leski", "En ensam äldre man"],
         ["ei ole nähnyt ketään viikkoihin.", "kärsii yksinäisyydestä.", "kaipaa seuraa ja juttukaveria.",
          "kertoi olevansa hyvin yksinäinen."]),
        (["Nuori aikuinen", "Opiskelija", "Työtön nuori"],
         ["on eristäytynyt kotiin eikä käy missään.", "ei tunne ketään paikkakunnalla.",
          "viettää päivät yksin pelaten."]),
    ],
    "digitaalisuus": [
        (["Ikäihminen", "Asiakas", "Eläkeläinen", "En pensionär"],
         ["ei osaa käyttää verkkopankkia.", "ei pääse kirjautumaan pankkitunnuksilla.",
          "tarvitsi apua verkkopankin kanssa."]),
        (["Vanhus", "Iäkäs pariskunta"],
         ["ei saanut ajanvarausta netissä tehtyä.", "tarvitsi apua älypuhelimen kanssa.",
          "ei osaa käyttää älypuhelinta."]),
    ],
    "nuorten-paihteet": [
        (["Nuoria", "Nuoret", "Alaikäisiä nuoria", "Ungdomar"],
         ["joivat alkoholia kaupan takana.", "olivat humalassa kaupan takana.", "juopottelivat koulun pihalla."]),
        (["Yläkouluikäisiä", "Teinit"], ["käyttivät nuuskaa välitunnilla.", "nuuskaavat koulun takana."]),
    ],
    "ilkivalta": [
        (["Bussikatos", "Pysäkin katos", "Bussikatoksen lasi"],
         ["rikottiin yöllä.", "on rikottu jälleen.", "oli potkittu rikki."]),
        (["Koulun seinä", "Kylätalon seinä", "Uusi aita"],
         ["on töhritty graffiteilla.", "on sotkettu spraymaalilla.", "töhrittiin graffiteilla viikonloppuna."]),
    ],
    "harrastustoiminta": [
        (["Iltapäiväkerho", "Kerhotoiminta", "Lasten kerho"],
         ["kokosi paljon osallistujia.", "on ollut suosittu.", "aloitti toimintansa kylällä."]),
        (["Kylän liikuntaryhmä", "Ikäihmisten jumppa", "Kuntosaliryhmä"],
         ["kerää viikoittain liikkujia.", "innostaa liikkumaan.", "sai hyvää palautetta liikkujilta."]),
    ],
    "turvallisuus-ymparistossa": [
        (["Katuvalo", "Koulutien katuvalot", "Kevyen liikenteen väylän valaistus"],
         ["on ollut rikki viikkoja.", "ei pala, tie on pimeä.", "on pimeänä koko illan."]),
        (["Poroja", "Porotokka", "Porot"],
         ["tiellä pimeässä, vaaratilanne autoilijoille.", "seisoi keskellä tietä mutkan takana.",
          "juoksi auton eteen valtatiellä."]),
        (["Kävelytie", "Jalkakäytävä", "Portaat"],
         ["on liukas ja jäinen.", "on hiekoittamatta, moni kaatunut.", "on peilijäässä."]),
    ],
}
DESCRIPTION_ENDINGS = ["", "", "Kotikäynnillä.", "Toistuva tilanne.", "Kerrottu kylätapaamisessa.", "Ilmoitettu kunnalle."]
# One recent cluster of vandalism in adjacent postcode areas of Rovaniemi, so the map has a hot spot to show.
HOT_SPOT = {"municipality": "698", "phenomenon": "ilkivalta", "share": 0.03, "days": 30, "min_count": 500}


def themed_description(slug, rng):
    themes = THEMED_DESCRIPTIONS.get(slug)
    if not themes or rng.random() < 0.1:
        return ""
    subjects, predicates = rng.choice(themes)
    return " ".join(p for p in (rng.choice(subjects), rng.choice(predicates), rng.choice(DESCRIPTION_ENDINGS)) if p)


def hot_spot_points(count, seed):
    """`count` points in a Rovaniemi postcode area and the areas touching it (empty without Rovaniemi)."""
    with connection.cursor() as cur:
        cur.execute(
            """
            WITH centre AS (
                SELECT a.id, a.geom FROM areas_postcodearea a JOIN areas_municipality m ON m.id = a.municipality_id
                 WHERE m.code = %s ORDER BY a.postcode LIMIT 1),
            cluster AS (
                SELECT a.id, a.geom FROM areas_postcodearea a, centre c
                 WHERE a.municipality_id = (SELECT municipality_id FROM areas_postcodearea WHERE id = c.id)
                   AND ST_Intersects(a.geom, c.geom))
            SELECT ST_X(ST_Transform(p, 4326)), ST_Y(ST_Transform(p, 4326)) FROM (
                SELECT (ST_Dump(ST_GeneratePoints(ST_Buffer(ST_Union(geom), -50), %s, %s))).geom AS p FROM cluster
            ) s
            """,
            [HOT_SPOT["municipality"], count, seed],
        )
        return cur.fetchall()


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
    reporters = [m.user for m in Membership.objects.select_related("user").exclude(
        role__in=[Membership.Role.ADMINISTRATOR, Membership.Role.RESEARCHER])]  # researchers record nothing
    hot_count = int(count * HOT_SPOT["share"]) if count >= HOT_SPOT["min_count"] else 0
    hot = hot_spot_points(hot_count, seed) if hot_count else []
    points = random_points(count - len(hot), seed)
    for attempt in range(1, 5):  # ST_GeneratePoints may return a point fewer than asked in a thin area
        if len(points) >= count - len(hot):
            break
        points += random_points(count - len(hot) - len(points), seed + attempt)
    rng.shuffle(points)
    text_rng = random.Random(seed + 15)
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
                "description": themed_description(slug, text_rng),
                "observed_on": date,
            }
            record_observation(data, reporter=rng.choice(reporters), lat=lat, lon=lon)
            created += 1
        created += _record_hot_spot(hot, phenomena, reporters, text_rng, today)
    return created


def _record_hot_spot(points, phenomena, reporters, rng, today):
    phenomenon = phenomena.get(HOT_SPOT["phenomenon"])
    if phenomenon is None:
        return 0
    for lon, lat in points:
        data = {
            "phenomenon": phenomenon, "subject": Subject.OBJECT, "direction": Direction.WEAKENS,
            "occurrences": 1, "description": themed_description(phenomenon.slug, rng),
            "observed_on": today - dt.timedelta(days=rng.randint(0, HOT_SPOT["days"])),
        }
        record_observation(data, reporter=rng.choice(reporters), lat=lat, lon=lon)
    return len(points)
