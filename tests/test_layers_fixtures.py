"""Observations behind the layer, OGC API and export tests (imported by those modules).

Small geography (tests/data/small_areas.geojson), k = 5:

- 99001 Alfa (Rovaniemi 698): 3 public *object* observations (ilkivalta, weakens,
  on 2025-03-01, 2025-03-10, 2025-04-01) and 6 public *person* observations
  (yksinaisyys, weakens, 2025-03-05).
- 99003 Gamma (Kemijärvi 320): 2 public person observations (yksinaisyys) and
  1 *internal* object observation (nuorten-paihteet), all 2025-03-05.

Hand-computed counts (suppression.suppress_group with k = 5):

anonymous (public only, exact nowhere)
  postcode areas: Alfa 9 (cells ilkivalta 3 -> "<5", so the lone other cell
  yksinaisyys 6 is suppressed too; weakens 9 shown), Gamma 2 -> "<5",
  Beta/Delta/Rusetti 0.
  municipalities: 698: 9, 320: 2 -> "<5", and 698 suppressed as the complement.
coordinator of 698 (exact in 698, members see internal phenomena)
  Alfa exact (3 and 6), Gamma 2 + 1 = 3 -> "<5"; municipality 698: 9, 320: "<5".
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
