"""Sample indicators for the demo: made-up yearly values per Lapland municipality, labelled as sample data,
with confirmed links to the phenomena, so every municipality page shows observations beside indicators.

The population (Sotkanet 127, "Väkiluku") is rounded from Statistics Finland's 2023 figures and then
shrinks by a fixed share a year; the others are invented. A real `import_sotkanet` of the same id
replaces a sample indicator and its values.
"""
import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from geo_indi.areas.models import Municipality
from geo_indi.observations.models import Phenomenon

from .models import Indicator, IndicatorValue, PhenomenonIndicatorLink
from .population import POPULATION_INDICATOR_ID, population_from_indicator

SAMPLE_SOURCE = "Esimerkkiaineisto – ei THL:n tietoa"
YEARS_BACK = 6

# Lapland municipality code -> population, rounded (Statistics Finland, end of 2023).
POPULATION_2023 = {
    "047": 1840, "148": 7000, "240": 19600, "241": 7800, "261": 6900, "273": 3800, "320": 6900, "498": 2300,
    "583": 930, "614": 2900, "683": 3600, "698": 65500, "732": 3300, "742": 1000, "751": 2800, "758": 8100,
    "845": 2800, "851": 21300, "854": 3300, "890": 1200, "976": 3800,
}

# (sotkanet-like id, phenomenon slug, fi, sv, en, unit, low, high) — ids above 900000 are never THL's.
SAMPLE_INDICATORS = [
    (900001, "yksinaisyys", "Yksinäisyyttä kokevat, % 20–64-vuotiaista (esimerkki)",
     "Upplever ensamhet, % av 20–64-åringar (exempel)", "Feel lonely, % of people aged 20–64 (sample)", "%", 8, 18),
    (900002, "digitaalisuus", "Sähköisiä palveluja käyttämättömät, % 75 vuotta täyttäneistä (esimerkki)",
     "Använder inte e-tjänster, % av personer 75 år och äldre (exempel)",
     "Do not use online services, % of people aged 75 and over (sample)", "%", 35, 65),
    (900003, "nuorten-paihteet", "Tosi humalassa kuukausittain, % 8.–9. luokan oppilaista (esimerkki)",
     "Rejält berusade varje månad, % av elever i åk 8–9 (exempel)",
     "Really drunk monthly, % of pupils in grades 8–9 (sample)", "%", 5, 15),
    (900004, "ilkivalta", "Ilmoitetut vahingonteot / 1 000 asukasta (esimerkki)",
     "Anmälda skadegörelser / 1 000 invånare (exempel)", "Reported criminal damage per 1,000 inhabitants (sample)",
     "/ 1 000", 2, 9),
    (900005, "harrastustoiminta", "Viikoittain harrastavat, % 8.–9. luokan oppilaista (esimerkki)",
     "Har en hobby varje vecka, % av elever i åk 8–9 (exempel)",
     "Have a weekly hobby, % of pupils in grades 8–9 (sample)", "%", 55, 80),
    (900006, "turvallisuus-ymparistossa", "Liukastumisesta johtuneet hoitojaksot / 1 000 asukasta (esimerkki)",
     "Vårdperioder till följd av halkning / 1 000 invånare (exempel)",
     "Hospital stays after slipping per 1,000 inhabitants (sample)", "/ 1 000", 1, 6),
]
POPULATION_TITLES = ("Väkiluku", "Folkmängd", "Population")
POPULATION_DECLINE_PER_YEAR = 0.008


def _years(today):
    last = today.year - 1
    return list(range(last - YEARS_BACK + 1, last + 1))


def _indicator(sotkanet_id, fi, sv, en, unit, description, decimals):
    indicator, _created = Indicator.objects.update_or_create(
        sotkanet_id=sotkanet_id,
        defaults={"title_fi": fi, "title_sv": sv, "title_en": en, "unit": unit, "decimals": decimals,
                  "source_organisation": SAMPLE_SOURCE, "description_fi": description, "is_sample": True})
    return indicator


def load_demo_indicators(seed=2024, today=None):
    """Create the sample indicators, values and links (idempotent; never touches THL-imported indicators).
    Returns the number of values written, 0 if real data is already there."""
    if Indicator.objects.filter(is_sample=False).exists():
        return 0
    rng = random.Random(seed)
    years = _years(today or dt.date.today())
    municipalities = list(Municipality.objects.filter(code__in=POPULATION_2023).order_by("code"))
    phenomena = {p.slug: p for p in Phenomenon.objects.all()}
    User = get_user_model()
    confirmer = User.objects.filter(is_superuser=True).order_by("pk").first()
    values = []
    with transaction.atomic():
        population = _indicator(POPULATION_INDICATOR_ID, *POPULATION_TITLES, "lkm",
                                "Esimerkkiaineisto: väkiluku pyöristettynä Tilastokeskuksen vuoden 2023 luvuista.", 0)
        for m in municipalities:
            for year in years:
                shrink = (1 - POPULATION_DECLINE_PER_YEAR) ** (year - 2023)
                values.append(IndicatorValue(indicator=population, municipality=m, year=year,
                                             value=float(round(POPULATION_2023[m.code] * shrink))))
        for sotkanet_id, slug, fi, sv, en, unit, low, high in SAMPLE_INDICATORS:
            indicator = _indicator(sotkanet_id, fi, sv, en, unit, "Esimerkkiaineisto: keksittyjä lukuja kokeilua varten.", 1)
            for m in municipalities:
                level = rng.uniform(low, high)
                for year in years:
                    level = min(high * 1.2, max(low * 0.8, level + rng.uniform(-1, 1) * (high - low) / 10))
                    values.append(IndicatorValue(indicator=indicator, municipality=m, year=year, value=round(level, 1)))
            if slug in phenomena and confirmer is not None:
                PhenomenonIndicatorLink.objects.get_or_create(
                    phenomenon=phenomena[slug], indicator=indicator,
                    defaults={"confirmed_by": confirmer, "matched_words": "demo"})
        IndicatorValue.objects.bulk_create(values, update_conflicts=True,
                                           unique_fields=["indicator", "municipality", "year", "gender"],
                                           update_fields=["value", "absolute_value"])
        Indicator.objects.filter(is_sample=True).update(imported_at=timezone.now())
        population_from_indicator()
    return len(values)
