"""The monthly count summary (observations_monthlycount): kept by triggers on every write path,
proved by `check_counts`, and read by every count consumer whenever the filters allow it.

Real PostGIS throughout; "raw" below means the grouped count of the observation records.
"""
import csv
import datetime as dt
import io
import json
import random
import threading
from collections import Counter
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from geo_indi.accounts.erasure import user_erase
from geo_indi.areas.models import PostcodeArea
from geo_indi.maps import queries
from geo_indi.observations import summary
from geo_indi.observations.models import AgeGroup, Observation, ObservationMonthlyCount
from geo_indi.observations.services import PendingObservation, record_observations
from geo_indi.publication import counts, tables

from .conftest import INSIDE_ALFA

SUMMARY_TABLE = "observations_monthlycount"
RAW_TABLE = "observations_observation"


def check_counts_passes():
    call_command("check_counts", stdout=open("/dev/null", "w"))
    return True


def summary_cells():
    key = ["month", "municipality_id", "postcode_area_id", "phenomenon_id", "category_id", "direction", "subject"]
    return list(ObservationMonthlyCount.objects.order_by(*key).values_list(*key, "observations", "occurrences"))


def build_observations(phenomena, organisation, reporter, n=300, seed=17):
    """n observations spread over 2025-2026, five areas, six phenomena (one internal), categories and none,
    both subjects and directions, age groups and none, occurrences 1..4 (written with bulk_create)."""
    rng = random.Random(seed)
    areas = list(PostcodeArea.objects.order_by("postcode"))
    points = {a.id: a.geom.point_on_surface for a in areas}
    categories = {p.id: list(p.categories.order_by("id")) + [None] for p in phenomena.values()}
    ages = [""] + list(AgeGroup.values)
    rows = []
    for _i in range(n):
        area = rng.choice(areas)
        phenomenon = rng.choice(list(phenomena.values()))
        subject = rng.choice(["person", "object"])
        rows.append(Observation(
            phenomenon=phenomenon, category=rng.choice(categories[phenomenon.id]), subject=subject,
            direction=rng.choice(["weakens", "strengthens"]), occurrences=rng.randint(1, 4),
            age_group=rng.choice(ages), observed_on=dt.date(rng.choice([2025, 2026]), rng.randint(1, 12), rng.randint(1, 28)),
            reporter=reporter, organisation=organisation, postcode_area=area, municipality_id=area.municipality_id,
            location=points[area.id] if subject == "object" else None,
        ))
    return Observation.objects.bulk_create(rows)


@pytest.fixture
def dataset(phenomena, users, organisations):
    return build_observations(phenomena, organisations["698"], users["field_698"])


# --- The triggers --------------------------------------------------------------------------


def test_two_observations_of_one_cell_are_one_row_and_moving_one_splits_it(record):
    """Two person observations in 99001, March 2025, same phenomenon/direction/no category,
    occurrences 3 and 4: one row, observations 2, occurrences 3 + 4 = 7. Moving the second to
    April: two rows, (1, 3) and (1, 4). Deleting both leaves no row (a cell at 0 is removed)."""
    first = record(*INSIDE_ALFA, occurrences=3, observed_on=dt.date(2025, 3, 5))
    second = record(*INSIDE_ALFA, occurrences=4, observed_on=dt.date(2025, 3, 20))
    assert [(c[0], c[7], c[8]) for c in summary_cells()] == [(dt.date(2025, 3, 1), 2, 7)]

    Observation.objects.filter(pk=second.pk).update(observed_on=dt.date(2025, 4, 2))
    assert [(c[0], c[7], c[8]) for c in summary_cells()] == [(dt.date(2025, 3, 1), 1, 3), (dt.date(2025, 4, 1), 1, 4)]

    Observation.objects.filter(pk__in=[first.pk, second.pk]).delete()
    assert summary_cells() == []


def test_an_edit_of_the_text_alone_touches_no_cell(record):
    observation = record(*INSIDE_ALFA, observed_on=dt.date(2025, 3, 5))
    before = list(ObservationMonthlyCount.objects.values_list("id", "observations"))
    observation.description = "toinen teksti"
    observation.save()
    assert list(ObservationMonthlyCount.objects.values_list("id", "observations")) == before


def test_orm_create_update_and_delete_keep_the_summary_equal(dataset, phenomena):
    assert ObservationMonthlyCount.objects.exists()
    assert check_counts_passes()
    other_area = PostcodeArea.objects.get(postcode="99003")
    persons = Observation.objects.filter(subject="person").order_by("id")
    # moving area (and municipality), phenomenon, month, subject — through the ORM
    persons.filter(pk__in=list(persons.values_list("pk", flat=True)[:20])).update(
        postcode_area=other_area, municipality_id=other_area.municipality_id)
    moved = persons[20]
    moved.phenomenon, moved.category = phenomena["ilkivalta"], None
    moved.save()
    dated = persons[21]
    dated.observed_on = dt.date(2024, 12, 31)
    dated.save()
    to_object = persons[22]
    to_object.subject, to_object.age_group, to_object.location = "object", "", other_area.geom.point_on_surface
    to_object.save()
    assert check_counts_passes()
    Observation.objects.filter(pk__in=[o.pk for o in dataset[:50]]).delete()
    assert check_counts_passes()
    assert Observation.objects.count() == len(dataset) - 50


def test_copy_batches_and_raw_sql_keep_the_summary_equal(phenomena, users):
    items = [PendingObservation({"phenomenon": phenomena["digitaalisuus"], "subject": "person", "direction": "weakens",
                                 "observed_on": dt.date(2025, 1 + i % 12, 10), "occurrences": 1 + i % 3}, *INSIDE_ALFA)
             for i in range(150)]  # above services.COPY_THRESHOLD: the COPY path
    outcomes = record_observations(items, reporter=users["field_698"])
    assert {o.status for o in outcomes} == {"created"}
    assert ObservationMonthlyCount.objects.filter(phenomenon=phenomena["digitaalisuus"]).count() == 12
    assert check_counts_passes()

    template = Observation.objects.order_by("id").first()
    columns = ["client_uuid", "phenomenon_id", "subject", "direction", "occurrences", "age_group", "description",
               "observed_on", "organisation_id", "postcode_area_id", "municipality_id", "consent_recorded",
               "follow_up_note", "created_at", "updated_at"]
    connection.ensure_connection()
    with connection.connection.cursor() as cur, cur.copy(
            f"COPY observations_observation ({', '.join(columns)}) FROM STDIN") as copy:
        for i in range(40):
            copy.write_row([f"00000000-0000-4000-8000-{i:012d}", template.phenomenon_id, "person", "strengthens", 2, "",
                            "", dt.date(2026, 2, 1 + i % 28), template.organisation_id, template.postcode_area_id,
                            template.municipality_id, False, "", template.created_at, template.created_at])
    with connection.cursor() as cur:
        cur.execute("UPDATE observations_observation SET occurrences = occurrences + 1 WHERE direction = 'weakens'")
        cur.execute("DELETE FROM observations_observation WHERE observed_on < '2025-03-01'")
    assert check_counts_passes()
    february = ObservationMonthlyCount.objects.get(month=dt.date(2026, 2, 1), direction="strengthens")
    assert (february.observations, february.occurrences) == (40, 80)


def test_erasure_keeps_the_summary_equal(dataset, users):
    before = summary_cells()
    user_erase(user=users["field_698"])
    assert not Observation.objects.filter(reporter__isnull=False).exists()
    assert summary_cells() == before
    assert check_counts_passes()


def test_a_rolled_back_write_leaves_no_count(dataset, record):
    before = summary_cells()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(*INSIDE_ALFA, observed_on=dt.date(2024, 1, 5))
        Observation.objects.filter(observed_on__year=2025).delete()
        assert summary_cells() != before
        raise RuntimeError("roll back")
    assert summary_cells() == before
    assert check_counts_passes()


def test_truncate_empties_the_summary(dataset):
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred FK checks of the inserts would block TRUNCATE
        cur.execute("TRUNCATE observations_observation CASCADE")
    assert summary_cells() == []


WRITERS, BATCHES, BATCH_ROWS = 4, 10, 50


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_into_the_same_cells_lose_no_count(phenomena, users, organisations):
    """4 writers x 10 one-statement batches x 50 person observations, all in 99001, March 2025, loneliness,
    no category, every other one weakening: two cells, 4 x 10 x 25 = 1 000 observations each, occurrences
    1 each. Every batch contends for both cells at once; none may fail (deadlock) or lose a count."""
    area = PostcodeArea.objects.get(postcode="99001")
    start = threading.Barrier(WRITERS)
    failures = []

    def write(_writer):
        try:
            start.wait()
            for _batch in range(BATCHES):
                Observation.objects.bulk_create([Observation(
                    phenomenon=phenomena["yksinaisyys"], subject="person",
                    direction="weakens" if i % 2 else "strengthens", observed_on=dt.date(2025, 3, 1 + i % 28),
                    organisation=organisations["698"], postcode_area=area, municipality_id=area.municipality_id,
                ) for i in range(BATCH_ROWS)])
        except Exception as exc:  # noqa: BLE001 - reported below with its type
            failures.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(ObservationMonthlyCount.objects.values_list("direction", "observations", "occurrences")) == [
        ("strengthens", 1000, 1000), ("weakens", 1000, 1000)]
    assert check_counts_passes()


# --- check_counts ---------------------------------------------------------------------------


def test_a_corrupted_summary_fails_the_check_and_rebuild_repairs_it(dataset, capsys):
    cells = list(ObservationMonthlyCount.objects.order_by("id")[:3])
    ObservationMonthlyCount.objects.filter(pk=cells[0].pk).update(observations=cells[0].observations + 1)
    ObservationMonthlyCount.objects.filter(pk=cells[1].pk).delete()
    ObservationMonthlyCount.objects.create(
        month=dt.date(2030, 1, 1), municipality_id=cells[2].municipality_id, postcode_area_id=cells[2].postcode_area_id,
        phenomenon_id=cells[2].phenomenon_id, direction="weakens", subject="person", observations=5, occurrences=5)

    with pytest.raises(CommandError, match="differs from the observations in 3 cell"):
        call_command("check_counts")
    printed = capsys.readouterr().out
    assert "month 2030-01-01" in printed
    assert f"observations {cells[0].observations} in records, {cells[0].observations + 1} in summary" in printed

    call_command("check_counts", rebuild=True)
    assert "equals the grouped count" in capsys.readouterr().out
    assert check_counts_passes()
    assert summary.compare().equal


# --- Consumers: the same numbers either way, and the path that ran ----------------------------


FILTERS = [
    {},
    {"year": 2025},
    {"subject": "person", "year": 2026},
    {"direction": "weakens"},
    {"municipality": "698", "year": 2025},
    {"postcode": "99003"},
    {"date_from": dt.date(2025, 3, 1), "date_to": dt.date(2025, 8, 31)},
    {"date_from": dt.date(2026, 2, 1)},
]
VIEWERS = ["admin", "coord_698", "field_320", "anonymous"]


def user_of(users, name):
    return AnonymousUser() if name == "anonymous" else users[name]


@contextmanager
def counting_the_records():
    """Every consumer counts the records, as it does for filters the summary cannot answer."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(summary, "answerable", lambda filters: False)
        yield


def read_tables(captured):
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    return {table for table in (SUMMARY_TABLE, RAW_TABLE) if table in sql}


def consumer_outputs(user, filters):
    municipalities = [(m, m) for m in counts.structure().municipality_ids]
    areas = list(PostcodeArea.objects.order_by("id").values_list("id", "municipality_id"))
    outputs = {
        "monthly": queries.monthly_counts(user, filters),
        "categories": queries.category_counts(user, filters),
        "lapland": counts.lapland_total(user, filters),
    }
    for level, rows in (("municipality", municipalities), ("postcode_area", areas)):
        try:
            outputs[level] = counts.area_counts(user, level, rows, filters)
        except counts.NotPublished as exc:
            outputs[level] = str(exc)
    return outputs


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_counts_are_the_same_from_the_summary_and_from_the_records(dataset, users, filters):
    assert summary.source(filters) == summary.SUMMARY
    for name in VIEWERS:
        user = user_of(users, name)
        with CaptureQueriesContext(connection) as captured:
            from_summary = consumer_outputs(user, filters)
        assert RAW_TABLE not in read_tables(captured)
        from_summary["rows"] = summary.grouped_counts(filters, sorted(summary.DIMENSIONS), user=user)
        with counting_the_records(), CaptureQueriesContext(connection) as captured:
            from_records = consumer_outputs(user, filters)
            from_records["rows"] = summary.grouped_counts(filters, sorted(summary.DIMENSIONS), user=user)
        assert SUMMARY_TABLE not in read_tables(captured)
        key = lambda row: tuple(str(row[d]) for d in sorted(summary.DIMENSIONS))  # noqa: E731
        assert sorted(from_summary.pop("rows"), key=key) == sorted(from_records.pop("rows"), key=key)
        assert from_summary == from_records, name


def test_year_tables_and_yearly_series_are_the_same_either_way(dataset, users, small_geography):
    def read():
        year = tables.year_tables(2025)
        cells = {g: (t.persons.tolist(), t.objects.tolist(), t.hidden.tolist()) for g, t in year.tables.items()}
        series = {name: counts.yearly_counts(user_of(users, name), small_geography["698"], [2025, 2026])
                  for name in VIEWERS}
        return cells, series

    with CaptureQueriesContext(connection) as captured:
        from_summary = read()
    assert read_tables(captured) == {SUMMARY_TABLE}
    with counting_the_records(), CaptureQueriesContext(connection) as captured:
        from_records = read()
    assert read_tables(captured) == {RAW_TABLE}
    assert from_summary == from_records


def test_the_summary_counts_what_the_records_hold(dataset, phenomena, users):
    """Independent of both SQL paths: counted in Python from the written observations."""
    internal = phenomena["nuorten-paihteet"].id
    records, cases = Counter(), Counter()
    for o in dataset:
        if o.phenomenon_id != internal:
            records[(o.observed_on.replace(day=1), o.direction)] += 1
            cases[(o.observed_on.replace(day=1), o.direction)] += o.occurrences
    assert records != cases, "the dataset must have records of several occurrences"
    assert queries.monthly_counts(AnonymousUser(), {}, "records") == dict(records)
    assert queries.monthly_counts(AnonymousUser(), {}) == dict(cases)  # the default unit: occurrences
    by_category, cases_by_category = Counter(o.category_id for o in dataset), Counter()
    for o in dataset:
        cases_by_category[o.category_id] += o.occurrences
    assert queries.category_counts(users["admin"], {}, "records") == dict(by_category)
    assert queries.category_counts(users["admin"], {}, "occurrences") == dict(cases_by_category)


@pytest.mark.parametrize("filters", [
    {"age_group": "youth"},
    {"date_from": dt.date(2025, 3, 2)},
    {"date_to": dt.date(2025, 3, 30)},
    {"year": 2025, "date_from": dt.date(2025, 1, 1), "date_to": dt.date(2025, 2, 27)},
], ids=["age_group", "partial_first_month", "partial_last_month", "partial_range"])
def test_filters_the_summary_cannot_answer_count_the_records(dataset, users, filters):
    assert summary.source(filters) == summary.RAW
    with CaptureQueriesContext(connection) as captured:
        monthly = queries.monthly_counts(users["admin"], filters, "records")
    assert read_tables(captured) == {RAW_TABLE}
    start, end = filters.get("date_from", dt.date.min), filters.get("date_to", dt.date.max)
    expected = Counter((o.observed_on.replace(day=1), o.direction) for o in dataset
                       if o.age_group == filters.get("age_group", o.age_group) and start <= o.observed_on <= end
                       and o.observed_on.year == filters.get("year", o.observed_on.year))
    assert monthly == dict(expected)


def test_internal_phenomena_are_left_out_for_outsiders_in_both_paths(dataset, phenomena, users):
    internal = phenomena["nuorten-paihteet"].id
    for filters in ({}, {"age_group": "youth"}):
        anonymous = {row["phenomenon_id"] for row in summary.grouped_counts(filters, ["phenomenon_id"], user=AnonymousUser())}
        member = {row["phenomenon_id"] for row in summary.grouped_counts(filters, ["phenomenon_id"], user=users["field_320"])}
        assert internal not in anonymous
        assert internal in member


@pytest.mark.parametrize("url", [
    "/api/layers/municipality-stats.geojson?year=2025",
    "/api/layers/postcode-area-stats.geojson?year=2026&subject=person",
    "/api/layers/postcode-area-stats.csv?municipality=698&date_from=2025-01-01&date_to=2025-06-30",
])
@pytest.mark.parametrize("who", ["anonymous", "coord_698"])
def test_count_layers_are_the_same_from_the_summary_and_from_the_records(client, dataset, users, url, who):
    if who != "anonymous":
        client.force_login(users[who])
    elif "date_from" in url:
        # Layers apply date_from/date_to (declared filters); outsiders' counts are published per calendar year.
        response = client.get(url)
        assert response.status_code == 400 and "year" in response.json()["errors"]["filters"][0]
        return

    def fetch():
        response = client.get(url)
        assert response.status_code == 200
        return b"".join(response.streaming_content) if response.streaming else response.content

    with CaptureQueriesContext(connection) as captured:
        from_summary = fetch()
    assert SUMMARY_TABLE in read_tables(captured)
    with counting_the_records():
        from_records = fetch()
    assert from_summary == from_records
    if ".csv" in url:
        rows = list(csv.DictReader(io.StringIO(from_summary.decode())))
        counted = [row["count"] for row in rows]
    else:
        counted = [f["properties"]["count"] for f in json.loads(from_summary)["features"]]
    shown = any(n not in (None, "", 0, "0") for n in counted)
    assert shown


# --- The memo between two writes -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_repeated_counts_come_from_the_memo_until_any_write_moves_the_data_version(phenomena, users, organisations, settings):
    """Outside a transaction the same question between two writes is answered without counting again;
    a write by any path (here raw SQL, which no Python code sees) moves the version and the next answer
    counts it."""
    settings.COUNTS_CACHE_SECONDS = 60
    build_observations(phenomena, organisations["698"], users["field_698"], n=40)
    anonymous = AnonymousUser()
    first = summary.grouped_counts({"year": 2025}, ["postcode_area_id", "direction"], user=anonymous)
    with CaptureQueriesContext(connection) as again:
        second = summary.grouped_counts({"year": 2025}, ["postcode_area_id", "direction"], user=anonymous)
    assert second == first
    assert not read_tables(again) & {SUMMARY_TABLE, RAW_TABLE}
    area = PostcodeArea.objects.get(postcode="99001")
    public = next(p for p in phenomena.values() if p.visibility == "public")
    with connection.cursor() as cur:
        cur.execute(
            """INSERT INTO observations_observation (client_uuid, phenomenon_id, subject, direction, occurrences,
                   age_group, description, observed_on, organisation_id, postcode_area_id, municipality_id,
                   consent_recorded, follow_up_note, created_at, updated_at)
               VALUES (gen_random_uuid(), %s, 'person', 'weakens', 1, '', '', '2025-06-01', %s, %s, %s,
                   false, '', now(), now())""",
            [public.id, organisations["698"].id, area.id, area.municipality_id])
    third = summary.grouped_counts({"year": 2025}, ["postcode_area_id", "direction"], user=anonymous)
    total = {(r["postcode_area_id"], r["direction"]): r["n"] for r in third}
    before = {(r["postcode_area_id"], r["direction"]): r["n"] for r in first}
    assert total[area.id, "weakens"] == before.get((area.id, "weakens"), 0) + 1


def test_inside_a_transaction_the_memo_is_not_used(dataset, settings):
    """A transaction may see its own uncommitted writes: what it counts must not outlive it."""
    settings.COUNTS_CACHE_SECONDS = 60
    with CaptureQueriesContext(connection) as captured:
        summary.grouped_counts({"year": 2025}, ["direction"], user=AnonymousUser())
        summary.grouped_counts({"year": 2025}, ["direction"], user=AnonymousUser())
    assert sum(SUMMARY_TABLE in q["sql"] for q in captured.captured_queries) == 2
