"""The suite's frozen clock (tests/clock.py, the autouse fixture frozen_clock in tests/conftest.py)."""
import datetime as dt
import os
import time

import pytest
from django.utils import timezone

from tests import clock


@pytest.mark.calendar
def test_the_clock_is_frozen_at_the_suites_instant(frozen_clock):
    expected = clock.instant(os.environ.get(clock.ENV_VAR))
    assert frozen_clock.now == expected == clock.FROZEN_NOW
    assert dt.date.today() == timezone.localdate() == clock.FROZEN_TODAY == frozen_clock.today
    # It ticks from there (tick=True), but not by much during one test.
    assert dt.timedelta(0) <= timezone.now() - expected < dt.timedelta(minutes=1)
    assert abs(time.time() - expected.timestamp()) < 60


def test_without_the_variable_the_default_instant():
    assert clock.instant(None) == clock.instant("") == clock.DEFAULT_INSTANT
    assert clock.instant("2028-02-29") == dt.datetime(2028, 2, 29, 12, tzinfo=clock.HELSINKI)
    assert clock.instant("2027-01-01T00:30") == dt.datetime(2027, 1, 1, 0, 30, tzinfo=clock.HELSINKI)
    with pytest.raises(ValueError, match="GEO_INDI_TEST_DATE"):
        clock.instant("1.1.2027")


@pytest.mark.clock("2028-02-29")
def test_a_test_pins_its_own_date():
    assert dt.date.today() == timezone.localdate() == dt.date(2028, 2, 29)
    assert dt.datetime.now().date() == dt.date(2028, 2, 29)


@pytest.mark.clock("2026-12-31T23:59:59")
def test_the_clock_can_be_moved_inside_a_test(frozen_clock):
    assert timezone.localdate() == dt.date(2026, 12, 31)
    frozen_clock.move_to("2027-01-01")
    assert timezone.localdate() == dt.date(2027, 1, 1) == frozen_clock.today


def test_another_thread_sees_the_frozen_clock(frozen_clock):
    """The live server of the browser tests runs in a thread of this process: it reads the same frozen time."""
    import threading

    seen = []
    thread = threading.Thread(target=lambda: seen.append(timezone.localdate()))
    thread.start()
    thread.join()
    assert seen == [frozen_clock.today]
