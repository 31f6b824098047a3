"""One viewer per request: who sees which number is decided once, a page reads the published release once,
and the hot spots follow the one invalidation rule of every cache of data (the data version)."""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from geo_indi.accounts.demo import ensure_demo_accounts
from geo_indi.analysis import hotspots
from geo_indi.areas.models import Municipality
from geo_indi.observations import suppression
from geo_indi.observations.demo import HOT_SPOT, load_demo_observations
from geo_indi.observations.models import Observation, Phenomenon
from geo_indi.publication import counts as published
from geo_indi.publication.tables import publish_release

RELEASE_TABLE = '"publication_publishedrelease"'
PAGES = ("/", "/maps/", "/maps/698/")


@pytest.fixture
def demo(lapland_geography, phenomena, settings):
    settings.PUBLICATION_REFRESH_SECONDS = 600  # as in production: a young release is served as it is
    ensure_demo_accounts()
    load_demo_observations(count=1000, seed=2024)
    publish_release(timezone.localdate().year)
    return Municipality.objects.get(code=HOT_SPOT["municipality"])


def _release_reads(queries) -> int:
    return sum(1 for q in queries if q["sql"].lstrip().upper().startswith("SELECT") and
               f"FROM {RELEASE_TABLE}" in q["sql"])


@pytest.mark.parametrize("username", [None, "seurakunta", "koordinaattori"])
def test_a_page_reads_the_published_release_once(client, demo, django_user_model, username):
    if username:
        client.force_login(django_user_model.objects.get(username=username))
    for page in PAGES:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page)
        assert response.status_code == 200, page
        reads = _release_reads(captured.captured_queries)
        # koordinaattori sees 698 exactly: that page needs no release; every other page reads it exactly once.
        expected = 0 if (username == "koordinaattori" and page == "/maps/698/") else 1
        assert reads == expected, (page, reads)


def test_the_request_viewer_is_built_once_and_follows_the_user(rf, demo, django_user_model):
    from geo_indi.observations.suppression import ViewerMiddleware

    seen = []

    def view(request):
        seen.append((suppression.Viewer.of(request.viewer), suppression.Viewer.of(request.viewer)))
        return None

    request = rf.get("/")
    request.user = AnonymousUser()
    ViewerMiddleware(view)(request)
    first, again = seen[0]
    assert first is again and first.scope == set() and not first.member
    # Authentication that comes after the middleware (DRF's tokens) is what the viewer follows.
    request.user = django_user_model.objects.get(username="koordinaattori")
    later = suppression.Viewer.of(request.viewer)
    assert later is not first and later.exact(demo.pk) and later.member
    assert later.organisation.name == "Rovaniemen kaupunki"


def test_k_is_read_in_one_place(settings, db):
    settings.SUPPRESSION_K = 7
    assert suppression.threshold() == 7 and suppression.Viewer(AnonymousUser()).k == 7
    assert published.Viewer is suppression.Viewer


def test_pages_show_the_viewers_k(client, demo, settings):
    settings.SUPPRESSION_K = 9
    publish_release(timezone.localdate().year, 9)
    client.force_login(_coordinator())
    page = client.get(f"/indicators/{demo.code}/")
    assert page.status_code == 200 and page.context["k"] == 9
    assert client.get("/").context["k"] == 9


def _coordinator():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="koordinaattori")


def test_editing_a_phenomenon_refreshes_the_hot_spots(demo, phenomena):
    vandalism = phenomena["ilkivalta"]
    before = hotspots.hot_spots(demo)  # computed and cached
    assert any(s.phenomenon_id == vandalism.pk for s in before)
    other = Phenomenon.objects.exclude(pk=vandalism.pk).order_by("pk").first()
    count = Observation.objects.count()
    # An edit that keeps every count per municipality (the old cache key) but moves the cluster to another phenomenon.
    Observation.objects.filter(municipality=demo, phenomenon=vandalism).update(phenomenon=other)
    assert Observation.objects.count() == count
    after = hotspots.hot_spots(demo)
    assert not any(s.phenomenon_id == vandalism.pk for s in after)
    assert after == hotspots.compute_hot_spots(demo)
