"""The schedule seen working without cron (issue 24): the worker command of scripts/serve.sh, as its own process
against the test database, defers what is due and runs it: a question reminder is sent and recorded, and a stale
release is computed again.

The worker runs on the test's clock: its process starts at the test's frozen instant (time-machine, ticking), so
"today" for the reminder and the tick of each schedule are the test's, never the wall clock's."""
import datetime as dt
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from geo_indi.publication.models import PublishedRelease
from geo_indi.publication.tables import publish_release

from .conftest import INSIDE_ALFA, _empty_job_tables
from .test_jobs import wait_until
from .test_loop import ask, people  # noqa: F401 - fixtures (parish is in conftest)

ROOT = Path(__file__).resolve().parents[1]
DUE = {"remind_questions", "publish_tables"}
# The worker process on a clock that starts at argv[1] and ticks; then manage.py with the rest of argv.
ON_THE_TESTS_CLOCK = (
    "import runpy, sys, time_machine; time_machine.travel(sys.argv[1], tick=True).start(); "
    "sys.argv = sys.argv[2:]; runpy.run_path('manage.py', run_name='__main__')"
)


def serve_worker_command():
    """The worker line of scripts/serve.sh, as the arguments of manage.py (its default concurrency)."""
    line = next(line for line in (ROOT / "scripts" / "serve.sh").read_text().splitlines()
                if line.startswith('"$PY" manage.py procrastinate worker'))
    arguments = line.split("manage.py", 1)[1].rstrip(" &").strip()
    arguments = re.sub(r'"\$\{GEO_INDI_WORKER_CONCURRENCY:-(\d+)\}"', r"\1", arguments)
    return ["manage.py", *arguments.split()]


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_sends_a_due_reminder_and_refreshes_a_stale_release_without_cron(
        tmp_path, people, phenomena, organisations, parish, record):  # noqa: F811
    people["parish_worker"].email = "pw@example.org"
    people["parish_worker"].save()
    today = timezone.localdate()  # the frozen clock's
    question = ask(people, phenomena, organisations, parish, closes_on=today + dt.timedelta(days=2))
    record(*INSIDE_ALFA)
    stale = publish_release(today.year).release
    record(*INSIDE_ALFA)  # the release no longer counts every observation
    _empty_job_tables()

    test_db = settings.DATABASES["default"]
    schedules = {f"JOB_SCHEDULE_{name.upper()}": ("* * * * *" if name in DUE else "") for name in settings.JOB_SCHEDULES}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JOB_SCHEDULE_"))}
    env.update(schedules, DATABASE_URL=f"postgis://{test_db['USER']}@{test_db['HOST']}:{test_db['PORT']}/{test_db['NAME']}",
               EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    if test_db.get("PASSWORD"):
        env["PGPASSWORD"] = test_db["PASSWORD"]
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        worker = subprocess.Popen([sys.executable, "-c", ON_THE_TESTS_CLOCK, timezone.now().isoformat(),
                                   *serve_worker_command()], cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            done = wait_until(lambda: set(ProcrastinateJob.objects.filter(status="succeeded")
                                          .values_list("task_name", flat=True)) >= DUE or worker.poll() is not None)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
    output = log_path.read_text()
    assert done and worker.returncode is not None, output[-3000:]
    jobs = {(job.task_name, job.status) for job in ProcrastinateJob.objects.all()}
    assert {("remind_questions", "succeeded"), ("publish_tables", "succeeded")} <= jobs, (jobs, output[-3000:])
    assert not {name for name, _ in jobs} - DUE  # the schedules turned off deferred nothing

    question.refresh_from_db()
    assert question.reminded_on == today
    assert "To: pw@example.org" in output and question.text in output
    current = PublishedRelease.objects.filter(year=today.year, k=stale.k, complementary=stale.complementary,
                                              structure_digest=stale.structure_digest).latest("computed_at")
    assert current.data_digest != stale.data_digest and current.computed_at > stale.computed_at
    _empty_job_tables()
