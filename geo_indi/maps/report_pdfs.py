"""Report PDFs made by the worker: the request enqueues (views.report_pdf), the job renders, the requester downloads.

WeasyPrint takes 5-14 s of CPU for one report, too long for a web request. `request_pdf` records what was
asked for (the query, its parsed filters, the language, what the viewer saw) and enqueues the job `report_pdf`
(geo_indi/jobs/tasks.py); `render` is the job's body: it builds the same request again (same user, or an
anonymous one, same query and language) and renders what the request itself would have rendered, refusing
when the requester's access is no longer what it was. Only the requester (the user, or the anonymous
session) reaches the progress page and the file; `purge_expired` (periodic job purge_report_pdfs) deletes
what has expired.
"""
import datetime as dt
import hashlib
import logging
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from geo_indi.areas.models import Municipality
from geo_indi.jobs import queue
from geo_indi.observations import suppression

from .models import ReportPdf

logger = logging.getLogger(__name__)

TASK = "report_pdf"
# How long a made PDF waits for its requester.
KEEP = dt.timedelta(hours=24)


def _requester(request: HttpRequest) -> dict[str, Any]:
    """The user, or the anonymous session (started here when there is none yet)."""
    if request.user.is_authenticated:
        return {"user": request.user, "session_key": ""}
    if not request.session.session_key:
        request.session.save()
    return {"user": None, "session_key": request.session.session_key}


def viewer_snapshot(viewer: Any) -> dict[str, Any]:
    """What decides the numbers a viewer sees, as JSON: compared again when the PDF is made."""
    viewer = suppression.Viewer.of(viewer)
    scope = viewer.scope if viewer.scope == suppression.EVERYWHERE else sorted(viewer.scope)
    return {"scope": scope, "members_only": viewer.members_only, "k": viewer.k}


def requests_of(request: HttpRequest) -> QuerySet[ReportPdf]:
    """The PDFs this requester asked for: a signed-in user's, or this anonymous session's."""
    if request.user.is_authenticated:
        return ReportPdf.objects.filter(user=request.user)
    key = request.session.session_key
    return ReportPdf.objects.filter(user=None, session_key=key) if key else ReportPdf.objects.none()


def request_pdf(request: HttpRequest, municipality: Municipality, filters: dict[str, str]) -> ReportPdf:
    """The waiting PDF of this very request by this requester, or a new one enqueued for the worker."""
    who = _requester(request)
    query = request.GET.urlencode()
    language = translation.get_language() or ""
    owner = f"user:{who['user'].pk}" if who["user"] else f"session:{who['session_key']}"
    key = hashlib.sha256("\n".join([owner, municipality.code, query, language]).encode()).hexdigest()
    pending = ReportPdf.objects.filter(request_key=key, state__in=ReportPdf.PENDING)
    existing = pending.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            report = ReportPdf.objects.create(
                **who, municipality=municipality, query=query, filters=filters, language=language,
                viewer=viewer_snapshot(request.viewer), request_key=key, expires_at=timezone.now() + KEEP)
            queue.defer(TASK, report_pk=str(report.pk))
    except IntegrityError:  # the same request, enqueued a moment ago by a parallel one
        return pending.get()
    return report


def ready(report: ReportPdf) -> bool:
    """May the requester download it: made, and not yet expired."""
    return report.state == ReportPdf.State.DONE and report.expires_at > timezone.now()


def progress(report: ReportPdf) -> ReportPdf:
    """The PDF as its progress page shows it: one whose job ended without writing the outcome (a worker killed
    mid-render, a job given up) is failed here."""
    if report.state in ReportPdf.PENDING and queue.job_status(TASK, report_pk=str(report.pk)) in queue.ENDED_BADLY:
        ReportPdf.objects.filter(pk=report.pk, state__in=ReportPdf.PENDING).update(
            state=ReportPdf.State.FAILED, finished_at=timezone.now(), message=_failed_message())
        report.refresh_from_db()
    return report


def _failed_message() -> str:
    return _("The PDF could not be made because of an unexpected error; the server log has the details.")


def _rebuilt_request(report: ReportPdf) -> HttpRequest:
    """The request as it was asked: the requester (or an anonymous visitor), the query, nothing else."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = reverse("maps:report-pdf", args=[report.municipality.code])
    request.GET = QueryDict(report.query)
    request.META = {"QUERY_STRING": report.query, "SERVER_NAME": "localhost", "SERVER_PORT": "80"}
    request.user = report.user if report.user is not None else AnonymousUser()
    request.viewer = suppression.Viewer(request.user)
    return request


def render(report_pk: str) -> None:
    """The job: make the PDF of a queued request. Every outcome is written on it, none is raised; a request that
    is not queued (made already, or expired and deleted) is left alone."""
    from .views import render_report_pdf  # the view's own rendering: the PDF is exactly what the request made

    if not ReportPdf.objects.filter(pk=report_pk, state=ReportPdf.State.QUEUED).update(state=ReportPdf.State.RUNNING):
        return
    report = ReportPdf.objects.select_related("municipality", "user").get(pk=report_pk)
    rows = ReportPdf.objects.filter(pk=report_pk)
    with translation.override(report.language or None):
        request = _rebuilt_request(report)
        if (report.user is not None and not report.user.is_active) or viewer_snapshot(request.viewer) != report.viewer:
            rows.update(state=ReportPdf.State.FAILED, finished_at=timezone.now(), message=_(
                "Your access to the observations changed after you asked for the PDF. Ask for it again."))
            return
        try:
            pdf = render_report_pdf(request, report.municipality)
        except Exception:
            logger.exception("Report PDF %s failed", report_pk)
            rows.update(state=ReportPdf.State.FAILED, finished_at=timezone.now(), message=_failed_message())
            return
    rows.update(state=ReportPdf.State.DONE, pdf=pdf, finished_at=timezone.now(), message="")


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete the PDFs past their expiry (a waiting one too: nobody is waiting for it any more). Returns how many."""
    deleted, _by_model = ReportPdf.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
