import csv
import io
import json
import uuid

import pytest
from django.core.management import CommandError, call_command

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
