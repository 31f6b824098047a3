"""Field app views: login, page context, service worker, postcode outlines, own observations."""
import datetime as dt
import json

import pytest
from django.utils import timezone

from geo_indi.accounts.models import Organisation
from geo_indi.observations.models import Observation

from .conftest import INSIDE_ALFA

pytestmark = pytest.mark.django_db

# Hand-computed from tests/data/small_areas.geojson (lon/lat):
# Rovaniemi (698) = 99001 + 99002 = 25.0..25.4 x 66.0..66.1
# Kemijärvi (320) = 99003 + 99004 + 99005 = 25.0..26.2 x 66.0..66.2
ROVANIEMI_EXTENT = (25.0, 66.0, 25.4, 66.1)
KEMIJARVI_EXTENT = (25.0, 66.0, 26.2, 66.2)


def outlines(client, **params):
    return client.get("/field/postcode-areas.geojson", params)


def test_page_requires_login(client, small_geography):
    response = client.get("/field/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/field/")


def test_page_is_centred_on_the_users_municipalities(client, users):
    client.force_login(users["field_698"])
    response = client.get("/field/")
    assert response.status_code == 200
    assert response.context["extent"] == pytest.approx(ROVANIEMI_EXTENT, abs=0.01)
    assert response.context["organisation"].name == "Rovaniemi org"
    urls = response.context["urls"]
    assert urls["observations"] == "/api/observations/"
    assert urls["postcodeOutlines"] == "/field/postcode-areas.geojson"
    html = response.content.decode()
    assert 'id="field-map"' in html and "/static/vendor/leaflet/leaflet.js" in html
    assert "/jsi18n/" in html
    # Every form control has a label.
    for control in ("occurrences", "age-group", "description", "observed-on", "subject-person", "subject-object",
                    "direction-weakens", "direction-strengthens"):
        assert f'for="{control}"' in html


def test_page_for_other_organisation_uses_its_extent(client, users):
    client.force_login(users["field_320"])
    assert client.get("/field/").context["extent"] == pytest.approx(KEMIJARVI_EXTENT, abs=0.01)


def test_organisation_without_municipalities_gets_all_areas(client, small_geography, make_member):
    org = Organisation.objects.create(name="Nowhere org", kind=Organisation.Kind.NGO)
    client.force_login(make_member("drifter", org))
    extent = client.get("/field/").context["extent"]
    assert extent == pytest.approx((25.0, 66.0, 26.2, 66.2), abs=0.01)


def test_page_is_translated(client, users):
    client.force_login(users["field_698"])
    response = client.get("/field/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Record an observation" in response.content.decode()


def test_service_worker_is_served_with_scope_and_type(client, small_geography):
    response = client.get("/field/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/field/"
    body = response.content.decode()
    shell = json.loads(body.split("const SHELL = ", 1)[1].split(";\n", 1)[0])
    assert shell[0] == "/field/"
    for url in ("/static/vendor/leaflet/leaflet.js", "/static/field/field.js", "/static/field/field.css",
                "/api/phenomena/", "/jsi18n/", "/static/field/icons/person.svg", "/static/field/icons/shield.svg"):
        assert url in shell


def test_every_phenomenon_icon_exists(client, phenomena):
    from django.contrib.staticfiles import finders

    for phenomenon in phenomena.values():
        assert phenomenon.icon, phenomenon.slug
        assert finders.find(f"field/icons/{phenomenon.icon}"), phenomenon.icon


def test_outlines_are_the_whole_coverage(client, small_geography):
    response = outlines(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    fc = response.json()
    assert fc["type"] == "FeatureCollection"
    assert [f["properties"]["postcode"] for f in fc["features"]] == ["99001", "99002", "99003", "99004", "99005"]
    alfa = fc["features"][0]["geometry"]
    assert alfa["type"] == "MultiPolygon"
    ring = alfa["coordinates"][0][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    assert min(lons) == pytest.approx(25.0, abs=0.01) and max(lons) == pytest.approx(25.2, abs=0.01)
    assert min(lats) == pytest.approx(66.0, abs=0.01) and max(lats) == pytest.approx(66.1, abs=0.01)


def test_outlines_ignore_a_bbox(client, small_geography):
    """A part chosen by the caller would say where the caller's pin is: there is none."""
    assert outlines(client, bbox="27.0,67.0,27.5,67.5").content == outlines(client).content


def test_outlines_are_cacheable_and_revalidate_with_their_etag(client, small_geography):
    first = outlines(client)
    assert "max-age=" in first["Cache-Control"] and first["ETag"]
    again = client.get("/field/postcode-areas.geojson", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_service_worker_caches_the_outlines_with_the_shell(client, small_geography):
    from geo_indi.field.views import shell_urls

    assert "/field/postcode-areas.geojson" in shell_urls()


def test_own_observations_need_login(client, small_geography):
    response = client.get("/field/mine.json")
    assert response.status_code == 403
    assert response.json()["error"]


@pytest.mark.calendar
def test_own_observations_only_and_edit_window(client, users, record, settings):
    mine_person = record(*INSIDE_ALFA)
    mine_object = record(*INSIDE_ALFA, subject="object", phenomenon="ilkivalta")
    record(*INSIDE_ALFA, user="coord_698")  # same organisation, not mine
    old = record(*INSIDE_ALFA)
    Observation.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=settings.OBSERVATION_EDIT_WINDOW_HOURS + 1)
    )
    client.force_login(users["field_698"])
    results = client.get("/field/mine.json").json()["results"]
    by_id = {r["id"]: r for r in results}
    assert set(by_id) == {mine_person.pk, mine_object.pk, old.pk}
    assert by_id[mine_person.pk]["location"] is None
    assert by_id[mine_person.pk]["postcode"] == "99001"
    assert by_id[mine_object.pk]["location"]["coordinates"] == pytest.approx([INSIDE_ALFA[1], INSIDE_ALFA[0]], abs=1e-6)
    assert by_id[mine_person.pk]["can_modify"] is True
    assert by_id[old.pk]["can_modify"] is False
