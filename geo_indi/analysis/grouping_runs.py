"""Grouping runs: started from the page, run by the worker (a job, geo_indi/jobs), progress kept on the GroupingRun."""
import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from geo_indi.accounts import roles
from geo_indi.jobs import queue
from geo_indi.observations.models import Observation

from .grouping import group_texts
from .models import GroupingRun, SuggestedGroup

logger = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(hours=1)
# The most recent descriptions grouped in one run (average linkage needs n² memory).
MAX_TEXTS = 3000


def may_group(user):
    return roles.is_administrator(user) or roles.is_coordinator(user)


def scope_of(user):
    """Observations with a description that this coordinator (or administrator) groups: what they may read,
    less those a person has already placed by confirming or merging a group."""
    placed = SuggestedGroup.objects.filter(
        status__in=[SuggestedGroup.Status.CONFIRMED, SuggestedGroup.Status.MERGED]).values("observations")
    return Observation.objects.visible_to(user).with_text().exclude(description="").exclude(pk__in=placed)


def runs_of(user):
    """Runs whose groups this user may decide: their organisation's (administrators: all)."""
    if roles.is_administrator(user):
        return GroupingRun.objects.all()
    org = roles.organisation_of(user)
    return GroupingRun.objects.filter(organisation=org) if org and roles.is_coordinator(user) else GroupingRun.objects.none()


def running_grouping(user):
    return runs_of(user).filter(status=GroupingRun.Status.RUNNING,
                                started_at__gte=timezone.now() - STALE_AFTER).first()


def grouping_start(*, user, deferred=True):
    """Record a run for the user's scope and enqueue it for the worker (deferred=False: run it here). Returns the run."""
    run = GroupingRun.objects.create(started_by=user, organisation=roles.organisation_of(user),
                                     message=_("Waiting for the background worker.") if deferred else "")
    if deferred:
        queue.defer(TASK, run_pk=run.pk, language=translation.get_language())
    else:
        grouping_run(run.pk)
    return run


TASK = "grouping_run"


def progress(run):
    """The run and its job's state for the progress page (jobs.queue.run_progress)."""
    return queue.run_progress(run, TASK, _("The grouping stopped on an unexpected error; the server log has the details."))


def grouping_run(run_pk):
    """Group the run's scope to its end; every outcome is written on the run, none is raised.
    Safe to run again: a run that has ended is left alone, and its groups are written in one transaction."""
    run = GroupingRun.objects.select_related("started_by").filter(pk=run_pk).first()
    if run is None or run.status != GroupingRun.Status.RUNNING:
        return
    runs = GroupingRun.objects.filter(pk=run_pk)
    runs.update(message="")
    try:
        rows = list(scope_of(run.started_by).order_by("-observed_on", "-id").values_list("id", "description")[:MAX_TEXTS])
        runs.update(step=1, observation_count=len(rows))
        groups = group_texts([text for _id, text in rows])
        runs.update(step=2)
        with transaction.atomic():
            for group in groups:
                ids = [rows[i][0] for i in group.members]
                suggested = SuggestedGroup.objects.create(run=run, shared_words=group.shared_words, member_order=ids)
                suggested.observations.set(ids)
    except Exception:
        logger.exception("Grouping run %s failed", run_pk)
        runs.update(status=GroupingRun.Status.FAILED, finished_at=timezone.now(),
                    message=_("The grouping stopped on an unexpected error; the server log has the details."))
        return
    runs.update(status=GroupingRun.Status.DONE, finished_at=timezone.now(), step=run.total_steps,
                message=_("%(groups)d group(s) suggested from %(texts)d description(s).") % {
                    "groups": len(groups), "texts": len(rows)})
