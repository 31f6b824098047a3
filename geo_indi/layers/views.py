"""The "Connect QGIS" page: what a signed-in person types into QGIS, and what the layers will show them."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from geo_indi.accounts.tokens import BASIC_REALM
from geo_indi.areas.models import Municipality
from geo_indi.observations.suppression import Viewer, threshold

from .params import DEFAULT_LIMIT
from .services import LAYERS


@never_cache
@login_required
def connect_qgis(request: HttpRequest) -> HttpResponse:
    viewer = Viewer(request.user)
    exact = [] if viewer.exact_everywhere else list(
        Municipality.objects.filter(id__in=viewer.scope).order_by("name_fi").values_list("name_fi", flat=True)
    )
    return render(request, "layers/connect_qgis.html", {
        "ogc_url": request.build_absolute_uri(reverse("ogc-landing-bare")),
        "username": request.user.get_username(),
        "tokens_url": reverse("profile") + "#tokens-title",
        "realm": BASIC_REALM,
        "organisation": viewer.organisation,
        "exact_everywhere": viewer.exact_everywhere,
        "exact_municipalities": exact,
        "members_only": viewer.members_only,
        "k": threshold(),
        "collections": LAYERS.values(),
        "page_size": DEFAULT_LIMIT,
        # Basic is refused over plain HTTP in production (accounts/tokens.py): say so before QGIS does.
        "basic_refused_here": not (request.is_secure() or settings.DEBUG or settings.GEO_INDI_BASIC_AUTH_OVER_HTTP),
    })
