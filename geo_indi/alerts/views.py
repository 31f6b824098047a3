"""Pages of alert rules and fired alerts (thin: the rules are in services)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from geo_indi.accounts import roles

from . import services
from .forms import AlertRuleForm
from .models import AlertRule

ALERT_HISTORY_LIMIT = 200


@login_required
def alert_list(request):
    """Fired alerts, newest first: the unacknowledged ones, or (?show=all) the whole history."""
    show_all = request.GET.get("show") == "all"
    fired = services.alerts_for(request.user) if show_all else services.unacknowledged_for(request.user)
    organisation = roles.organisation_of(request.user)
    return render(request, "alerts/alerts.html", {
        "alerts": fired[:ALERT_HISTORY_LIMIT], "show_all": show_all,
        "can_manage": services.can_manage_rules(request.user, organisation),
    })


@login_required
def rule_list(request):
    organisation = roles.organisation_of(request.user)
    return render(request, "alerts/rules.html", {
        "rules": services.rules_for(request.user), "organisation": organisation,
        "can_manage": services.can_manage_rules(request.user, organisation),
    })


def _visible_rule(request, pk):
    rule = services.rules_for(request.user).filter(pk=pk).first()
    if rule is None:
        raise Http404(_("No such alert rule."))
    return rule


@login_required
def rule_detail(request, pk):
    rule = _visible_rule(request, pk)
    return render(request, "alerts/rule_detail.html", {
        "rule": rule, "recipients": services.recipients_shown(rule),
        "history": rule.fired_alerts.select_related("acknowledged_by")[:ALERT_HISTORY_LIMIT],
        "can_manage": services.can_manage_rules(request.user, rule.organisation),
    })


@login_required
def rule_edit(request, pk=None):
    if pk is None:
        rule, organisation = AlertRule(), roles.organisation_of(request.user)
    else:
        rule = _visible_rule(request, pk)
        organisation = rule.organisation
    if not services.can_manage_rules(request.user, organisation):
        raise PermissionDenied
    form = AlertRuleForm(request.POST or None, instance=rule, organisation=organisation, user=request.user)
    if request.method == "POST" and form.is_valid():
        rule = services.rule_save(form=form, user=request.user)
        messages.success(request, _("Alert rule saved."))
        return redirect("alerts:rule", pk=rule.pk)
    return render(request, "alerts/rule_form.html", {"form": form, "rule": rule, "organisation": organisation},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def acknowledge_alert(request, pk):
    alert = services.alerts_for(request.user).filter(pk=pk).first()
    if alert is None:
        raise Http404(_("No such alert."))
    services.acknowledge(alert, request.user)
    messages.success(request, _("Alert acknowledged."))
    return redirect("alerts:alerts")
