"""The coordinator's analysis journeys in Chromium (issue 21, items 2 and 6): a situation summary drafted,
approved and downloaded as DOCX (and read); a group previewed, confirmed and undone. Every page of each
journey must have no console error, no page error, no 5xx and no unanswered request."""
import datetime as dt
import io

import docx
import pytest

from geo_indi.analysis import grouping_runs
from geo_indi.analysis.models import GroupDecision, SummaryVersion
from geo_indi.observations.models import Observation, Phenomenon

from ..conftest import INSIDE_ALFA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GAMMA = (66.05, 25.5)  # 99003, Kemijärvi
TILE_HOST = "tile.openstreetmap.org"


def watched(page, server):
    """Collect what must not happen on any page of a journey. Background map tiles are outside and blocked in
    tests (the page where the login lands has a map): they are the one exception."""
    page.problems = []

    def console(message):
        if message.type == "error" and (message.location or {}).get("url", "").startswith(server):
            page.problems.append(f"console: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda exc: page.problems.append(f"pageerror: {exc}"))
    page.on("response", lambda r: r.status >= 500 and page.problems.append(f"{r.status} {r.url}"))
    page.downloads = []
    page.on("download", lambda d: page.downloads.append(d.url))
    page.on("requestfailed", lambda r: r.url.startswith(server) and page.problems.append(r.url))
    return page


def assert_clean(page):
    # A download ends its request in the browser (net::ERR_ABORTED): answered, not failed.
    assert [p for p in page.problems if p not in page.downloads] == []
    assert all(TILE_HOST in url for url in page.outside_requests), page.outside_requests


@pytest.fixture
def coordinator(users):
    return users["coord_698"]


@pytest.fixture
def summary_data(record):
    """2025: Rovaniemi 40 records (hidden outside to protect Kemijärvi's 2), 2024: 22."""
    plan = [(INSIDE_ALFA, "yksinaisyys", 2025, 25, "field_698"), (INSIDE_ALFA, "digitaalisuus", 2025, 15, "field_698"),
            (GAMMA, "yksinaisyys", 2025, 2, "field_320"),
            (INSIDE_ALFA, "yksinaisyys", 2024, 10, "field_698"), (INSIDE_ALFA, "digitaalisuus", 2024, 12, "field_698")]
    for point, slug, year, n, user in plan:
        for i in range(n):
            record(*point, phenomenon=slug, user=user, observed_on=dt.date(year, 3, 1 + i))


def test_summary_draft_approve_and_read_the_docx(page_factory, live_server, login, coordinator, summary_data):
    page = watched(page_factory(width=1366, height=768, locale="en-GB"), live_server.url)
    login(page, "coord698")
    page.goto(f"{live_server.url}/analysis/municipalities/698/summaries/")
    options = page.locator("#draft-language option")
    assert [options.nth(i).get_attribute("value") for i in range(options.count())] == ["fi", "sv", "en"]
    page.select_option("#draft-year", "2025")
    page.select_option("#draft-language", "en")
    page.click("#draft-form button[type=submit]")
    page.wait_for_selector("#draft-figures")
    version = SummaryVersion.objects.get()
    text = page.input_value("#summary-text")
    assert text == version.text and "too few" not in text and "not published outside the organisation" in text
    total = page.locator("#draft-figures tbody tr", has_text="all public phenomena").first
    cells = total.locator("td").all_inner_texts()
    assert cells[2].startswith("40") and "hidden to protect another small number" in cells[4]
    page.click("#approve-version")
    page.wait_for_selector("#approved-text")
    with page.expect_download() as download:
        page.click("#export-docx")
    document = docx.Document(io.BytesIO(open(download.value.path(), "rb").read()))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "Situation summary: Rovaniemi 2025" and version.text in paragraphs
    assert any(p.startswith("Approved by coord698") for p in paragraphs)
    (table,) = document.tables
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["Figure", "Period", "Value", "Source", "Release", "Approved"]
    assert all(r[4].startswith("release ") and r[5].startswith("coord698, ") for r in rows[1:])
    assert_clean(page)


@pytest.fixture
def group_data(record):
    lights = ["Katuvalo rikki koulun luona", "Katuvalot ovat rikki", "Katuvaloja rikki tiellä", "Katuvalo on rikki",
              "Katuvalo pimeänä ja rikki"]
    return [record(*INSIDE_ALFA, subject="object", phenomenon="turvallisuus-ymparistossa", description=t)
            for t in lights]


def test_group_preview_confirm_and_undo(page_factory, live_server, login, coordinator, group_data, phenomena):
    run = grouping_runs.grouping_start(user=coordinator, deferred=False)
    group = run.groups.get()
    page = watched(page_factory(width=1366, height=768, locale="en-GB"), live_server.url)
    login(page, "coord698")
    page.goto(f"{live_server.url}/analysis/groups/")
    section = page.locator(f"#group-{group.pk}")
    # The controls come before the members, and are real touch targets.
    controls = section.locator(".group-decisions").bounding_box()
    assert controls["y"] < section.locator("details").bounding_box()["y"]
    for button in section.locator(".group-decisions button").all():
        assert button.bounding_box()["height"] >= 44
    assert section.locator("select[name=phenomenon]").input_value() == ""  # no default merge target
    assert section.locator("input[name=name_fi]").input_value() == "Katuvalo"
    # Merge without choosing: the browser does not send it.
    section.locator(".merge-form button").click()
    assert page.url.endswith("/analysis/groups/")
    section.locator("select[name=phenomenon]").select_option(str(phenomena["yksinaisyys"].pk))
    section.locator(".merge-form button").click()
    page.wait_for_selector("#preview")
    assert "5 observations move to Loneliness." in page.inner_text("#preview-summary")
    assert page.locator("#preview-sources tbody tr").all_inner_texts() == [
        f"{phenomena['turvallisuus-ymparistossa'].name_en}\t5"]
    assert not GroupDecision.objects.exists()  # a preview changes nothing
    page.click("#confirm-button")
    page.wait_for_selector(".undoable")
    assert Observation.objects.filter(phenomenon=phenomena["yksinaisyys"]).count() == 5
    page.locator(f"#undoable-{group.pk} button").click()
    page.wait_for_selector(f"#group-{group.pk}")  # open again
    assert "Decision undone: 5 observation(s) moved back" in page.inner_text(".messages")
    assert Observation.objects.filter(phenomenon=phenomena["turvallisuus-ymparistossa"]).count() == 5
    assert "Undone" in page.inner_text("#decisions") and "Merged into a phenomenon" in page.inner_text("#decisions")
    assert list(GroupDecision.objects.order_by("at", "id").values_list("action", flat=True)) == ["merge", "undo"]
    assert not Phenomenon.objects.filter(name_fi="Katuvalo").exists()
    assert_clean(page)
