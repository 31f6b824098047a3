from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from geo_indi.accounts import roles
from geo_indi.areas.models import Municipality
from geo_indi.observations import suppression
from geo_indi.observations.models import Phenomenon

from . import alerts, suggestions
from .models import Indicator


def municipality_page(request, code):
    municipality = get_object_or_404(Municipality, code=code)
    return render(request, "indicators/municipality.html", {"municipality": municipality, "k": settings.SUPPRESSION_K, "hidden": suppression.HIDDEN})


def index(request):
    return render(request, "indicators/index.html", {"municipalities": Municipality.objects.order_by("name_fi")})


@login_required
def alert_list(request):
    fired = alerts.alerts_for(request.user)[:200]
    return render(request, "indicators/alerts.html", {"alerts": fired})


@login_required
@require_POST
def acknowledge_alert(request, pk):
    alert = alerts.alerts_for(request.user).filter(pk=pk).first()
    if alert is None:
        raise Http404(_("No such alert."))
    alerts.acknowledge(alert, request.user)
    messages.success(request, _("Alert acknowledged."))
    return redirect("indicators:alerts")


def _require_administrator(user):
    if not roles.is_administrator(user):
        raise PermissionDenied


@login_required
def link_suggestions(request):
    _require_administrator(request.user)
    return render(request, "indicators/suggestions.html", {"suggestions": suggestions.suggest_links()})


@login_required
@require_POST
def confirm_link(request):
    _require_administrator(request.user)
    try:
        phenomenon = Phenomenon.objects.get(pk=int(request.POST.get("phenomenon", "")))
        indicator = Indicator.objects.get(pk=int(request.POST.get("indicator", "")))
    except (ValueError, Phenomenon.DoesNotExist, Indicator.DoesNotExist):
        raise Http404(_("Unknown phenomenon or indicator."))
    _link, created = suggestions.confirm_link(phenomenon, indicator, request.user)
    if created:
        messages.success(request, _("Linked %(indicator)s to %(phenomenon)s.") % {"indicator": indicator.title, "phenomenon": phenomenon.name})
    else:
        messages.info(request, _("That link already exists."))
    return redirect("indicators:suggestions")
