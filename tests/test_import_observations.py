import csv
import io
import json
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from geo_indi.observations.models import Observation

from .conftest import INSIDE_ALFA, OUTSIDE_COVERAGE


def write_csv(path, rows):
    from geo_indi.observations.importing import CSV_FIELDS

    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)


def row(**overrides):
    lat, lon = INSIDE_ALFA
    base = {
        "client_uuid": str(uuid.uuid4()), "phenomenon": "yksinaisyys", "category": "menetys",
        "subject": "person", "direction": "weakens", "occurrences": "1", "age_group": "older",
        "description": "", "observed_on": "2025-03-01", "lat": lat, "lon": lon,
    }
    base.update(overrides)
    return base


def run(path, *extra):
    out = io.StringIO()
    call_command("import_observations", str(path), "--reporter", "field698", *extra, stdout=out)
    return out.getvalue()


def test_csv_import_reports_created_duplicate_rejected(tmp_path, users, phenomena):
    existing = row()
    rows = [
        existing, existing,  # second is a duplicate within the file
        row(subject="object", phenomenon="ilkivalta", category="tohrimys", age_group=""),
        row(occurrences="0"),
        row(lat=OUTSIDE_COVERAGE[0], lon=OUTSIDE_COVERAGE[1]),
        row(phenomenon="nope"),
        row(observed_on="2099-01-01"),
    ]
    path = tmp_path / "obs.csv"
    write_csv(path, rows)
    out = run(path)
    assert "2 created, 1 duplicate, 4 rejected" in out
    assert "Rejected row 5: occurrences" in out
    assert "Rejected row 6: location" in out
    assert "Rejected row 7: phenomenon" in out
    assert "Rejected row 8: observed_on" in out
    assert str(OUTSIDE_COVERAGE[0]) not in out  # reasons never echo coordinates
    assert Observation.objects.count() == 2
    again = run(path)
    assert "0 created, 3 duplicate, 4 rejected" in again
    assert Observation.objects.count() == 2


def test_atomic_import_is_all_or_nothing(tmp_path, users, phenomena):
    path = tmp_path / "obs.csv"
    write_csv(path, [row(), row(occurrences="1000")])
    with pytest.raises(CommandError, match="nothing was imported"):
        run(path, "--atomic")
    assert Observation.objects.count() == 0
    write_csv(path, [row(), row()])
    assert "2 created" in run(path, "--atomic")


def test_geojson_import_and_batches(tmp_path, users, phenomena):
    lat, lon = INSIDE_ALFA
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"phenomenon": "harrastustoiminta", "subject": "object", "direction": "strengthens", "observed_on": "2025-01-0%d" % (i % 9 + 1)}}
        for i in range(25)
    ]
    features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []}, "properties": {"phenomenon": "harrastustoiminta", "subject": "object", "direction": "strengthens"}})
    path = tmp_path / "obs.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    out = run(path, "--batch-size", "10")
    assert "25 created, 0 duplicate, 1 rejected" in out
    assert Observation.objects.filter(location__isnull=False).count() == 25


def test_unreadable_files(tmp_path, users):
    bad = tmp_path / "bad.geojson"
    bad.write_text("{oops")
    with pytest.raises(CommandError, match="not valid JSON"):
        run(bad)
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="missing CSV columns"):
        run(csv_path)


def test_large_batches_are_copied_with_the_same_rules(tmp_path, users, phenomena):
    """Batches of COPY_THRESHOLD rows or more take the COPY path: same rows as one by one."""
    from geo_indi.observations.services import COPY_THRESHOLD

    rows = [row(subject="person" if i % 2 else "object", age_group="older" if i % 2 else "",
                phenomenon="ilkivalta", category="") for i in range(COPY_THRESHOLD + 20)]
    rows.append(row(occurrences="0"))
    path = tmp_path / "big.csv"
    write_csv(path, rows)
    out = run(path, "--batch-size", str(COPY_THRESHOLD + 50))
    assert f"{COPY_THRESHOLD + 20} created, 0 duplicate, 1 rejected" in out
    people = Observation.objects.filter(subject="person")
    assert people.count() == (COPY_THRESHOLD + 20) // 2
    assert not people.exclude(location=None).exists()
    assert not Observation.objects.filter(subject="object", location=None).exists()
    assert not Observation.objects.filter(created_at=None).exists()
    assert set(Observation.objects.values_list("postcode_area__postcode", flat=True)) == {"99001"}
    assert "0 created, %d duplicate" % (COPY_THRESHOLD + 20) in run(path)
    # the sequence moved on: the next single record gets a fresh id
    from geo_indi.observations.services import record_observation

    lat, lon = INSIDE_ALFA
    single = record_observation({"phenomenon": phenomena["ilkivalta"], "subject": "object", "direction": "weakens"},
                                reporter=users["field_698"], lat=lat, lon=lon).observation
    assert single.pk > max(Observation.objects.exclude(pk=single.pk).values_list("pk", flat=True))


def test_every_reason_of_every_row_is_reported_with_its_row_number(tmp_path, users, phenomena):
    """One row per rule (CSV row numbers start at 2 after the header); a row that breaks
    several rules gets every reason, in the order of the fields."""
    phenomena["ilkivalta"].is_active = False
    phenomena["ilkivalta"].save()
    lat, lon = INSIDE_ALFA
    cases = [
        (row(phenomenon="nope"), {"phenomenon": "Unknown or missing phenomenon."}),
        (row(phenomenon="ilkivalta", category=""), {"phenomenon": "This phenomenon is no longer in use."}),
        (row(category="nope"), {"category": "Unknown category for this phenomenon."}),
        (row(subject="animal"), {"subject": "Choose one of: person, object."}),
        (row(direction="up"), {"direction": "Choose one of: weakens, strengthens."}),
        (row(occurrences="0"), {"occurrences": "Give a whole number from 1 to 999."}),
        (row(occurrences="x"), {"occurrences": "Give a whole number from 1 to 999."}),
        (row(subject="object", phenomenon="harrastustoiminta", category="", age_group="older"),
         {"age_group": "An age group is only for observations about a person."}),
        (row(age_group="ancient"), {"age_group": "Choose one of: children, youth, young_adults, adults, older, unknown."}),
        (row(description="x" * 2001), {"description": "At most 2000 characters."}),
        (row(observed_on="1.3.2025"), {"observed_on": "Give a date as YYYY-MM-DD."}),
        (row(observed_on="2099-01-01"), {"observed_on": "The date is in the future."}),
        (row(observed_on="1999-12-31"), {"observed_on": "The date is before 2000."}),
        (row(client_uuid="not-a-uuid"), {"client_uuid": "Not a UUID."}),
        (row(lat=""), {"lat": "This field is required."}),
        (row(lat="north"), {"lat": "A number is required."}),
        (row(lon="nan"), {"lon": "A finite number is required."}),
        (row(lat=lon, lon=lat), {"location": "lat and lon look swapped: lat is the north coordinate (about 60–70 in Finland)."}),
        (row(lat=48.85, lon=2.35), {"location": "The point is outside Finland."}),
        (row(lat=OUTSIDE_COVERAGE[0], lon=OUTSIDE_COVERAGE[1]),
         {"location": "The point is outside the postcode areas in use (no area within 2000 m)."}),
        (row(direction="up", occurrences="1000", observed_on="bad", lat="x"),
         {"direction": "Choose one of: weakens, strengthens.", "occurrences": "Give a whole number from 1 to 999.",
          "observed_on": "Give a date as YYYY-MM-DD.", "lat": "A number is required."}),
    ]
    valid = row()
    path = tmp_path / "reasons.csv"
    write_csv(path, [case for case, _reasons in cases] + [valid])
    with translation.override("en"):
        out = run(path)
    assert f"1 created, 0 duplicate, {len(cases)} rejected" in out
    lines = [line for line in out.splitlines() if line.startswith("Rejected row")]
    assert len(lines) == len(cases)
    for number, (line, (_case, reasons)) in enumerate(zip(lines, cases), start=2):
        for name, message in reasons.items():
            assert f"{name}: {message}" in line, (number, line)
        assert line.startswith(f"Rejected row {number}: ")
        assert set(field.split(":")[0] for field in line.split(": ", 1)[1].split("; ")) == set(reasons)
    assert list(Observation.objects.values_list("client_uuid", flat=True)) == [uuid.UUID(valid["client_uuid"])]


def test_reasons_are_translated(tmp_path, users, phenomena):
    path = tmp_path / "fi.csv"
    write_csv(path, [row(occurrences="0")])
    with translation.override("fi"):
        out = run(path)
    assert "Rejected row 2: occurrences: " in out
    assert "Give a whole number" not in out


def test_mixed_batches_keep_every_row_number_and_first_valid_uuid_wins(tmp_path, users, phenomena):
    """Batches of 3: a rejected row and then a valid row with the same client UUID (the valid
    one is created), a duplicate across batches, and rejections in every batch."""
    shared = str(uuid.uuid4())
    rows = [
        row(), row(occurrences="0", client_uuid=shared), row(client_uuid=shared),  # rows 2-4
        row(client_uuid=shared), row(phenomenon="nope"), row(),                    # rows 5-7
        row(lat="x"), row(subject="object", phenomenon="ilkivalta", category="", age_group=""),  # rows 8-9
    ]
    path = tmp_path / "mixed.csv"
    write_csv(path, rows)
    out = run(path, "--batch-size", "3")
    assert "4 created, 1 duplicate, 3 rejected" in out
    assert [line.split(":")[0] for line in out.splitlines()[1:]] == [
        "Rejected row 3", "Rejected row 6", "Rejected row 8"]
    assert Observation.objects.filter(client_uuid=shared).count() == 1
    assert Observation.objects.count() == 4


def test_atomic_import_over_several_batches_writes_nothing(tmp_path, users, phenomena):
    path = tmp_path / "atomic.csv"
    write_csv(path, [row() for _ in range(5)] + [row(direction="up")])
    with pytest.raises(CommandError, match="nothing was imported"):
        run(path, "--atomic", "--batch-size", "2")
    assert Observation.objects.count() == 0


def test_imported_person_points_are_nowhere_in_the_database(tmp_path, users, phenomena):
    """Person rows keep no point: not in the table, not in any other table or temporary table
    of the database (the coordinates were parameters of one statement and nothing more)."""
    from django.db import connection

    people = [row(lat=66.051234, lon=25.104321), row(lat=66.061357, lon=25.112468, age_group="youth")]
    objects = [row(subject="object", phenomenon="harrastustoiminta", category="", age_group="",
                   lat=66.071111, lon=25.121111)]
    path = tmp_path / "people.csv"
    write_csv(path, people + objects)
    temporary = "SELECT count(*) FROM pg_class WHERE relpersistence = 't' AND relkind = 'r'"
    with connection.cursor() as cur:
        cur.execute(temporary)
        temporary_before = cur.fetchone()[0]
    assert "3 created" in run(path)
    assert not Observation.objects.filter(subject="person").exclude(location=None).exists()
    assert Observation.objects.get(subject="object").location is not None
    with connection.cursor() as cur:
        cur.execute(temporary)
        assert cur.fetchone()[0] == temporary_before  # no staging table was made
        cur.execute("SELECT ST_AsText(ST_Transform(location, 4326)) FROM observations_observation WHERE location IS NOT NULL")
        stored = " ".join(text for (text,) in cur.fetchall())
        cur.execute("SELECT string_agg(t::text, ' ') FROM observations_observation t")
        whole_table = cur.fetchone()[0]
    assert "25.12111" in stored
    for person in people:
        for value in (person["lat"], person["lon"]):
            for decimals in (3, 4, 5, 6):
                assert f"{value:.{decimals}f}" not in whole_table + stored


def test_the_announced_observations_are_the_rows_written(tmp_path, users, phenomena, django_capture_on_commit_callbacks):
    from geo_indi.observations.services import observation_recorded

    announced = []

    def receive(sender, observations, **kwargs):
        announced.extend(observations)

    observation_recorded.connect(receive)
    try:
        path = tmp_path / "announce.csv"
        write_csv(path, [row(), row(subject="object", phenomenon="ilkivalta", category="", age_group=""), row(lat="x")])
        with django_capture_on_commit_callbacks(execute=True):
            run(path)
    finally:
        observation_recorded.disconnect(receive)
    fields = ("pk", "phenomenon_id", "category_id", "subject", "observed_on", "reporter_id", "organisation_id",
              "postcode_area_id", "municipality_id")
    stored = sorted(tuple(getattr(o, name) for name in fields) for o in Observation.objects.all())
    assert sorted(tuple(getattr(o, name) for name in fields) for o in announced) == stored
    assert len(stored) == 2
