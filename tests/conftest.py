"""Shared fixtures. Every test talks to a real PostGIS (pytest-django's test database)."""
import datetime as dt
from pathlib import Path

import pytest
import time_machine
import django.test.client as django_test_client
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections

from geo_indi.accounts.models import Membership, Organisation
from geo_indi.areas.importer import import_postcode_areas
from geo_indi.areas.models import Municipality

from tests import clock

TEST_DATA = Path(__file__).parent / "data"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LAPLAND = Path(__file__).resolve().parents[1] / "data" / "postcodes" / "lapland_postcode_areas.geojson"
FINLAND = SHARED_DATA / "finland_postcode_areas.geojson"

needs_shared_data = pytest.mark.skipif(
    not FINLAND.exists(), reason=f"national geography not found at {SHARED_DATA} (../shared/data is absent)"
)

# Points in tests/data/small_areas.geojson (lat, lon) and where the rule puts them.
INSIDE_ALFA = (66.05, 25.1)          # 99001
ON_ALFA_BETA_BORDER = (66.05, 25.2)  # shared border: lowest postcode, 99001
IN_BETA_GAMMA_OVERLAP = (66.05, 25.395)  # overlap: lowest postcode, 99002
IN_GAP_NEAR_ALFA = (66.104, 25.1)    # ~445 m from 99001, ~667 m from 99004
OUTSIDE_COVERAGE = (66.5, 25.1)      # > 2 km from every area


class FrozenClock:
    """What a test gets from `frozen_clock`: the instant it started at (the clock ticks on from it)."""

    def __init__(self, now: dt.datetime, coordinates):
        self.now = now
        self._coordinates = coordinates

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(clock.HELSINKI).date()

    def move_to(self, when: str | dt.datetime) -> None:
        """Jump to another instant inside the test (a date string: noon in Helsinki)."""
        self.now = clock.instant(when) if isinstance(when, str) else when
        self._coordinates.move_to(self.now)


@pytest.fixture(autouse=True)
def frozen_clock(request):
    """No test reads the real date: time (Python's and so Django's) starts at tests.clock's instant and ticks.

    `@pytest.mark.clock("YYYY-MM-DD")` pins a test's instant; else GEO_INDI_TEST_DATE or the default."""
    marker = request.node.get_closest_marker("clock")
    when = clock.instant(marker.args[0]) if marker else clock.FROZEN_NOW
    with time_machine.travel(when, tick=True) as coordinates:
        yield FrozenClock(when, coordinates)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def security_counters_off(settings):
    """Rate limits and login lockout count across requests; tests of them (test_security_*) turn them on."""
    settings.THROTTLE_RATES = {}
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def shared_cache_of_this_test(request):
    """The shared cache is the real Redis (scripts/redis.sh, started by scripts/run-tests.sh). A test that uses
    the database starts with none of its database's keys: data versions start again in every test database, and
    a counter or tile of an earlier test must not answer this one."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    if uses_db:
        from geo_indi.core.cache import clear_database_namespace

        request.getfixturevalue("django_db_setup")
        clear_database_namespace()
    yield


class JobWorker:
    """A Procrastinate worker on a thread of the test process, against the test database (committed rows only:
    use it with transaction=True tests). `periodic=True` keeps the schedule (the deferrer enqueues what is due)."""

    def __init__(self, periodic=False):
        import asyncio

        from procrastinate import periodic as procrastinate_periodic
        from procrastinate.contrib.django import app

        from geo_indi.jobs.queue import PERIODIC, WORK

        self.app = app.with_connector(app.connector.get_worker_connector())
        if not periodic:
            self.app.periodic_registry = procrastinate_periodic.PeriodicRegistry()
        self.queues = [WORK, PERIODIC]
        self.loop = asyncio.new_event_loop()
        self.task = None

    def start(self):
        import threading

        started = threading.Event()

        async def main():
            import asyncio

            async with self.app.open_async():
                self.task = asyncio.current_task()
                started.set()
                try:
                    await self.app.run_worker_async(
                        queues=self.queues, wait=True, install_signal_handlers=False, listen_notify=False,
                        fetch_job_polling_interval=0.1, shutdown_graceful_timeout=30)
                except asyncio.CancelledError:
                    pass

        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(main(),), name="test-job-worker")
        self.thread.start()
        assert started.wait(30)
        return self

    def stop(self):
        self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(60)
        self.loop.close()


def _empty_job_tables():
    from django.db import connection

    with connection.cursor() as cur:  # unmanaged tables: a transactional test's flush leaves them
        cur.execute("TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers CASCADE")


@pytest.fixture
def job_worker(transactional_db):
    """The background worker, running while the test does (jobs deferred by the test are done)."""
    _empty_job_tables()
    worker = JobWorker().start()
    yield worker
    worker.stop()
    _empty_job_tables()


@pytest.fixture
def small_geography(db):
    """Five small postcode areas in two municipalities: a shared border, an overlap, a gap, an invalid bowtie."""
    import_postcode_areas(TEST_DATA / "small_areas.geojson")
    return {m.code: m for m in Municipality.objects.all()}


@pytest.fixture
def lapland_geography(db):
    import_postcode_areas(LAPLAND)


@pytest.fixture
def phenomena(db):
    call_command("loaddata", "fixtures/phenomena.json", verbosity=0)
    from geo_indi.observations.models import Phenomenon

    return {p.slug: p for p in Phenomenon.objects.all()}


@pytest.fixture
def make_member(db, django_user_model):
    """make_member(username, organisation, role) -> user with a membership."""

    def make(username, organisation, role=Membership.Role.FIELD_WORKER, password="pw-for-tests"):
        user = django_user_model.objects.create_user(username=username, password=password)
        Membership.objects.create(user=user, organisation=organisation, role=role)
        return user

    return make


@pytest.fixture
def organisations(small_geography):
    """Two organisations: Rovaniemi's (698) and Kemijärvi's (320)."""
    rovaniemi = Organisation.objects.create(name="Rovaniemi org", kind=Organisation.Kind.MUNICIPALITY)
    rovaniemi.municipalities.set([small_geography["698"]])
    kemijarvi = Organisation.objects.create(name="Kemijärvi org", kind=Organisation.Kind.NGO)
    kemijarvi.municipalities.set([small_geography["320"]])
    return {"698": rovaniemi, "320": kemijarvi}


@pytest.fixture
def parish(organisations):
    """A third organisation, a parish, that works in Rovaniemi (698) too: the one asked questions and involved in
    initiatives in the loop's tests."""
    org = Organisation.objects.create(name="Rovaniemi parish", kind=Organisation.Kind.PARISH)
    org.municipalities.set([organisations["698"].municipalities.get()])
    return org


@pytest.fixture
def users(organisations, make_member, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw-for-tests")
    return {
        "field_698": make_member("field698", organisations["698"]),
        "coord_698": make_member("coord698", organisations["698"], Membership.Role.COORDINATOR),
        "field_320": make_member("field320", organisations["320"]),
        "admin": admin,
    }


@pytest.fixture
def record(phenomena, users):
    """record(lat, lon, subject='person', user='field_698', **fields) through the one service."""
    from geo_indi.observations.services import record_observation

    def make(lat, lon, subject="person", user="field_698", phenomenon="yksinaisyys", **fields):
        data = {"phenomenon": phenomena[phenomenon], "subject": subject, "direction": "weakens", **fields}
        return record_observation(data, reporter=users[user], lat=lat, lon=lon).observation

    return make


def _statement_timeout(on: bool) -> None:
    """The web server's statement timeout (settings: DATABASE_STATEMENT_TIMEOUT_SECONDS) on or off for the
    connections opened from now on. Off only while the test database is created, migrated and dropped: a
    DROP DATABASE or a migration on a loaded machine may take longer than a request may, and a cancelled one
    would fail the run. Every test runs with the timeout, as the server does."""
    from django.conf import settings
    from django.db import connections

    timeout = f"-c statement_timeout={settings.DATABASE_STATEMENT_TIMEOUT_SECONDS * 1000}"
    options = settings.DATABASES["default"].setdefault("OPTIONS", {})
    words = [w for w in options.get("options", "").replace(timeout, "").split(" ") if w]
    options["options"] = " ".join(words + [timeout] if on else words)
    connections.close_all()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    _statement_timeout(False)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Only the throwaway test database trades durability for speed: its commits do not wait for the disk.

    The cluster itself keeps PostgreSQL's durability defaults (scripts/db.sh).
    """
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cur:
        cur.execute(f"ALTER DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])} SET synchronous_commit = off")
        cur.execute("SET synchronous_commit = off")
    with django_db_blocker.unblock():
        _statement_timeout(True)
    yield
    with django_db_blocker.unblock():
        _statement_timeout(False)


# --- Streamed responses a test did not read ----------------------------------------------
# A streamed download runs its query before the response starts, inside a transaction held by
# the stream (geo_indi.layers.streaming) until the response is closed. A server closes every
# response; Django's test client closes a streamed one only once its content has been read. A
# test that looks at the status alone left the stream to the garbage collector, which ended it
# at any later moment: inside another test's transaction (rolling back its fixtures, or leaving
# rows behind for the tests after it), or in the middle of a query on the same connection
# (a deadlock on psycopg's connection lock). So every streamed response the test client hands
# out is kept, and closed when the test ends, newest first, before its transaction is undone.

_unclosed_streams = []


def _closing_iterator_wrapper(iterable, close):
    closed = []

    def close_once():
        if not closed:
            closed.append(True)
            close()

    _unclosed_streams.append(close_once)
    return _django_closing_iterator_wrapper(iterable, close_once)


_django_closing_iterator_wrapper = django_test_client.closing_iterator_wrapper
django_test_client.closing_iterator_wrapper = _closing_iterator_wrapper


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item):
    while _unclosed_streams:
        close = _unclosed_streams.pop()
        request_finished.disconnect(close_old_connections)  # as the test client does around close()
        try:
            close()
        finally:
            request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def publication_always_current(settings, monkeypatch):
    """Published tables follow the data at once (tests of the refresh, test_publication_releases, set a delay):
    no year is frozen and a new release is not held back by the one it replaces (the tests of freezing and
    of the pair rule, test_publication_frozen, turn both on)."""
    from geo_indi.publication import tables

    settings.PUBLICATION_REFRESH_SECONDS = 0
    settings.PUBLICATION_FREEZE_AFTER_DAYS = None
    monkeypatch.setattr(tables, "PAIR_RULE", False)
