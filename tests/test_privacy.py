"""A person's coordinates never reach the database, the logs or any response."""
import glob
import logging
import re
import shutil
import subprocess

import pytest
from django.db import connection
from rest_framework.test import APIClient

from geo_indi.observations.models import Observation

# Points inside 99001 (Alfa) and 99002 (Beeta) with six distinctive decimals.
PERSON_POINTS = [(66.043217, 25.118943), (66.071859, 25.287461), (66.018374, 25.356729)]


def decimals(value, places):
    return f"{value:.{places}f}"


def needles():
    for lat, lon in PERSON_POINTS:
        for places in (3, 4, 5, 6):
            # 3 decimals of a latitude like 66.043 is specific enough in a dump of this size.
            yield decimals(lat, places)
            yield decimals(lon, places)


def pg_dump_path():
    found = shutil.which("pg_dump") or sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))
    return found if isinstance(found, str) else (found[-1] if found else None)


@pytest.mark.django_db(transaction=True)
def test_person_coordinates_appear_nowhere(small_geography, phenomena, users, caplog):
    caplog.set_level(logging.DEBUG)
    client = APIClient()
    client.force_authenticate(users["field_698"])
    responses = []
    for lat, lon in PERSON_POINTS:
        for data in (
            {"lat": lat, "lon": lon},
            {"location": {"type": "Point", "coordinates": [lon, lat]}},
        ):
            response = client.post(
                "/api/observations/",
                {"phenomenon": phenomena["yksinaisyys"].pk, "subject": "person", "direction": "weakens", **data},
                format="json",
            )
            assert response.status_code == 201
            responses.append(response.content.decode())
    # A rejected submission must not echo the point either.
    bad = client.post(
        "/api/observations/",
        {"phenomenon": phenomena["yksinaisyys"].pk, "subject": "person", "direction": "weakens",
         "occurrences": 0, "lat": PERSON_POINTS[0][0], "lon": PERSON_POINTS[0][1]},
        format="json",
    )
    assert bad.status_code == 400
    responses.append(bad.content.decode())
    for path in ("/api/observations/", f"/api/observations/{Observation.objects.first().pk}/"):
        responses.append(client.get(path).content.decode())

    assert Observation.objects.count() == 6
    assert not Observation.objects.exclude(location=None).exists()

    pg_dump = pg_dump_path()
    assert pg_dump, "pg_dump is needed for this test"
    s = connection.settings_dict
    dump = subprocess.run(
        [pg_dump, "-h", s["HOST"], "-p", str(s["PORT"]), "-U", s["USER"], "--no-owner", s["NAME"]],
        capture_output=True, text=True, check=True, env={"PGPASSWORD": s.get("PASSWORD") or ""},
    ).stdout
    assert "Alfa" in dump and "observations_observation" in dump  # the dump is the real one
    logs = "\n".join(record.getMessage() + str(record.args) for record in caplog.records)
    for needle in needles():
        # Not after a digit, a point or a colon: "25.357" is a longitude, "03:37:25.357807" a time of day.
        found = re.compile(rf"(?<![\d.:]){re.escape(needle)}").search
        assert not found(dump), f"{needle} found in the database dump"
        assert not found(logs), f"{needle} found in the logs"
        for body in responses:
            assert not found(body), f"{needle} found in a response"


@pytest.mark.django_db(transaction=True)
def test_object_coordinates_are_kept(small_geography, phenomena, users):
    client = APIClient()
    client.force_authenticate(users["field_698"])
    lat, lon = PERSON_POINTS[0]
    response = client.post(
        "/api/observations/",
        {"phenomenon": phenomena["ilkivalta"].pk, "subject": "object", "direction": "weakens", "lat": lat, "lon": lon},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["geometry"]["coordinates"] == [lon, lat]


def test_database_refuses_a_point_on_a_person_observation(record):
    from django.contrib.gis.geos import Point
    from django.db import IntegrityError

    observation = record(66.05, 25.1)
    observation.location = Point(443000, 7330000, srid=3067)
    with pytest.raises(IntegrityError):
        observation.save()


def test_error_reports_hide_the_point(small_geography, phenomena, users):
    """Django's error report (the 500 e-mail) of a failure inside recording shows no coordinates."""
    import sys

    from django.core.exceptions import ValidationError
    from django.views.debug import ExceptionReporter

    from geo_indi.observations.services import record_observation

    lat, lon = 66.5123456, 25.1987654  # outside coverage: raises deep inside snapping
    try:
        record_observation({"phenomenon": phenomena["yksinaisyys"], "subject": "person", "direction": "weakens"},
                           reporter=users["field_698"], lat=lat, lon=lon)
    except ValidationError:
        report = ExceptionReporter(None, *sys.exc_info()).get_traceback_text()
    assert "record_observation" in report
    for needle in ("66.512", "25.198"):
        assert needle not in report
