"""Observations behind the layer, OGC API and export tests (imported by those modules).

Small geography (tests/data/small_areas.geojson), k = 5:

- 99001 Alfa (Rovaniemi 698): 3 public *object* observations (ilkivalta, weakens,
  on 2025-03-01, 2025-03-10, 2025-04-01) and 6 public *person* observations
  (yksinaisyys, weakens, 2025-03-05).
- 99003 Gamma (Kemijärvi 320): 2 public person observations (yksinaisyys) and
  1 *internal* object observation (nuorten-paihteet), all 2025-03-05.

Hand-computed counts for 2025 (geo_indi/publication, k = 5; outsiders ask with year=2025):

Published person table of the public group (5 phenomena and their total):
Alfa yksinaisyys 6 (total 6), Gamma yksinaisyys 2 (total 2); 698: 6, 320: 2,
Lapland 8; every other cell 0. Primary: the four cells of Gamma/320 (2), and
every 0 is hidden too. Complementary (protection.py, cheapest certificate):
- 320 total, down for the anonymous viewer: move its 2 to Beta/yksinaisyys,
  which changes 698's yksinaisyys and total (cost 7 + 7 = 14, less than
  deleting them, which changes the two Lapland cells, 9 + 9): 698 hidden.
- 320 total, up: move 2 from Alfa/yksinaisyys into Gamma/yksinaisyys, which
  changes Alfa's yksinaisyys and total (7 + 7 = 14; 698's cells are hidden
  already). Creating 2 would change only the Lapland total, but a total costs
  TOTAL_WEIGHT (10^4) times its 1 + 8 (protection.total_weight): Alfa hidden.
- 320 total, down for a member of 698 (who knows 698): only deleting is left,
  which changes Lapland/yksinaisyys: hidden.
Everything else is then protected at no cost. Shown: the Lapland total 8 (its
phenomenon cells other than yksinaisyys are hidden 0s). Outputs add the
objects (public points) to the person cells they show: Lapland 8 + 3 = 11.

anonymous: Lapland 11; every area (Alfa too) and both municipalities hidden.
coordinator of 698 (exact in 698; on a page that also shows 320, totals
  count the public phenomena): Alfa 9 (ilkivalta 3, yksinaisyys 6),
  698: 9, Gamma and 320 hidden.
member of 320: 320: 2 (public phenomena; the internal object not in the total),
  698 hidden.
administrator: everything exact (Gamma 3, nuorten-paihteet 1; 320: 3).
"""
import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

SECRET = "do-not-publish-this-text"
ALFA_OBJECT_DATES = [dt.date(2025, 3, 1), dt.date(2025, 3, 10), dt.date(2025, 4, 1)]
ALFA_OBJECT_POINTS = [(66.03, 25.05), (66.05, 25.1), (66.07, 25.15)]  # (lat, lon)
GAMMA_POINT = (66.05, 25.5)
LAYER_IDS = ["observations", "postcode-area-stats", "municipality-stats", "postcode-areas", "municipalities"]
FORBIDDEN_KEYS = {"description", "follow_up_note", "reporter", "reporter_id", "organisation", "organisation_id"}


@pytest.fixture
def layer_scenario(record, users, phenomena, settings):
    settings.SUPPRESSION_K = 5
    alfa_objects = [
        record(lat, lon, subject="object", phenomenon="ilkivalta", observed_on=day, description=SECRET)
        for (lat, lon), day in zip(ALFA_OBJECT_POINTS, ALFA_OBJECT_DATES)
    ]
    alfa_people = [
        record(66.02 + i * 0.01, 25.02 + i * 0.01, observed_on=dt.date(2025, 3, 5)) for i in range(6)
    ]
    gamma_people = [
        record(GAMMA_POINT[0], GAMMA_POINT[1], user="field_320", observed_on=dt.date(2025, 3, 5)) for _ in range(2)
    ]
    gamma_internal = record(
        *GAMMA_POINT, subject="object", user="field_320", phenomenon="nuorten-paihteet", observed_on=dt.date(2025, 3, 5)
    )
    return {
        "alfa_objects": alfa_objects,
        "alfa_people": alfa_people,
        "gamma_people": gamma_people,
        "gamma_internal": gamma_internal,
        "users": {"anonymous": AnonymousUser(), **users},
        "phenomena": phenomena,
    }
