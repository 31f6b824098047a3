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

from . import import_runs, suggestions
from .forms import SotkanetImportForm
from .models import Indicator, SotkanetImportRun
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
