"""Hot spots (Getis–Ord Gi*, BH FDR) from the demo data, on the municipality map inside the organisation only."""
import datetime as dt

import pytest
from django.utils import timezone

from geo_indi.accounts.demo import ensure_demo_accounts
from geo_indi.accounts.models import Membership, Organisation
from geo_indi.analysis import hotspots
from geo_indi.areas.models import Municipality, PostcodeArea
from geo_indi.observations.demo import HOT_SPOT, load_demo_observations
from geo_indi.observations.models import Observation


@pytest.fixture
def demo(lapland_geography, phenomena):
    ensure_demo_accounts()
    load_demo_observations(count=1000, seed=2024)
    return Municipality.objects.get(code=HOT_SPOT["municipality"])


def _cluster_area_ids(municipality):
    """The areas the demo's recent vandalism cluster was drawn in (the lowest postcode and the areas touching it)."""
    centre = PostcodeArea.objects.filter(municipality=municipality).order_by("postcode").first()
    return set(PostcodeArea.objects.filter(municipality=municipality, geom__intersects=centre.geom)
               .values_list("id", flat=True))


def test_demo_vandalism_cluster_is_a_hot_spot(demo, phenomena):
    spots = hotspots.compute_hot_spots(demo)
    vandalism = [s for s in spots if s.phenomenon_id == phenomena["ilkivalta"].pk]
    assert vandalism, spots
    assert {s.postcode_area_id for s in vandalism} <= _cluster_area_ids(demo)
    for spot in spots:
        assert spot.p_adjusted <= hotspots.ALPHA and spot.z > 0 and spot.recent > 0


@pytest.mark.calendar
def test_no_hot_spot_without_recent_excess(demo):
    old = timezone.localdate() + dt.timedelta(days=3 * 365)  # nothing recorded in the 90 days before it
    assert hotspots.compute_hot_spots(demo, today=old) == []


def test_only_viewers_who_see_exact_counts_get_the_hot_spot_layer(client, demo, django_user_model):
    coordinator = django_user_model.objects.get(username="koordinaattori")
    client.force_login(coordinator)
    page = client.get(f"/maps/{demo.code}/").content.decode()
    assert 'id="hot-spots"' in page and 'class="hot-spot"' in page
    assert hotspots.OUTLINE_COLOUR in page  # the outline layer on the map
    outsider_org = Organisation.objects.create(name="Outside org", kind=Organisation.Kind.NGO)
    outsider_org.municipalities.set(Municipality.objects.filter(code="890"))
    outsider = django_user_model.objects.create_user("outsider", password="pw-for-tests")
    Membership.objects.create(user=outsider, organisation=outsider_org, role=Membership.Role.COORDINATOR)
    for user in (outsider, None):
        client.logout()
        if user:
            client.force_login(user)
        page = client.get(f"/maps/{demo.code}/").content.decode()
        assert 'id="hot-spots"' not in page and hotspots.OUTLINE_COLOUR not in page
    assert Observation.objects.count() == 1000
