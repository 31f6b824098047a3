"""The research app's background job (discovered by Procrastinate like geo_indi/jobs/tasks.py's)."""
from geo_indi.jobs.queue import WORK
from geo_indi.jobs.tasks import RETRY, job

from .requests import TASK


@job(TASK, queue=WORK, retry=RETRY)
def research_extract_build(request_pk: int) -> None:
    """An approved research request's package, built once (a second run finds it done)."""
    from .requests import request_extract_build

    request_extract_build(request_pk)
