"""Sotkanet imports started from the app: run by the worker (a job, geo_indi/jobs), progress kept in SotkanetImportRun."""
import datetime as dt
import logging

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from geo_indi.jobs import queue

from .models import SotkanetImportRun
from .sotkanet import HttpSource, SotkanetError, import_indicators, import_steps

logger = logging.getLogger(__name__)

# A run that has not finished after this long is taken as dead (the server restarted mid-import).
STALE_AFTER = dt.timedelta(hours=1)


def running_import():
    return SotkanetImportRun.objects.filter(status=SotkanetImportRun.Status.RUNNING,
                                           started_at__gte=timezone.now() - STALE_AFTER).first()


def import_start(*, user, indicator_ids, years, deferred=True):
    """Record a run and enqueue it for the worker (deferred=False: run it here). Returns the run."""
    run = SotkanetImportRun.objects.create(started_by=user, indicator_ids=indicator_ids, years=years,
                                           total_steps=import_steps(indicator_ids),
                                           message=_("Waiting for the background worker.") if deferred else "")
    if deferred:
        queue.defer(TASK, run_pk=run.pk, language=translation.get_language())
    else:
        import_run(run.pk)
    return run


TASK = "sotkanet_import_run"


def progress(run):
    """The run and its job's state for the progress page (jobs.queue.run_progress)."""
    return queue.run_progress(run, TASK, _("The import stopped on an unexpected error. Nothing was imported; the server log has the details."))


def import_run(run_pk, source=None):
    """Run one recorded import to its end; every outcome is written on the run, none is raised.
    Safe to run again: a run that has ended is left alone (the import itself writes values idempotently)."""
    run = SotkanetImportRun.objects.filter(pk=run_pk).first()
    if run is None or run.status != SotkanetImportRun.Status.RUNNING:
        return
    runs = SotkanetImportRun.objects.filter(pk=run_pk)
    runs.update(message="")

    def progress(step, _what):
        runs.update(step=step)

    try:
        report = import_indicators(run.indicator_ids, run.years, source or HttpSource(), progress=progress)
    except SotkanetError as exc:
        runs.update(status=SotkanetImportRun.Status.FAILED, finished_at=timezone.now(),
                    message=_("%(error)s. Nothing was imported; the data already here is unchanged.") % {"error": exc})
        return
    except Exception:
        logger.exception("Sotkanet import run %s failed", run_pk)
        runs.update(status=SotkanetImportRun.Status.FAILED, finished_at=timezone.now(),
                    message=_("The import stopped on an unexpected error. Nothing was imported; the server log has the details."))
        return
    runs.update(status=SotkanetImportRun.Status.DONE, finished_at=timezone.now(), step=run.total_steps,
                message=_("Imported %(indicators)d indicator(s) and %(values)d value(s); skipped %(outside)d outside "
                          "the imported municipalities and %(empty)d without a number.") % {
                    "indicators": report.indicators, "values": report.values_written,
                    "outside": report.values_outside_coverage, "empty": report.values_without_number})
