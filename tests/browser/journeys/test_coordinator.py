"""Journey: Rovaniemi's welfare coordinator (koordinaattori, municipality 698) on a desktop.

The municipality map with its layers, legend and hot spots; the period comparison; the report as PDF and XLSX,
downloaded and read; an alert rule; suggested groups with a decision and its undo; a situation summary drafted,
approved and downloaded as DOCX; a question asked and answered by a local actor on a phone.
"""
import io
import re

import openpyxl
import pytest
from docx import Document
from pypdf import PdfReader

from geo_indi.accounts.models import Organisation
from geo_indi.analysis.models import SituationSummary, SuggestedGroup
from geo_indi.areas.models import Municipality
from geo_indi.alerts.models import AlertRule
from geo_indi.maps.comparison import parse_period
from geo_indi.observations.models import Observation, Phenomenon
from geo_indi.questions.models import Answer, Question

from ...conftest import JobWorker
from ..helpers import PHONE, open_app
from .conftest import JOURNEY_NOW
from .steps import MAIN_MAP, assert_insider_map, map_state

pytestmark = pytest.mark.browser

TODAY = JOURNEY_NOW.date()
LONELINESS = "yksinaisyys"


def coordinator_page(journey_page, sign_in, demo_server, next_path=None):
    """Logged in as koordinaattori: on their landing page (Rovaniemi's map), or at next_path as from a bookmark
    (so that a journey to another page does not stand or fall with the map)."""
    page = journey_page(1366, 768)
    sign_in(page, "koordinaattori", next_path)
    assert page.url == f"{demo_server.url}{next_path or '/maps/698/'}"
    return page


def download(page, link):
    """Click a download link; the saved file's name and bytes."""
    with page.expect_download() as info:
        link.click()
    d = info.value
    with open(d.path(), "rb") as f:
        return d.suggested_filename, f.read()


def download_pdf(page, link):
    """Click the report's PDF link: its progress page says, in its live region, when the worker has made the file,
    and offers it; the saved file's name and bytes."""
    link.click()
    page.wait_for_url("**/report-pdf/*/")
    offered = page.locator("#report-pdf-link")
    offered.wait_for(state="visible", timeout=90_000)
    assert page.locator("#report-pdf-state[role=status]").inner_text().startswith("Valmis")
    return download(page, offered)


def test_coordinator_map_has_its_layers_legend_and_hot_spots(journey_page, sign_in, demo_server):
    page = coordinator_page(journey_page, sign_in, demo_server)
    state = assert_insider_map(page, "698")
    assert state["hot_spots"], "the demo has a recent vandalism cluster in Rovaniemi: hot spots are outlined"
    # The heatmap overlay can be switched on from the layer control and brings its own legend.
    control = page.locator(f"{MAIN_MAP} .leaflet-control-layers")
    control.hover()
    heat = control.locator(".leaflet-control-layers-overlays label", has_text=re.compile("Lämpökartta|lämpö", re.I))
    heat.first.click()
    page.locator(f"{MAIN_MAP} .heat-legend").wait_for()


def test_coordinator_compares_the_last_two_complete_periods(journey_page, sign_in, demo_server):
    page = coordinator_page(journey_page, sign_in, demo_server)
    loneliness = Phenomenon.objects.get(slug=LONELINESS)
    page.select_option("#f-phenomenon", str(loneliness.pk))
    page.select_option("#f-age", "older")
    first, second = (parse_period(page.input_value(f"#f-period_{i}")) for i in (1, 2))
    # The defaults: the last two complete periods of one kind, one after the other.
    assert first.kind == second.kind and first.end < second.start, (first, second)
    assert second.end < TODAY, f"the later default period {second.token} has not ended on {TODAY}"
    page.get_by_role("button", name="Näytä").click()
    page.wait_for_load_state("networkidle")
    # The answer comes first: the page goes to the comparison, and its map is drawn.
    heading = page.locator("#comparison-title")
    heading.wait_for()
    box = heading.bounding_box()
    assert box and 0 <= box["y"] < 768, f"the comparison is at y = {box and box['y']}, off the screen"
    assert map_state(page, ".map-frame-change")["legend"]
    # Small counts are not called more than chance.
    for cells in page.locator("table.change-table tbody tr").all():
        texts = cells.locator("td").all_inner_texts()
        n = [int(t) for t in texts[2:4] if t.strip().isdigit()]
        if len(n) == 2 and sum(n) <= 3:
            assert not texts[-1].startswith("kyllä"), texts
    # The first click on the change column sorts the biggest growth first.
    change = page.locator("table.change-table thead th").nth(4)
    change.get_by_role("button").click()
    assert change.get_attribute("aria-sort") == "descending"


# "Havainnot kunnassa (Vuosi 2026): 123 (tapauksia, kirjauksia 60)": the period, then the count in the report's unit.
TOTAL_IN_PDF = r"Havainnot kunnassa[^:]*:\s*(\d+)"


def test_coordinator_downloads_the_report_as_pdf_and_xlsx_and_reads_them(journey_page, sign_in, demo_server,
                                                                         background_worker):
    page = coordinator_page(journey_page, sign_in, demo_server, "/maps/698/report/")
    loneliness = Phenomenon.objects.get(slug=LONELINESS)
    page.goto(f"{demo_server.url}/maps/698/report/?phenomenon={loneliness.pk}&year={TODAY.year}")
    areas = Municipality.objects.get(code="698").postcode_areas.count()

    name, pdf = download_pdf(page, page.get_by_role("link", name="Raportti (PDF)"))
    assert name.endswith(".pdf") and pdf.startswith(b"%PDF-")
    page.get_by_role("link", name="Takaisin raporttiin").click()
    page.wait_for_url("**/maps/698/report/?*")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Rovaniemi (698)" in text and loneliness.name_fi in text and f"Vuosi {TODAY.year}" in text
    assert len(re.findall(r"^9[67]\d{3} ", text, re.M)) == areas  # a row per postcode area
    total = re.search(TOTAL_IN_PDF, text)
    assert total and int(total.group(1)) > 0

    name, xlsx = download(page, page.get_by_role("link", name="Taulukko (Excel)"))
    assert name.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    municipality = next(r for r in rows if r[1] == "698")
    assert municipality[4] == int(total.group(1))  # the same count in both files
    assert sum(1 for r in rows if r[0] == "Postinumeroalue") == areas
    filters = [tuple(str(c) for c in r if c is not None) for r in book["Käytetyt rajaukset"].iter_rows(values_only=True)]
    assert ("Ilmiö", loneliness.name_fi) in filters and ("Ajanjakso", f"Vuosi {TODAY.year}") in filters, filters


def test_the_default_report_states_the_period_it_counts(journey_page, sign_in, demo_server, background_worker):
    loneliness = Phenomenon.objects.get(slug=LONELINESS)
    page = coordinator_page(journey_page, sign_in, demo_server, "/maps/698/report/")
    page.goto(f"{demo_server.url}/maps/698/report/?phenomenon={loneliness.pk}")
    _name, pdf = download_pdf(page, page.get_by_role("link", name="Raportti (PDF)"))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    found = re.search(TOTAL_IN_PDF, text)
    assert found, text[:1500]
    total = int(found.group(1))
    observations = Observation.objects.filter(municipality__code="698", phenomenon=loneliness)
    year = re.search(r"Vuosi (\d{4})", text)
    if year:
        in_year = observations.filter(observed_on__year=int(year.group(1)))
        assert total in (in_year.count(), sum(in_year.values_list("occurrences", flat=True))), (year.group(0), total)
    else:
        assert "Koko ajalta" in text, "the report does not say it counts all time"
        assert total in (observations.count(), sum(observations.values_list("occurrences", flat=True)))


def test_coordinator_sets_an_alert_rule(journey_page, sign_in, demo_server):
    page = coordinator_page(journey_page, sign_in, demo_server, "/indicators/alerts/rules/")
    page.get_by_role("link", name=re.compile("Uusi")).first.click()
    page.wait_for_url("**/alerts/rules/new/")
    loneliness = Phenomenon.objects.get(slug=LONELINESS)
    page.fill("#id_name", "Yksinäisyys kasvaa Rovaniemellä")
    page.select_option("#id_phenomenon", str(loneliness.pk))
    page.select_option("#id_municipality", str(Municipality.objects.get(code="698").pk))
    page.select_option("#id_condition", AlertRule.Condition.COUNT_AT_LEAST)
    page.fill("#id_min_count", "20")
    page.fill("#id_window_days", "30")
    page.locator("input[name=recipient_users]").first.check()
    page.get_by_role("button", name="Tallenna sääntö").click()
    page.wait_for_selector("#recipients")
    rule = AlertRule.objects.get(name="Yksinäisyys kasvaa Rovaniemellä")
    assert (rule.phenomenon, rule.municipality.code, rule.min_count) == (loneliness, "698", 20)
    assert page.get_by_role("heading", name=re.compile("Yksinäisyys kasvaa Rovaniemellä")).count() >= 1
    page.goto(f"{demo_server.url}/indicators/alerts/rules/")
    assert page.get_by_text("Yksinäisyys kasvaa Rovaniemellä").count() >= 1


@pytest.fixture
def background_worker():
    """The job queue's worker beside the demo server: the grouping run the coordinator starts is done by it."""
    worker = JobWorker().start()
    yield worker
    worker.stop()


def test_coordinator_merges_a_group_and_undoes_it(journey_page, sign_in, demo_server, background_worker):
    page = coordinator_page(journey_page, sign_in, demo_server, "/analysis/groups/")
    page.get_by_role("button", name="Etsi ryhmät nyt").click()
    page.wait_for_selector("#import-run[data-status='done']", state="attached", timeout=120000)
    page.get_by_role("link", name="Katso ehdotetut ryhmät").click()
    group_box = page.locator("section.suggested-group").first
    group = SuggestedGroup.objects.get(pk=int(group_box.get_attribute("id").split("-")[1]))
    before = dict(group.observations.values_list("pk", "phenomenon_id"))
    target = Phenomenon.objects.get(slug="digitaalisuus")
    # The merge target is chosen, not defaulted to the first phenomenon.
    merge_select = group_box.get_by_label("Yhdistä ilmiöön")
    assert merge_select.input_value() == ""
    merge_select.select_option(str(target.pk))
    group_box.get_by_role("button", name="Esikatsele: yhdistäminen", exact=True).click()
    # A preview of what moves, then a confirmation.
    page.get_by_text(re.compile(r"\d+ havainto")).first.wait_for()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name=re.compile(r"^Vahvista")).click()
    page.wait_for_load_state("networkidle")
    group.refresh_from_db()
    assert group.status == SuggestedGroup.Status.MERGED
    assert set(group.observations.values_list("phenomenon_id", flat=True)) == {target.pk}

    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name=re.compile("^Kumoa")).first.click()
    page.wait_for_load_state("networkidle")
    assert dict(group.observations.values_list("pk", "phenomenon_id")) == before
    group.refresh_from_db()
    assert group.status != SuggestedGroup.Status.MERGED


def test_coordinator_drafts_approves_and_downloads_a_situation_summary(journey_page, sign_in, demo_server):
    page = coordinator_page(journey_page, sign_in, demo_server, "/analysis/municipalities/698/summaries/")
    year = TODAY.year - 1
    page.get_by_label("Vuosi").select_option(str(year))
    page.get_by_label("Kieli", exact=True).last.select_option("fi")
    page.get_by_role("button", name="Luonnostele tilannekuva").click()
    page.get_by_role("button", name=re.compile("Hyväksy versio")).click()
    page.locator("#approved-text").wait_for()
    summary = SituationSummary.objects.get(municipality__code="698", year=year, language="fi")
    text = summary.approved_version.text
    assert "ei julkaistu" not in text.lower() or "koska" in text.lower()  # a hidden number says why
    name, docx = download(page, page.get_by_role("link", name="Lataa DOCX-osiona"))
    assert name.endswith(".docx")
    document = Document(io.BytesIO(docx))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Rovaniemi" in body and str(year) in body and "koordinaattori" in body
    assert document.tables, "the DOCX carries a table of the figures"
    figures = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert str(year) in figures + body and re.search(r"\d", figures)


def test_coordinator_asks_a_question_and_a_local_actor_answers_it(journey_page, sign_in, demo_server):
    page = coordinator_page(journey_page, sign_in, demo_server, "/indicators/698/")
    page.get_by_role("link", name=re.compile("Kysymykset")).first.click()  # /questions/ is in the navigation
    page.wait_for_url("**/questions/")
    loneliness = Phenomenon.objects.get(slug=LONELINESS)
    ngo = Organisation.objects.get(name="Lapin Kylät ry")
    page.select_option("#id_phenomenon", str(loneliness.pk))
    page.select_option("#id_municipality", str(Municipality.objects.get(code="698").pk))
    page.fill("#id_text", "Tapaatteko tänä talvena enemmän yksinäisiä ikäihmisiä?")
    page.select_option("#id_kind", "trend")
    page.check(f"input[name=target_organisations][value='{ngo.pk}']")
    page.locator("#ask-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    question = Question.objects.get(text__startswith="Tapaatteko tänä talvena")  # asked the first time
    assert question.closes_on > TODAY
    assert page.locator(f"#question-{question.pk}").is_visible()

    phone = journey_page(**PHONE, is_mobile=True, has_touch=True)
    open_app(phone, demo_server, sign_in, "jarjesto")
    form = f"answer-form-{question.pk}"
    phone.wait_for_selector(f"#{form}")
    phone.click(f"label[for='{form}-trend-0']")
    phone.fill(f"#{form}-text", "Kolme uutta kävijää kyläkahvilassa")
    phone.click(f"#{form} button[type=submit]")
    phone.wait_for_selector(f"#field-question-{question.pk} .badge-saved")
    answer = Answer.objects.get(question=question)
    assert (answer.trend, answer.organisation) == ("more", ngo)

    page.reload()
    card = page.locator(f"#question-{question.pk}")
    assert "Kolme uutta kävijää kyläkahvilassa" in card.inner_text() and "Lapin Kylät ry" in card.inner_text()


