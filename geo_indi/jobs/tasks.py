"""Every background job of geo_indi, and the schedule of the periodic ones (declared here, once).

Run by `manage.py procrastinate worker` (scripts/serve.sh starts it beside gunicorn). Each job is
idempotent and safe to retry: the runs check their own state first, the release refresh holds
the year's advisory lock and compares digests, the periodic commands do what is due at the
moment they run (reminders and review requests remember whom they reached; a purge, a count
check and an export of a fixed day give the same result twice). Schedules are cron lines in UTC,
settings.JOB_SCHEDULES (JOB_SCHEDULE_<NAME> in the environment; empty turns a job off).
"""
import datetime as dt
import functools
import io
import logging

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections, connections
from django.utils import translation
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from .queue import PERIODIC, WORK

logger = logging.getLogger("geo_indi.jobs")

RETRY = RetryStrategy(max_attempts=3, wait=60)


def own_connections(function):
    """A job runs in a worker thread: it starts on a usable connection and closes it when done."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    return run


@app.task(name="refresh_release", queue=WORK, retry=RETRY)
@own_connections
def refresh_release(year: int, k: int) -> None:
    """The published tables of one year computed again (stale-while-revalidate, publication/tables.py)."""
    from geo_indi.publication.tables import refresh_release as refresh

    refresh(year, k)


@app.task(name="grouping_run", queue=WORK)
@own_connections
def grouping_run(run_pk: int, language: str) -> None:
    from geo_indi.analysis.grouping_runs import grouping_run as run

    with translation.override(language):
        run(run_pk)


@app.task(name="sotkanet_import_run", queue=WORK)
@own_connections
def sotkanet_import_run(run_pk: int, language: str) -> None:
    from geo_indi.indicators.import_runs import import_run

    with translation.override(language):  # the run's message in the language of whoever started it
        import_run(run_pk)


# --- The schedule ------------------------------------------------------------------------
# Each periodic job is the management command of the same name (the commands stay for a person at a
# terminal); the worker's log gets the command's output.

def _command(name: str, **options) -> None:
    out = io.StringIO()
    call_command(name, stdout=out, **options)
    for line in out.getvalue().splitlines():
        logger.info("%s: %s", name, line)


def periodic(name: str):
    """A periodic job: the schedule of settings.JOB_SCHEDULES[name], one waiting job at a time, retried."""
    cron = settings.JOB_SCHEDULES.get(name)

    def declare(function):
        task = app.task(name=name, queue=PERIODIC, queueing_lock=name, retry=RETRY, pass_context=False)(
            own_connections(function))
        if cron:
            app.periodic(cron=cron, periodic_id=name)(task)
        return task

    return declare


@periodic("publish_tables")
def publish_tables(timestamp: int) -> None:
    _command("publish_tables")


@periodic("remind_questions")
def remind_questions(timestamp: int) -> None:
    _command("remind_questions")


@periodic("request_initiative_reviews")
def request_initiative_reviews(timestamp: int) -> None:
    _command("request_initiative_reviews")


@periodic("purge_follow_up_notes")
def purge_follow_up_notes(timestamp: int) -> None:
    _command("purge_follow_up_notes")


@periodic("evaluate_alerts")
def evaluate_alerts(timestamp: int) -> None:
    _command("evaluate_alerts")


@periodic("check_counts")
def check_counts(timestamp: int) -> None:
    """Exits 1 (a failed job, in the admin's job list) when the summary differs from the records."""
    _command("check_counts")


@periodic("export_audit_log")
def export_audit_log(timestamp: int) -> None:
    """The audit events of the day before the scheduled time, to AUDIT_EXPORT_DIR/audit-YYYY-MM-DD.csv
    (written again whole on a retry)."""
    day = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).date() - dt.timedelta(days=1)
    directory = settings.AUDIT_EXPORT_DIR
    directory.mkdir(parents=True, exist_ok=True)
    _command("export_audit_log", since=day, until=day, output=str(directory / f"audit-{day.isoformat()}.csv"))
