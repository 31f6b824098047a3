"""Sotkanet imports started from the app: run in a background thread, progress kept in SotkanetImportRun."""
import datetime as dt
import logging
import threading

from django.db import close_old_connections, connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import SotkanetImportRun
from .sotkanet import HttpSource, SotkanetError, import_indicators, import_steps

logger = logging.getLogger(__name__)

# A run that has not finished after this long is taken as dead (the server restarted mid-import).
STALE_AFTER = dt.timedelta(hours=1)


def running_import():
    return SotkanetImportRun.objects.filter(status=SotkanetImportRun.Status.RUNNING,
                                           started_at__gte=timezone.now() - STALE_AFTER).first()


def import_start(*, user, indicator_ids, years, in_thread=True):
    """Record a run and start it. Returns the run."""
    run = SotkanetImportRun.objects.create(started_by=user, indicator_ids=indicator_ids, years=years,
                                           total_steps=import_steps(indicator_ids))
    if in_thread:
        threading.Thread(target=_run_in_thread, args=(run.pk, translation.get_language()), daemon=True,
                         name=f"sotkanet-import-{run.pk}").start()
    else:
        import_run(run.pk)
    return run


def _run_in_thread(run_pk, language):
    close_old_connections()
    try:
        with translation.override(language):  # the run's message in the language of whoever started it
            import_run(run_pk)
    finally:
        connection.close()


def import_run(run_pk, source=None):
    """Run one recorded import to its end; every outcome is written on the run, none is raised."""
    run = SotkanetImportRun.objects.get(pk=run_pk)
    runs = SotkanetImportRun.objects.filter(pk=run_pk)

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
