"""The job queue (Procrastinate on PostgreSQL): enqueue by task name, read a job's state.

Web requests only enqueue; `manage.py procrastinate worker` runs the jobs (geo_indi/jobs/tasks.py).
This module imports no task, so the modules whose work the tasks run (publication, analysis,
indicators) can enqueue without an import cycle.
"""
import asyncio
import threading
import json
import logging
from typing import Any

from django.db import connection
from django.utils import timezone
from procrastinate import exceptions as procrastinate_exceptions
from procrastinate import sql as procrastinate_sql
from procrastinate.contrib.django import app

logger = logging.getLogger("geo_indi.jobs")

# The queues: one for work a person asked for (runs, refreshes), one for the schedule.
WORK = "work"
PERIODIC = "periodic"
# A job still waiting or running: the progress pages say so.
WAITING, RUNNING = "todo", "doing"
ENDED_BADLY = frozenset({"failed", "cancelled", "aborted"})
FINISHED = ("succeeded", *sorted(ENDED_BADLY))


def defer(task_name: str, *, queueing_lock: str | None = None, **kwargs: Any) -> int | None:
    """Enqueue task_name(**kwargs) in this transaction (it is run only if the transaction commits).

    With a queueing_lock, a job of that lock already waiting is enough: None, nothing enqueued."""
    try:
        return app.configure_task(name=task_name, queueing_lock=queueing_lock, queue=WORK).defer(**kwargs)
    except procrastinate_exceptions.AlreadyEnqueued:
        return None


def job_status(task_name: str, **args: Any) -> str | None:
    """The status of the newest job of task_name with these arguments (None: no such job)."""
    with connection.cursor() as cur:
        cur.execute("SELECT status FROM procrastinate_jobs WHERE task_name = %s AND args @> %s::jsonb "
                    "ORDER BY id DESC LIMIT 1", [task_name, json.dumps(args)])
        row = cur.fetchone()
    return row[0] if row else None


def run_progress(run: Any, task_name: str, failed_message: str) -> dict:
    """A run row (GroupingRun, SotkanetImportRun: status, step, total_steps, percent, message) as its progress
    page shows it, read with its job's state: a job that ended without writing the outcome on the run (a worker
    killed mid-run, a job given up after its retries) fails the run with failed_message."""
    model = type(run)
    if run.status == model.Status.RUNNING and job_status(task_name, run_pk=run.pk) in ENDED_BADLY:
        model.objects.filter(pk=run.pk, status=model.Status.RUNNING).update(
            status=model.Status.FAILED, finished_at=timezone.now(), message=failed_message)
        run.refresh_from_db()
    return {"status": run.status, "status_display": run.get_status_display(), "step": run.step,
            "total_steps": run.total_steps, "percent": run.percent, "message": run.message}


def prune_finished_jobs(*, hours: int) -> None:
    """Delete finished jobs whose last event is older than `hours` (their events go with them): Procrastinate's
    own query, the one its builtin task remove_old_jobs runs, here on Django's connection (a job is sync)."""
    with connection.cursor() as cur:
        cur.execute(procrastinate_sql.queries["delete_old_jobs"],
                    {"nb_hours": hours, "queue": None, "statuses": list(FINISHED)})


def queue_health() -> dict:
    """What /healthz says of the queue and the workers: waiting jobs, the oldest one's age, the newest heartbeat."""
    with connection.cursor() as cur:
        cur.execute("""
            SELECT count(*), extract(epoch FROM now() - min(coalesce(j.scheduled_at, d.at)))
              FROM procrastinate_jobs j
              LEFT JOIN LATERAL (SELECT min(at) AS at FROM procrastinate_events e
                                  WHERE e.job_id = j.id AND e.type = 'deferred') d ON true
             WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())
        """)
        waiting, oldest = cur.fetchone()
        cur.execute("SELECT count(*), extract(epoch FROM now() - max(last_heartbeat)) FROM procrastinate_workers")
        workers, heartbeat = cur.fetchone()
    return {
        "queue": {"waiting": waiting, "oldest_waiting_seconds": _seconds(oldest)},
        "worker": {"running": workers, "last_heartbeat_seconds": _seconds(heartbeat)},
    }


def _seconds(value):
    return None if value is None else round(max(float(value), 0.0), 1)


def run_worker_until_idle(queues: list[str] | None = None) -> None:
    """Run a worker in this process until no job is waiting (tests, and `manage.py run_jobs --once`)."""
    worker_app = app.with_connector(app.connector.get_worker_connector())
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop runs in this thread: the usual case
        asyncio.run(_run(worker_app, queues))
        return
    # A loop already runs here (e.g. Playwright's sync API in a test session): run the worker's own loop beside it.
    failures: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(_run(worker_app, queues))
        except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
            failures.append(error)

    thread = threading.Thread(target=run, name="run-worker-until-idle")
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


async def _run(worker_app, queues):
    async with worker_app.open_async():
        await worker_app.run_worker_async(queues=queues or [WORK, PERIODIC], wait=False,
                                          install_signal_handlers=False, listen_notify=False)
