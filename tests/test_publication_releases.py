"""Publication releases (geo_indi/publication/releases.py, tables.year_tables): the published counts and their
hidden pattern are frozen together, stored in the database and refreshed stale-while-revalidate."""
import datetime as dt
import io
import random
import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from procrastinate.contrib.django.models import ProcrastinateJob

from geo_indi.jobs.queue import job_status
from geo_indi.publication import tables
from geo_indi.publication.models import PublishedRelease
from geo_indi.publication.protection import protect_linked

from .conftest import INSIDE_ALFA, JobWorker, _empty_job_tables
from .test_disclosure_audit import K, YEAR, audit_viewer, audit_world, fill, viewers, world  # noqa: F401 (fixtures)

MAY = dt.date(YEAR, 5, 1)


def lapland_persons(year=YEAR):
    """The Lapland total of the public group's person table as served, and the served tables."""
    served = tables.year_tables(year)
    return int(served.table_of(served.structure.public_group).persons[0, 0]), served


def record_persons(record, n, observed_on=MAY):
    for _ in range(n):
        record(*INSIDE_ALFA, observed_on=observed_on)


def test_with_refresh_0_a_new_observation_is_published_at_once(record, settings):
    settings.SUPPRESSION_K = K
    record_persons(record, 5)
    assert lapland_persons()[0] == 5
    record_persons(record, 1)
    assert lapland_persons()[0] == 6
    assert PublishedRelease.objects.filter(year=YEAR).count() == 1  # the older release went with the new one


def test_with_refresh_600_numbers_wait_for_the_next_release(record, settings):
    settings.SUPPRESSION_K = K
    settings.PUBLICATION_REFRESH_SECONDS = 600
    record_persons(record, 5)
    assert lapland_persons()[0] == 5  # no release yet: the first view computes it
    record_persons(record, 1)
    total, served = lapland_persons()
    assert total == 5
    assert not ProcrastinateJob.objects.filter(task_name="refresh_release").exists(), \
        "a release younger than the refresh time is served without a refresh"
    with CaptureQueriesContext(connection) as young:
        lapland_persons()
    assert not [q for q in young.captured_queries if "observations_observation" in q["sql"] or "observations_monthlycount" in q["sql"]], "a young release counts nothing"
    call_command("publish_tables", "--year", str(YEAR), stdout=io.StringIO())
    assert lapland_persons()[0] == 6


def test_a_stale_release_serves_its_own_pattern_and_passes_the_audit(world, record, settings):  # noqa: F811
    """The release is published; then three person observations arrive in one postcode area. Every output
    still shows the release: its pattern is the one protect() gives for its counts, and the LP audit over
    everything each viewer gets, graded against the release's counts, finds no pinned cell."""
    settings.PUBLICATION_REFRESH_SECONDS = 600
    rng = random.Random(17)
    truth = fill(world, rng)
    call_command("publish_tables", stdout=io.StringIO())
    record_persons(record, 3)

    _total, served = lapland_persons()
    struct = served.structure
    live = tables._counted_tables(struct, YEAR)
    for group in struct.groups:
        table = served.table_of(group)
        assert (table.hidden == protect_linked(table.persons, table.person_occurrences, struct.tree, K,
                                              struct.known_masks())).all()
    assert any((served.table_of(g).persons != p).any() for g, (p, *_rest) in zip(struct.groups, live)), \
        "the served tables must be the stale release, not the live counts"

    for name, user, own_areas in viewers(world):
        assert not audit_viewer(world, truth, user, own_areas, rng, all_filters=True, maps=True), name


@pytest.mark.django_db(transaction=True)
def test_an_old_stale_release_is_served_while_the_worker_refreshes_it(record, settings):
    settings.SUPPRESSION_K = K
    settings.PUBLICATION_REFRESH_SECONDS = 600
    record_persons(record, 5)
    lapland_persons()
    first = PublishedRelease.objects.get(year=YEAR)
    record_persons(record, 1)
    PublishedRelease.objects.filter(pk=first.pk).update(computed_at=timezone.now() - timedelta(seconds=601))

    _empty_job_tables()
    threads = set(threading.enumerate())
    assert lapland_persons()[0] == 5  # served at once, stale
    assert lapland_persons()[0] == 5  # still stale: the one refresh waiting is enough
    assert set(threading.enumerate()) == threads, "no thread in the serving process"
    assert job_status("refresh_release", year=YEAR, k=K) == "todo"
    assert ProcrastinateJob.objects.filter(task_name="refresh_release").count() == 1
    worker = JobWorker().start()
    try:
        deadline = time.monotonic() + 120
        while job_status("refresh_release", year=YEAR, k=K) != "succeeded" and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.stop()
    assert job_status("refresh_release", year=YEAR, k=K) == "succeeded"
    _empty_job_tables()

    refreshed = PublishedRelease.objects.get(year=YEAR)
    assert refreshed.pk != first.pk
    assert lapland_persons()[0] == 6


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_compute_once(record, settings, monkeypatch):
    settings.SUPPRESSION_K = K
    record_persons(record, 5)
    cache.clear()
    computing, go_on, calls = threading.Event(), threading.Event(), []

    def held_protect(*args, **kwargs):
        calls.append(threading.current_thread().name)
        computing.set()
        assert go_on.wait(60)
        return protect_linked(*args, **kwargs)

    monkeypatch.setattr(tables, "protect_linked", held_protect)

    def first_refresh():
        try:
            tables.refresh_release(YEAR, K)
        finally:
            connections.close_all()

    first = threading.Thread(target=first_refresh, name="first")
    first.start()
    try:
        assert computing.wait(60)
        assert tables.refresh_release(YEAR, K) is None, "the advisory lock is held: the second refresh skips"
    finally:
        go_on.set()
        first.join(60)
    assert calls == ["first"] * len(tables.structure().groups)
    assert PublishedRelease.objects.filter(year=YEAR).count() == 1
    assert not tables.refresh_release(YEAR, K).changed  # the lock is free again; the release is current


@pytest.mark.calendar
def test_publish_tables_prints_what_changed(record, settings):
    settings.SUPPRESSION_K = K
    record_persons(record, 5)
    this_year = timezone.localdate().year

    def publish(*args):
        out = io.StringIO()
        call_command("publish_tables", *args, stdout=out)
        return out.getvalue()

    first = publish()
    # small_areas: Lapland, 2 municipalities, 5 areas = 8 area nodes, times each group's total and phenomena
    # (a group of one phenomenon: one column). The five in area 99001: 5 in 3 area nodes x (total, loneliness),
    # none small (k = 5), so none hidden.
    groups = tables.structure().groups
    cells = sum(8 * (1 if len(g.phenomenon_ids) == 1 else 1 + len(g.phenomenon_ids)) for g in groups)
    assert f"{YEAR}: first release: {cells} cell(s), 6 with persons, 0 of those hidden." in first
    assert f"{this_year}: first release: {cells} cell(s), 0 with persons, 0 of those hidden." in first
    assert publish("--year", str(YEAR)).startswith(f"{YEAR}: unchanged (release of ")
    record_persons(record, 1)
    # Lapland, the municipality and the area; the group total and the phenomenon: 3 x 2 cells 5 -> 6.
    changed = publish("--year", str(YEAR))
    assert changed.startswith(f"{YEAR}: new release replaces the one of ") and ": 6 cell(s) changed; " in changed


def test_publish_tables_refuses_a_year_without_observations(record):
    record_persons(record, 1)
    with pytest.raises(CommandError, match=r"No observations in 1999: nothing to publish \(years with observations: "
                                           rf"{YEAR}\)\.") as refused:
        call_command("publish_tables", "--year", "1999")
    assert refused.value.returncode == 1
    assert not PublishedRelease.objects.exists()
