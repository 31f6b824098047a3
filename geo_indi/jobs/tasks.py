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
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections, connections
from django.utils import timezone, translation
from procrastinate import JobContext, RetryStrategy
from procrastinate.jobs import Job
from procrastinate.tasks import Task
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from .queue import PERIODIC, WORK, prune_finished_jobs

logger = logging.getLogger("geo_indi.jobs")

RETRY = RetryStrategy(max_attempts=3, wait=60)


def record_failure(failed: Job, error: BaseException) -> None:
    """The failure of this attempt of the job, by the exception's class only (its message can carry a row's content),
    for the admin's list of failed jobs. A failure to record it is logged and never hides the job's own error."""
    from .models import JobFailure

    cls = type(error)
    assert failed.id is not None  # a job being run has been saved
    try:
        JobFailure.objects.update_or_create(job_id=failed.id, defaults={
            "task_name": failed.task_name, "queue": failed.queue, "attempts": failed.attempts + 1,
            "exception_class": f"{cls.__module__}.{cls.__qualname__}", "failed_at": timezone.now()})
    except Exception:  # the database may be why the job failed
        logger.exception("job %s (%s): its failure could not be recorded", failed.id, failed.task_name)


def job(name: str, **options: Any) -> Callable[[Callable[..., None]], Task]:
    """Every task of geo_indi is declared through this: a Procrastinate task that runs on a usable connection of its
    own (a job runs in a worker thread), closes it when done, and records the class of a failure (JobFailure)."""

    def declare(function: Callable[..., None]) -> Task:
        @functools.wraps(function)
        def run(context: JobContext, *args: Any, **kwargs: Any) -> None:
            close_old_connections()
            try:
                function(*args, **kwargs)
            except BaseException as error:
                if context.job is not None and context.job.id is not None:
                    record_failure(context.job, error)
                raise
            finally:
                connections.close_all()

        return app.task(name=name, pass_context=True, **options)(run)

    return declare


@job("refresh_release", queue=WORK, retry=RETRY)
def refresh_release(year: int, k: int) -> None:
    """The published tables of one year computed again (stale-while-revalidate, publication/tables.py)."""
    from geo_indi.publication.tables import refresh_release as refresh

    refresh(year, k)


@job("grouping_run", queue=WORK)
def grouping_run(run_pk: int, language: str) -> None:
    from geo_indi.analysis.grouping_runs import grouping_run as run

    with translation.override(language):
        run(run_pk)


@job("sotkanet_import_run", queue=WORK)
def sotkanet_import_run(run_pk: int, language: str) -> None:
    from geo_indi.indicators.import_runs import import_run

    with translation.override(language):  # the run's message in the language of whoever started it
        import_run(run_pk)


@job("report_pdf", queue=WORK)
def report_pdf(report_pk: str) -> None:
    """A municipality report PDF asked for on the map (maps/report_pdfs.py); its outcome is written on the request."""
    from geo_indi.maps.report_pdfs import render

    render(report_pk)


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
        task = job(name, queue=PERIODIC, queueing_lock=name, retry=RETRY)(function)
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


@periodic("purge_report_pdfs")
def purge_report_pdfs(timestamp: int) -> None:
    """Report PDFs past their expiry deleted (maps/report_pdfs.py: kept 24 hours for their requester)."""
    _command("purge_report_pdfs")


@periodic("prune_jobs")
def prune_jobs(timestamp: int) -> None:
    """Finished jobs (succeeded, failed, cancelled, aborted) whose last event is more than JOB_RETENTION_DAYS old
    deleted with their events, by the query of Procrastinate's own builtin `remove_old_jobs`, and the recorded
    failures of jobs no longer there. Idempotent: a second run finds nothing more to delete."""
    from .models import JobFailure

    prune_finished_jobs(hours=settings.JOB_RETENTION_DAYS * 24)
    JobFailure.objects.exclude(job_id__in=ProcrastinateJob.objects.values("id")).delete()
