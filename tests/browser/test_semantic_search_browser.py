"""A coordinator searches the notes by meaning in Chromium (issue 23, item 4): Finnish, Swedish and English notes
found for one Finnish word with the matched words marked; one result unchecked; the rest made a suggested group,
which the groups page says repeats an existing phenomenon, and merged there."""
import pytest

from geo_indi.analysis.models import SuggestedGroup
from geo_indi.observations.models import Observation

from ..conftest import INSIDE_ALFA
from .helpers import run_axe
from .test_analysis_browser import assert_clean, watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTES = {"Mummo kaipaa seuraa, kukaan ei käy": "digitaalisuus", "Äldre kvinna bor ensam och saknar sällskap": "digitaalisuus",
         "Old man feels lonely and has no company": "digitaalisuus", "Yksinäinen vanhus odottaa soittoa": "yksinaisyys",
         "Katuvalo rikki koulun luona": "turvallisuus-ymparistossa"}


def test_coordinator_searches_by_meaning_and_makes_a_group(page_factory, live_server, login, users, record, phenomena):
    made = {text: record(*INSIDE_ALFA, phenomenon=slug, description=text) for text, slug in NOTES.items()}
    page = watched(page_factory(width=1366, height=768, locale="fi-FI"), live_server.url)
    login(page, "coord698")
    page.goto(f"{live_server.url}/analysis/groups/")
    page.click("#to-search")
    page.fill("#search-q", "yksinäisyys")
    page.click("#search-button")
    page.wait_for_selector("#search-results")
    hits = page.locator(".search-hit")
    texts = hits.all_inner_texts()
    for text in list(NOTES)[:4]:
        assert any(text in t for t in texts), (text, texts)
    assert page.locator(f"#hit-{made['Äldre kvinna bor ensam och saknar sällskap'].pk} mark").all_inner_texts() == ["ensam", "saknar", "sällskap"]
    assert page.locator(f"#hit-{made['Mummo kaipaa seuraa, kukaan ei käy'].pk} mark").all_inner_texts() == ["kaipaa", "seuraa"]
    assert run_axe(page) == []
    # The coordinator leaves out the street light, if it is there, and the already-classified note.
    for text in ("Katuvalo rikki koulun luona", "Yksinäinen vanhus odottaa soittoa"):
        box = page.locator(f"#choose-{made[text].pk}")
        if box.count():
            box.uncheck()
    page.click("#search-make-group")
    page.wait_for_selector(".messages")
    group = SuggestedGroup.objects.get()
    chosen = {made[t].pk for t in list(NOTES)[:3]}
    assert set(group.observations.values_list("pk", flat=True)) == chosen
    section = page.locator(f"#group-{group.pk}")
    assert "yksinäisyys" in section.inner_text()
    # All three sit under digitaalisuus today: the page offers to merge there; the coordinator merges into
    # loneliness instead, through the ordinary preview.
    assert section.locator(f"#repeats-{group.pk}").is_visible()
    section.locator("select[name=phenomenon]").select_option(str(phenomena["yksinaisyys"].pk))
    section.locator(".merge-form button").click()
    page.wait_for_selector("#preview")
    page.click("#confirm-button")
    page.wait_for_selector(".undoable")
    assert set(Observation.objects.filter(pk__in=chosen).values_list("phenomenon__slug", flat=True)) == {"yksinaisyys"}
    assert_clean(page)
