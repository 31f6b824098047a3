from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from geo_indi.accounts import roles
from geo_indi.areas.models import Municipality
from geo_indi.observations import suppression
from geo_indi.observations.models import Phenomenon

from . import alerts, import_runs, suggestions
from .forms import AlertRuleForm, SotkanetImportForm
from .models import AlertRule, Indicator, SotkanetImportRun
from .population import POPULATION_INDICATOR_ID
from .population import population_year as population_of


def municipality_page(request, code):
    municipality = get_object_or_404(Municipality, code=code)
    population, population_year = population_of(municipality)
    return render(request, "indicators/municipality.html", {
        "municipality": municipality, "k": request.viewer.k, "hidden": suppression.HIDDEN,
        "population": population, "population_year": population_year,
        "population_is_sample": Indicator.objects.filter(sotkanet_id=POPULATION_INDICATOR_ID, is_sample=True).exists(),
        "population_indicator_id": POPULATION_INDICATOR_ID, "is_administrator": roles.is_administrator(request.user),
    })


def index(request):
    return render(request, "indicators/index.html", {"municipalities": Municipality.objects.order_by("name_fi"),
                                                     "is_administrator": roles.is_administrator(request.user)})


ALERT_HISTORY_LIMIT = 200


@login_required
def alert_list(request):
    """Fired alerts, newest first: the unacknowledged ones, or (?show=all) the whole history."""
    show_all = request.GET.get("show") == "all"
    fired = alerts.alerts_for(request.user) if show_all else alerts.unacknowledged_for(request.user)
    organisation = roles.organisation_of(request.user)
    return render(request, "indicators/alerts.html", {
        "alerts": fired[:ALERT_HISTORY_LIMIT], "show_all": show_all,
        "can_manage": alerts.can_manage_rules(request.user, organisation),
    })


@login_required
def rule_list(request):
    organisation = roles.organisation_of(request.user)
    return render(request, "indicators/rules.html", {
        "rules": alerts.rules_for(request.user), "organisation": organisation,
        "can_manage": alerts.can_manage_rules(request.user, organisation),
    })


def _visible_rule(request, pk):
    rule = alerts.rules_for(request.user).filter(pk=pk).first()
    if rule is None:
        raise Http404(_("No such alert rule."))
    return rule


@login_required
def rule_detail(request, pk):
    rule = _visible_rule(request, pk)
    return render(request, "indicators/rule_detail.html", {
        "rule": rule, "recipients": alerts.recipients_shown(rule),
        "history": rule.fired_alerts.select_related("acknowledged_by")[:ALERT_HISTORY_LIMIT],
        "can_manage": alerts.can_manage_rules(request.user, rule.organisation),
    })


@login_required
def rule_edit(request, pk=None):
    if pk is None:
        rule, organisation = AlertRule(), roles.organisation_of(request.user)
    else:
        rule = _visible_rule(request, pk)
        organisation = rule.organisation
    if not alerts.can_manage_rules(request.user, organisation):
        raise PermissionDenied
    form = AlertRuleForm(request.POST or None, instance=rule, organisation=organisation, user=request.user)
    if request.method == "POST" and form.is_valid():
        rule = alerts.rule_save(form=form, user=request.user)
        messages.success(request, _("Alert rule saved."))
        return redirect("indicators:rule", pk=rule.pk)
    return render(request, "indicators/rule_form.html", {"form": form, "rule": rule, "organisation": organisation},
                  status=400 if request.method == "POST" else 200)


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


def _default_import_choices():
    linked = (Indicator.objects.filter(phenomenon_links__isnull=False, is_sample=False)
              .values_list("sotkanet_id", flat=True).distinct())
    ids = [POPULATION_INDICATOR_ID, *sorted(set(linked) - {POPULATION_INDICATOR_ID})]
    last = timezone.localdate().year - 1
    return {"indicators": ", ".join(str(i) for i in ids), "years": f"{last - 9}-{last}"}


@login_required
def sotkanet_import(request):
    _require_administrator(request.user)
    form = SotkanetImportForm(request.POST or None, initial=_default_import_choices())
    if request.method == "POST" and form.is_valid():
        running = import_runs.running_import()
        if running is not None:
            messages.info(request, _("An import is already running; here is its progress."))
            return redirect("indicators:import-run", pk=running.pk)
        run = import_runs.import_start(user=request.user, indicator_ids=form.cleaned_data["indicators"],
                                       years=form.cleaned_data["years"])
        return redirect("indicators:import-run", pk=run.pk)
    return render(request, "indicators/import.html", {
        "form": form, "runs": SotkanetImportRun.objects.select_related("started_by")[:10],
    }, status=400 if request.method == "POST" else 200)


@login_required
def sotkanet_import_run(request, pk):
    _require_administrator(request.user)
    run = get_object_or_404(SotkanetImportRun, pk=pk)
    if request.GET.get("format") == "json":
        return JsonResponse(import_runs.progress(run))
    import_runs.progress(run)
    return render(request, "indicators/import_run.html", {"run": run})
