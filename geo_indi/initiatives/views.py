"""The initiative pages: create and edit (coordinators of the municipality), and the initiative's page."""
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_indi.areas.models import Municipality
from geo_indi.observations.models import Phenomenon
from geo_indi.observations.suppression import viewer_of
from geo_indi.questions import access

from . import services
from .forms import InitiativeForm
from .models import Initiative
from .trend import initiative_trend, verdict_of


def _preset(request: HttpRequest) -> dict[str, Any]:
    """?municipality=<code>&phenomenon=<id>: where the form was opened (municipality or phenomenon section)."""
    code, phenomenon = request.GET.get("municipality", ""), request.GET.get("phenomenon", "")
    return {
        "municipality": Municipality.objects.filter(code=code).first() if code else None,
        "phenomenon": Phenomenon.objects.filter(pk=int(phenomenon), is_active=True).first()
        if phenomenon.isdigit() else None,
    }


def _save(request: HttpRequest, form: InitiativeForm, save: Any) -> Initiative | None:
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(**form.service_arguments())
    except ValidationError as exc:
        form.add_service_errors(exc.message_dict)
    return None


def _form_page(request: HttpRequest, form: InitiativeForm, initiative: Initiative | None) -> HttpResponse:
    return render(request, "initiatives/form.html", {"form": form, "initiative": initiative},
                  status=400 if request.method == "POST" else 200)


@login_required
def new(request: HttpRequest) -> HttpResponse:
    if not access.may_create_initiative(request.user):
        raise PermissionDenied(_("Only coordinators and administrators create initiatives."))
    form = InitiativeForm(request.POST or None, user=request.user, **_preset(request))
    initiative = _save(request, form, lambda **fields: services.initiative_create(created_by=request.user, **fields))
    if initiative is not None:
        return redirect("initiatives:detail", pk=initiative.pk)
    return _form_page(request, form, None)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = get_object_or_404(services.initiatives_visible_to(request.user), pk=pk)
    if not services.may_edit(request.user, initiative):
        raise PermissionDenied(_("Only coordinators of an organisation working in the municipality manage its "
                                 "initiatives."))
    form = InitiativeForm(request.POST or None, user=request.user, initiative=initiative)
    saved = _save(request, form, lambda **fields: services.initiative_update(
        initiative=initiative, updated_by=request.user, **fields))
    if saved is not None:
        return redirect("initiatives:detail", pk=saved.pk)
    return _form_page(request, form, initiative)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = (services.initiatives_visible_to(request.user).select_related("organisation")
                  .prefetch_related("phenomena", "municipalities", "postcode_areas", "responsible_organisations",
                                    "reviews", "measures").filter(pk=pk).first())
    if initiative is None:
        raise Http404(_("No such initiative."))
    today = timezone.localdate()
    trend = initiative_trend(initiative, viewer_of(request), today)
    return render(request, "initiatives/detail.html", {
        "initiative": initiative, "trend": trend, "chart": trend.chart_data(),
        "answers": [(a, verdict_of(a)) for a in trend.answers],
        "next_review_on": services.next_review_on(initiative, today),
        "may_edit": services.may_edit(request.user, initiative)})
