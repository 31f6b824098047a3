"""Research access pages (/research/): the researcher's requests and form, the data owner's decisions, the download.
Thin: the rules and the log are in research/requests.py."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import requests
from .forms import DecisionForm, RequestForm
from .models import ResearchRequest


def _add_errors(form, exc: ValidationError) -> None:
    for field, messages in exc.message_dict.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


@login_required
def index(request):
    """A researcher's requests, their states and downloads, and the form for a new one."""
    if requests.is_data_owner(request.user) and not requests.may_request(request.user):
        return redirect("research:review")
    if not requests.may_request(request.user):
        raise PermissionDenied(_("Only researchers ask for research extracts."))
    form = RequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                req = requests.request_submit(requested_by=request.user, **form.service_arguments())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect(f"{request.path}#request-{req.pk}")
        status = 400
    mine = ResearchRequest.objects.filter(requested_by=request.user).prefetch_related("municipalities")
    return render(request, "research/index.html", {"form": form, "research_requests": mine}, status=status)


@login_required
def review(request):
    """The data owner's list: requests waiting for a decision, then those decided."""
    return _review_page(request)


def _review_page(request, failed: DecisionForm | None = None, failed_pk: int | None = None):
    """The review page; `failed` is the decision form of request `failed_pk` with its errors (answered 400)."""
    if not requests.is_data_owner(request.user):
        raise PermissionDenied(_("Only the data owner's coordinators decide on research requests."))
    every = list(ResearchRequest.objects.select_related("extract").prefetch_related("municipalities"))
    pending = [(r, failed if r.pk == failed_pk else DecisionForm(prefix=f"r{r.pk}"))
               for r in every if r.current_state == ResearchRequest.State.REQUESTED]
    decided = [r for r in every if r.current_state != ResearchRequest.State.REQUESTED]
    return render(request, "research/review.html", {"pending": pending, "decided": decided},
                  status=400 if failed is not None else 200)


@login_required
@require_POST
def decide(request, pk: int):
    req = get_object_or_404(ResearchRequest, pk=pk)
    form = DecisionForm(request.POST, prefix=f"r{pk}")
    if form.is_valid():
        try:
            requests.request_decide(request_pk=req.pk, decided_by=request.user,
                                    approve=form.cleaned_data["decision"] == "approve",
                                    reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("research:review")
    return _review_page(request, form, req.pk)


@login_required
def download(request, pk: int):
    get_object_or_404(ResearchRequest, pk=pk)
    path = requests.request_download(request_pk=pk, user=request.user)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name, content_type="application/zip")
