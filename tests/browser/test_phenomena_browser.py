"""A coordinator finds groups of similar observations in the demo data and confirms one as a new phenomenon."""
import pytest

from geo_indi.accounts.demo import DEMO_PASSWORD, ensure_demo_accounts
from geo_indi.analysis.models import SuggestedGroup
from geo_indi.observations.demo import load_demo_observations
from geo_indi.observations.models import Observation, Phenomenon

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(lapland_geography, phenomena):
    ensure_demo_accounts()
    load_demo_observations(count=600, seed=2024)


def test_coordinator_confirms_a_suggested_group_as_a_new_phenomenon(page_factory, live_server, login, demo, job_worker):
    page = page_factory(width=1366, height=768)
    login(page, "koordinaattori", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/analysis/groups/")
    page.click("#start-grouping")
    page.wait_for_selector("#import-run[data-status='done']", timeout=60000)
    assert "group" in page.inner_text("#import-message")
    page.click("#to-groups")
    first = page.locator("section.suggested-group").first
    first.wait_for()
    group = SuggestedGroup.objects.get(pk=int(first.get_attribute("id").removeprefix("group-")))
    members = set(group.observations.values_list("id", flat=True))
    assert len(members) >= 3
    shown_words = first.locator(".shared-words").inner_text()
    assert shown_words and shown_words.split(", ")[0] in group.shared_words
    assert first.locator("tbody tr").count() == len(members)
    first.locator("input[name=name_fi]").fill("Demo: uusi ilmiö")
    first.locator(".confirm-form button[type=submit]").click()
    page.wait_for_selector("#preview")  # what moves, before it moves
    assert not Phenomenon.objects.filter(name_fi="Demo: uusi ilmiö").exists()
    page.click("#confirm-button")
    page.wait_for_selector(".messages")
    assert "Demo: uusi ilmiö" in page.inner_text(".messages")
    new = Phenomenon.objects.get(name_fi="Demo: uusi ilmiö")
    assert set(Observation.objects.filter(phenomenon=new).values_list("id", flat=True)) == members
    group.refresh_from_db()
    assert group.status == SuggestedGroup.Status.CONFIRMED and group.decided_by.username == "koordinaattori"
    assert "koordinaattori" in page.inner_text("main")  # the decision, with who made it, is listed
