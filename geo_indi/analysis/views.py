"""Pages for coordinators: suggested groups and situation summaries. Rules live in the services."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from geo_indi.areas.models import Municipality
from geo_indi.core.errors import RequestError
from geo_indi.core.throttling import throttled
from geo_indi.observations.filters import parse_filters
from geo_indi.observations.models import Observation, Phenomenon

from .grouping import MIN_GROUP_SIZE

from . import grouping_runs, search, services, summaries, welfare_report
from .models import GroupDecision, GroupingRun, SituationSummary, SuggestedGroup, SummaryVersion


def _require_grouper(user):
    if not grouping_runs.may_group(user):
        raise PermissionDenied


def _error_text(exc):
    return " ".join(str(m) for m in (exc.messages if hasattr(exc, "messages") else [exc]))


def _active_phenomena():
    return Phenomenon.objects.filter(is_active=True).order_by("name_fi")


@login_required
def groups(request):
    _require_grouper(request.user)
    runs = grouping_runs.runs_of(request.user)
    latest = runs.filter(status=GroupingRun.Status.DONE, query="").first()
    open_groups = list(services.groups_open_to(request.user).filter(Q(run=latest) | ~Q(run__query=""))
                       .select_related("run")
                       .prefetch_related("observations__phenomenon", "observations__municipality",
                                         "observations__postcode_area"))
    for group in open_groups:
        group.suggested_name = services.suggested_name(group)
        group.members = services.members_typical_first(group)
        group.repeats = services.repeated_phenomenon(group)
    return render(request, "analysis/groups.html", {
        "latest": latest, "search_url": reverse("analysis:search"), "running": grouping_runs.running_grouping(request.user), "groups": open_groups,
        "phenomena": _active_phenomena(), "undoable": services.undoable_decisions(request.user),
        "undo_minutes": settings.GROUP_DECISION_UNDO_MINUTES,
        "decided": (GroupDecision.objects.filter(group__run__in=runs)
                    .select_related("group", "undoes", "phenomenon").order_by("-at", "-id")[:30]),
    })


SEARCH_RESULTS = 30


@login_required
def search_page(request):
    """Search the observations the coordinator may read by meaning; results can become a suggested group."""
    _require_grouper(request.user)
    query = request.GET.get("q", "").strip()[:search.QUERY_MAX]
    form, errors = parse_filters(request.GET)
    hits = []
    if query and not errors:
        found = search.search(request.user, query, limit=SEARCH_RESULTS, queryset=grouping_runs.scope_of(request.user),
                              filters=form.q())
        readable = Observation.objects.visible_to(request.user).filter(pk__in=[h.observation_id for h in found])
        details = {o.pk: o for o in readable.select_related("phenomenon", "municipality", "postcode_area")}
        hits = [{"hit": h, "observation": details[h.observation_id],
                 "pieces": search.segments(h.description, h.matched)} for h in found]
    return render(request, "analysis/search.html", {
        "query": query, "form": form, "errors": errors, "hits": hits, "searched": bool(query),
        "phenomena": _active_phenomena(), "min_group": MIN_GROUP_SIZE,
    }, status=400 if errors else 200)


@login_required
@require_POST
def search_group(request):
    _require_grouper(request.user)
    ids = [int(v) for v in request.POST.getlist("observation") if v.isdigit()]
    try:
        group = search.group_from_search(request.user, request.POST.get("q", ""), ids)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(f"{reverse('analysis:search')}?{request.POST.get('back', '')}")
    messages.success(request, _("The %(n)d observations you chose are now a suggested group: decide on it below.")
                     % {"n": group.observations.count()})
    return redirect(f"{reverse('analysis:groups')}#group-{group.pk}")


def _plan_request(request, group, data):
    """(plan, error message): the plan of a decision asked for in `data` (GET of the preview, POST of the decision)."""
    action = data.get("action", "")
    phenomenon = None
    if action == "merge" and data.get("phenomenon", "").isdigit():
        phenomenon = Phenomenon.objects.filter(pk=int(data["phenomenon"])).first()
    try:
        return services.decision_plan(group, user=request.user, action=action, phenomenon=phenomenon,
                                      name_fi=data.get("name_fi", "")), ""
    except ValidationError as exc:
        return None, _error_text(exc)


def _preview(request, group, plan, error="", status=200):
    return render(request, "analysis/group_preview.html", {
        "group": group, "plan": plan, "error": error, "undo_minutes": settings.GROUP_DECISION_UNDO_MINUTES,
        "name_sv": request.POST.get("name_sv", request.GET.get("name_sv", "")),
        "name_en": request.POST.get("name_en", request.GET.get("name_en", "")),
    }, status=status)


@login_required
def group_preview(request, pk):
    """What a decision would move, with the button that takes it: nothing changes on this page."""
    group = _group(request, pk)
    if group.status != SuggestedGroup.Status.OPEN:
        messages.error(request, _("This group has already been decided."))
        return redirect("analysis:groups")
    plan, error = _plan_request(request, group, request.GET)
    return _preview(request, group, plan, error, status=400 if error else 200)


@login_required
@require_POST
def group_decide(request, pk):
    group = _group(request, pk)
    action = request.POST.get("action")
    if action == "dismiss":
        try:
            services.group_dismiss(group, user=request.user)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.info(request, _("Group dismissed. You can undo it for %(minutes)d minutes.") % {
                "minutes": settings.GROUP_DECISION_UNDO_MINUTES})
        return redirect("analysis:groups")
    if group.status != SuggestedGroup.Status.OPEN:
        messages.error(request, _("This group has already been decided."))
        return redirect("analysis:groups")
    plan, error = _plan_request(request, group, request.POST)
    if error:
        return _preview(request, group, None, error, status=400)
    if request.POST.get("confirmed") != "yes" or not request.POST.get("fingerprint"):
        # A decision is taken only from its preview: show it (nothing has changed).
        return _preview(request, group, plan)
    try:
        if plan.action == "confirm":
            group = services.group_confirm_new(
                group, user=request.user, name_fi=plan.target_name, name_sv=request.POST.get("name_sv", ""),
                name_en=request.POST.get("name_en", ""), fingerprint=request.POST["fingerprint"])
            messages.success(request, _("New phenomenon %(name)s: %(n)d observation(s) moved to it.") % {
                "name": group.phenomenon.name, "n": len(group.moved)})
        else:
            group = services.group_merge(group, user=request.user, phenomenon=plan.target,
                                         fingerprint=request.POST["fingerprint"])
            messages.success(request, _("Merged into %(name)s: %(n)d observation(s) moved.") % {
                "name": plan.target.name, "n": len(group.moved)})
    except ValidationError as exc:
        plan, _error = _plan_request(request, group, request.POST)
        return _preview(request, group, plan, _error_text(exc), status=409)
    return redirect("analysis:groups")


@login_required
@require_POST
def group_undo(request, pk):
    group = _group(request, pk)
    try:
        undo, back, kept = services.group_undo(group, user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("analysis:groups")
    text = _("Decision undone: %(n)d observation(s) moved back; the group is open again.") % {"n": back}
    if kept:
        text += " " + _("%(n)d observation(s) stayed: they were moved since, or their phenomenon is no longer "
                        "in use.") % {"n": kept}
    messages.success(request, text)
    return redirect("analysis:groups")


@login_required
@require_POST
def grouping_start(request):
    _require_grouper(request.user)
    run = grouping_runs.running_grouping(request.user) or grouping_runs.grouping_start(user=request.user)
    return redirect("analysis:grouping-run", pk=run.pk)


@login_required
def grouping_run(request, pk):
    _require_grouper(request.user)
    run = get_object_or_404(grouping_runs.runs_of(request.user), pk=pk)
    if request.GET.get("format") == "json":
        return JsonResponse(grouping_runs.progress(run))
    grouping_runs.progress(run)
    return render(request, "analysis/grouping_run.html", {"run": run})


def _group(request, pk):
    _require_grouper(request.user)
    return get_object_or_404(SuggestedGroup.objects.filter(run__in=grouping_runs.runs_of(request.user)), pk=pk)


def _municipality(code):
    return get_object_or_404(Municipality, code=code)


def summary_list(request, code):
    municipality = _municipality(code)
    editor = summaries.may_edit(request.user, municipality)
    this_year = timezone.localdate().year
    return render(request, "analysis/summaries.html", {
        "municipality": municipality, "shown": summaries.summaries_shown_to(request.user, municipality),
        "editor": editor, "years": list(range(this_year, this_year - 6, -1)), "default_year": this_year - 1,
        "draft_languages": summaries.language_choices(), "current_language": translation.get_language(),
        "may_read_report": welfare_report.may_read(request.user, municipality),
    })


@login_required
@require_POST
def summary_draft(request, code):
    municipality = _municipality(code)
    try:
        version = summaries.summary_draft(user=request.user, municipality=municipality,
                                          year=int(request.POST.get("year", "")),
                                          language=request.POST.get("language", ""))
    except (ValidationError, ValueError) as exc:
        messages.error(request, _error_text(exc) if isinstance(exc, ValidationError) else _("Give a year."))
        return redirect("analysis:summaries", code=code)
    return redirect("analysis:summary", pk=version.summary_id)


def _summary(request, pk):
    summary = get_object_or_404(SituationSummary.objects.select_related("municipality"), pk=pk)
    editor = summaries.may_edit(request.user, summary.municipality)
    if not editor and summary.approved_version is None:
        raise Http404(_("No approved summary."))
    return summary, editor


def summary_detail(request, pk):
    summary, editor = _summary(request, pk)
    versions = list(summary.versions.select_related("created_by", "approved_by")) if editor else []
    latest, approved = (summary.latest_version if editor else None), summary.approved_version
    return render(request, "analysis/summary.html", {
        "summary": summary, "editor": editor, "versions": versions, "latest": latest, "approved": approved,
        "latest_figures": summaries.figure_rows(latest, insider=True) if latest else [],
        "approved_figures": summaries.figure_rows(approved, insider=False) if approved else [],
        "k": request.viewer.k,
    })


@login_required
@require_POST
def summary_edit(request, pk):
    summary, _editor = _summary(request, pk)
    try:
        summaries.summary_edit(summary, user=request.user, text=request.POST.get("text", ""))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Saved as a new version."))
    return redirect("analysis:summary", pk=summary.pk)


@login_required
@require_POST
def summary_approve(request, pk):
    summary, _editor = _summary(request, pk)
    version_id = request.POST.get("version", "")
    if not version_id.isascii() or not version_id.isdigit():
        raise RequestError(_("Bad request."), field="version")
    version = get_object_or_404(SummaryVersion, summary=summary, pk=int(version_id))
    summaries.summary_approve(version, user=request.user)
    messages.success(request, _("Version %(n)d approved; others see it now.") % {"n": version.number})
    return redirect("analysis:summary", pk=summary.pk)


def summary_export(request, pk):
    summary, _editor = _summary(request, pk)
    version = summary.approved_version
    if version is None:
        raise Http404(_("No approved summary."))
    response = HttpResponse(
        summaries.summary_docx(version),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = (
        f'attachment; filename="tilannekuva-{summary.municipality.code}-{summary.year}-{summary.language}.docx"')
    return response


COUNTY = "lappi"  # the county's chapter: /analysis/municipalities/lappi/welfare-report/


def _welfare_request(request, code):
    """(municipality or None for the county, year, language) of a welfare report request, checked."""
    municipality = None if code == COUNTY else _municipality(code)
    if not welfare_report.may_read(request.user, municipality):
        raise PermissionDenied
    years = welfare_report.years_offered(timezone.localdate())
    raw_year = request.GET.get("year", str(years[1]))
    if not raw_year.isdigit() or int(raw_year) not in years:
        raise RequestError(_("Choose a year from %(first)d to %(last)d.") % {"first": years[-1], "last": years[0]},
                           field="year", drop=["year"])
    language = request.GET.get("language", translation.get_language())
    if language not in summaries.LANGUAGES:
        raise RequestError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(summaries.LANGUAGES)},
                           field="language", drop=["language"])
    return municipality, int(raw_year), language


@login_required
def welfare_report_page(request, code):
    municipality, year, language = _welfare_request(request, code)
    chapter = welfare_report.chapter(municipality, year, language)
    with translation.override(language):
        text = welfare_report.texts(chapter)
    return render(request, "analysis/welfare_report.html", {
        "chapter": chapter, "text": text, "code": code, "years": welfare_report.years_offered(timezone.localdate()),
        "languages": summaries.language_choices(),
        "query": f"year={year}&language={language}",
    })


@login_required
def welfare_report_docx(request, code):
    municipality, year, language = _welfare_request(request, code)
    chapter = welfare_report.chapter(municipality, year, language)
    response = HttpResponse(welfare_report.chapter_docx(chapter), content_type=(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
    response["Content-Disposition"] = f'attachment; filename="{chapter.filename}.docx"'
    return response


@login_required
@throttled("pdf")  # a two-page chapter is made in the request (seconds); the map report's PDFs go to the worker
def welfare_report_pdf(request, code):
    municipality, year, language = _welfare_request(request, code)
    chapter = welfare_report.chapter(municipality, year, language)
    response = HttpResponse(welfare_report.chapter_pdf(chapter), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{chapter.filename}.pdf"'
    return response
