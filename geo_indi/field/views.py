import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.cache import never_cache
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from geo_indi.accounts import roles
from geo_indi.core.errors import RequestError
from geo_indi.observations import contract, services
from geo_indi.observations.models import AgeGroup, Observation
from geo_indi.observations.serializers import ObservationReadSerializer, flat_observation
from geo_indi.sharing.services import readers_of

from . import geography

ICONS = ["person.svg", "device.svg", "bottle.svg", "hammer.svg", "star.svg", "shield.svg", "place.svg"]
RECENT_LIMIT = 20
OUTLINES_MAX_AGE_S = 3600

# Bump when the service worker's own logic or a cached static file changes (static URLs carry no hash,
# so a new cache name is what makes phones fetch them again); the shell list is hashed in too.
SERVICE_WORKER_VERSION = "5"  # 5: field-questions.js answers an initiative's feedback request


def shell_urls():
    """Everything the service worker caches so the app opens without a network."""
    return [
        reverse("field:index"),
        reverse("javascript-catalog"),
        reverse("phenomenon-list"),
        static("vendor/leaflet/leaflet.js"),
        static("vendor/leaflet/leaflet.css"),
        static("vendor/leaflet/images/marker-icon.png"),
        static("vendor/leaflet/images/marker-icon-2x.png"),
        static("vendor/leaflet/images/marker-shadow.png"),
        static("css/site.css"),
        static("field/field.css"),
        static("field/field.js"),
        static("questions/field-questions.js"),
        reverse("municipalities-geojson"),
        reverse("field:postcode-outlines"),
        *[static(f"field/icons/{name}") for name in ICONS],
    ]


@login_required
def index(request):
    organisation = roles.organisation_of(request.user)
    return render(request, "field/index.html", {
        "extent": list(geography.working_extent(request.user)),
        "organisation": organisation,
        "readers": [o.name for o in readers_of(organisation)] if organisation else [],
        "age_groups": AgeGroup.choices,
        "contract": {
            "occurrences_max": contract.OCCURRENCES_MAX,
            "description_max": contract.DESCRIPTION_MAX_LENGTH,
            "note_max": contract.NOTE_MAX_LENGTH,
            "occurrences_message": contract.message("occurrences_range"),
        },
        "urls": {
            "observations": reverse("observation-list"),
            "checkDescription": reverse("observation-check-description"),
            "phenomena": reverse("phenomenon-list"),
            "mine": reverse("field:mine"),
            "postcodeOutlines": reverse("field:postcode-outlines"),
            "municipalities": reverse("municipalities-geojson"),
            "serviceWorker": reverse("field:service-worker"),
            "iconBase": static("field/icons/"),
        },
    })


@require_GET
def service_worker(request):
    urls = shell_urls()
    version = hashlib.sha256((SERVICE_WORKER_VERSION + "\n".join(urls)).encode()).hexdigest()[:12]
    response = render(request, "field/sw.js", {"shell_json": json.dumps(urls), "cache_name": f"geo-indi-field-{version}",
                                                      "static_prefix": static("")},
                      content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("field:index")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def postcode_outlines(request):
    """All postcode-area outlines at once (open data, simplified), whatever is on the map.
    The service worker caches it; browsers revalidate it hourly with its ETag."""
    body = geography.postcode_outlines_geojson()
    etag = f'"{hashlib.sha256(body.encode()).hexdigest()[:20]}"'
    response = get_conditional_response(request, etag=etag) or HttpResponse(body, content_type="application/geo+json")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=OUTLINES_MAX_AGE_S)
    return response


@never_cache
@require_GET
def my_observations(request):
    """The caller's own recent observations, each with whether it may still be changed."""
    if not request.user.is_authenticated:
        raise RequestError(_("Log in first."), status=403)
    observations = (
        Observation.objects.visible_to(request.user).filter(reporter=request.user)
        .select_related("phenomenon", "category", "postcode_area", "municipality", "organisation")
        .order_by("-created_at", "-id")[:RECENT_LIMIT]
    )
    results = []
    for observation in observations:
        data = flat_observation(ObservationReadSerializer(observation, context={"request": request}).data)
        data["can_modify"] = services.can_modify(observation, request.user)
        results.append(data)
    return JsonResponse({"results": results})
