"""The suite's frozen clock: every test runs at one fixed instant (tests/conftest.py: frozen_clock).

The instant is DEFAULT_INSTANT, or noon (Helsinki) of the date in the environment variable
GEO_INDI_TEST_DATE (YYYY-MM-DD, or a full ISO 8601 instant) — scripts/run-tests.sh re-runs the
calendar-sensitive tests (`-m calendar`) at CALENDAR_DATES that way. A test pins its own instant with
`@pytest.mark.clock("2027-01-01")` (then the variable does not move it). The clock ticks from the
instant (tick=True), so durations and timeouts behave as in real life.

Module-level constants of a test module take the instant from here (FROZEN_NOW, FROZEN_TODAY), never
from timezone.now() at import time, when the clock is not frozen yet.
"""
import datetime as dt
import os
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")  # settings.TIME_ZONE
# A Friday near the time the date-sensitive tests were written: 2026 is "this year", winter 2025–26 the last one.
DEFAULT_INSTANT = dt.datetime(2026, 11, 27, 12, 0, tzinfo=HELSINKI)
ENV_VAR = "GEO_INDI_TEST_DATE"
# The dates CI re-runs `-m calendar` at: New Year's Day, a winter's first day, a leap day.
CALENDAR_DATES = ("2027-01-01", "2026-12-01", "2028-02-29")


def instant(value: str | None) -> dt.datetime:
    """A date (noon in Helsinki) or an ISO 8601 instant (naive: Helsinki) as an aware datetime."""
    if not value:
        return DEFAULT_INSTANT
    value = value.strip()
    try:
        if len(value) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(12, 0), tzinfo=HELSINKI)
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{ENV_VAR} / clock(): {value!r} is not YYYY-MM-DD or an ISO 8601 instant") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=HELSINKI)


FROZEN_NOW = instant(os.environ.get(ENV_VAR))
FROZEN_TODAY = FROZEN_NOW.astimezone(HELSINKI).date()
