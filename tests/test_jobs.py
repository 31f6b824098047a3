"""The job queue (Procrastinate on PostgreSQL, geo_indi/jobs): web requests only enqueue, the worker runs."""
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from geo_indi.analysis.models import GroupingRun
from geo_indi.indicators.models import SotkanetImportRun
from geo_indi.jobs.models import JobFailure
from geo_indi.jobs.queue import WORK, defer, job_status, run_worker_until_idle
from geo_indi.jobs.tasks import job
from geo_indi.publication.models import PublishedRelease

from .conftest import JobWorker, _empty_job_tables

ROOT = Path(__file__).resolve().parents[1]
PERIODIC_JOBS = {"publish_tables", "remind_questions", "request_initiative_reviews", "purge_follow_up_notes",
                 "evaluate_alerts", "check_counts", "export_audit_log", "prune_jobs", "purge_report_pdfs"}


@job("tests_failing_job", queue=WORK)
def failing_job(note: str) -> None:
    """A job that fails with a message carrying its argument (as a failed job may carry a row's content)."""
    raise ValueError(f"could not file the note {note!r}")


@job("tests_succeeding_job", queue=WORK)
def succeeding_job(n: int) -> None:
    pass


def wait_until(condition, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_every_periodic_job_is_declared_once_with_the_schedule_of_the_settings():
    declared = {task.task.name: task.cron for task in app.periodic_registry.periodic_tasks.values()}
    assert declared == {name: settings.JOB_SCHEDULES[name] for name in PERIODIC_JOBS}
    assert settings.JOB_SCHEDULES["publish_tables"] == "*/10 * * * *"


def test_a_bad_schedule_stops_the_start_with_one_line():
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
                          env={**__import__("os").environ, "JOB_SCHEDULE_CHECK_COUNTS": "every sunday"})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "geo_indi refuses to start: JOB_SCHEDULE_CHECK_COUNTS='every sunday': use a cron line such as "
        "'*/10 * * * *', or empty to turn it off"]


@pytest.mark.django_db(transaction=True)
def test_no_web_request_starts_a_thread_the_runs_are_enqueued(client, users, settings):
    """Starting a grouping and a Sotkanet import from their pages leaves the serving process's threads as they
    were; each is a job for the worker, and the progress page says it waits."""
    _empty_job_tables()
    before = set(threading.enumerate())
    client.force_login(users["coord_698"])
    response = client.post("/analysis/groups/start/", HTTP_ACCEPT_LANGUAGE="en")
    grouping = GroupingRun.objects.get()
    assert response.status_code == 302
    client.force_login(users["admin"])
    response = client.post("/indicators/import/", {"indicators": "127", "years": "2020-2023"}, HTTP_ACCEPT_LANGUAGE="en")
    sotkanet = SotkanetImportRun.objects.get()
    assert response.status_code == 302
    assert set(threading.enumerate()) == before
    assert not [t for t in threading.enumerate() if t.daemon and t not in before]
    assert job_status("grouping_run", run_pk=grouping.pk) == "todo"
    assert job_status("sotkanet_import_run", run_pk=sotkanet.pk) == "todo"
    status = client.get(f"/indicators/import/{sotkanet.pk}/?format=json").json()
    assert status["status"] == "running" and status["message"] == "Waiting for the background worker."
    _empty_job_tables()


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_job_failed_is_shown_failed(client, users):
    """A worker killed mid-run, or a job given up: the progress page reads the job's state and says so."""
    _empty_job_tables()
    client.force_login(users["coord_698"])
    client.post("/analysis/groups/start/", HTTP_ACCEPT_LANGUAGE="en")
    run = GroupingRun.objects.get()
    with connection.cursor() as cur:  # as the worker records a job it gave up
        cur.execute("UPDATE procrastinate_jobs SET status = 'failed' WHERE task_name = 'grouping_run'")
    status = client.get(f"/analysis/groups/runs/{run.pk}/?format=json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert status["status"] == "failed" and "unexpected error" in status["message"]
    _empty_job_tables()


@pytest.mark.django_db(transaction=True)
def test_a_grouping_run_job_is_idempotent(users, job_worker):
    from geo_indi.analysis import grouping_runs

    run = grouping_runs.grouping_start(user=users["coord_698"])
    assert wait_until(lambda: job_status("grouping_run", run_pk=run.pk) == "succeeded")
    run.refresh_from_db()
    assert run.status == "done"
    finished = run.finished_at
    grouping_runs.grouping_run(run.pk)  # a retry of a run that has ended changes nothing
    run.refresh_from_db()
    assert run.finished_at == finished


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_schedule_without_cron(record, settings):
    """A worker with the schedule on enqueues what is due (publish_tables every 10 minutes: the latest tick is
    never more than 10 minutes old) and runs it: the year's release appears, no command was run by hand."""
    record(66.05, 25.1)
    assert not PublishedRelease.objects.exists()
    _empty_job_tables()
    worker = JobWorker(periodic=True).start()
    try:
        assert wait_until(lambda: ProcrastinateJob.objects.filter(task_name="publish_tables",
                                                                  status="succeeded").exists())
    finally:
        worker.stop()
    assert PublishedRelease.objects.exists()
    _empty_job_tables()


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_the_queue_and_the_worker(client, users):
    _empty_job_tables()
    client.force_login(users["coord_698"])
    client.post("/analysis/groups/start/", HTTP_ACCEPT_LANGUAGE="en")
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["cache"] == "ok"
    assert health["queue"]["waiting"] == 1 and health["queue"]["oldest_waiting_seconds"] >= 0
    assert health["worker"] == {"running": 0, "last_heartbeat_seconds": None}
    worker = JobWorker().start()
    try:
        assert wait_until(lambda: client.get("/healthz").json()["queue"]["waiting"] == 0)
        running = client.get("/healthz").json()["worker"]
        assert running["running"] == 1 and 0 <= running["last_heartbeat_seconds"] < 30
    finally:
        worker.stop()
    _empty_job_tables()


@pytest.mark.django_db(transaction=True)
def test_a_failed_job_is_listed_for_the_administrator_by_its_class_never_its_message(client, users, job_worker):
    note = "Matti Meikäläinen, Kittilä, kaipaa seuraa"
    job_id = defer("tests_failing_job", note=note)
    assert wait_until(lambda: job_status("tests_failing_job", note=note) == "failed")
    failure = JobFailure.objects.get()
    assert (failure.job_id, failure.task_name, failure.queue, failure.attempts, failure.exception_class) == (
        job_id, "tests_failing_job", "work", 1, "builtins.ValueError")
    client.force_login(users["admin"])
    listing = client.get("/admin/jobs/jobfailure/", HTTP_ACCEPT_LANGUAGE="fi")
    detail = client.get(f"/admin/jobs/jobfailure/{failure.pk}/change/", HTTP_ACCEPT_LANGUAGE="fi")
    for page in (listing, detail):
        assert page.status_code == 200
        text = page.content.decode()
        assert "builtins.ValueError" in text and "tests_failing_job" in text
        assert "Meikäläinen" not in text and "could not file" not in text
    assert "Epäonnistuneet taustatyöt" in listing.content.decode()
    # View only: nothing is changed or deleted from there.
    assert client.post(f"/admin/jobs/jobfailure/{failure.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/jobs/jobfailure/add/").status_code == 403
    # A job a retry made good is no longer a failed job.
    with connection.cursor() as cur:
        cur.execute("UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = %s", [job_id])
    assert "builtins.ValueError" not in client.get("/admin/jobs/jobfailure/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_prune_jobs_deletes_finished_jobs_older_than_the_retention_with_their_failures(settings):
    """Retention 14 days: jobs whose last event is 15 days old go, 13 days old stay; a job still waiting stays
    whatever its age; the recorded failure of a deleted job goes with it."""
    settings.JOB_RETENTION_DAYS = 14
    _empty_job_tables()
    old_failed, recent_failed = defer("tests_failing_job", note="old"), defer("tests_failing_job", note="recent")
    old_done, recent_done = defer("tests_succeeding_job", n=1), defer("tests_succeeding_job", n=2)
    run_worker_until_idle()
    waiting = app.configure_task(name="tests_succeeding_job", queue=WORK, schedule_in={"days": 30}).defer(n=3)
    with connection.cursor() as cur:
        cur.execute("UPDATE procrastinate_events SET at = at - interval '15 days' WHERE job_id = ANY(%s)",
                    [[old_failed, old_done, waiting]])
        cur.execute("UPDATE procrastinate_events SET at = at - interval '13 days' WHERE job_id = ANY(%s)",
                    [[recent_failed, recent_done]])
    assert set(JobFailure.objects.values_list("job_id", flat=True)) == {old_failed, recent_failed}
    prune = defer("prune_jobs", timestamp=0)
    run_worker_until_idle()
    assert job_status("prune_jobs") == "succeeded"
    mine = {old_failed, recent_failed, old_done, recent_done, waiting, prune}  # the worker's schedule adds its own
    assert set(ProcrastinateJob.objects.filter(id__in=mine).values_list("id", flat=True)) == {
        recent_failed, recent_done, waiting, prune}
    assert set(JobFailure.objects.values_list("job_id", flat=True)) == {recent_failed}
    _empty_job_tables()
