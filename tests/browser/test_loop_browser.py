"""Questions to local actors and initiative reviews in a real Chromium; answers on a phone, once offline."""
import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from geo_indi.accounts.models import Membership
from geo_indi.indicators.models import Indicator, IndicatorValue, PhenomenonIndicatorLink
from geo_indi.initiatives.services import initiative_create
from geo_indi.questions.models import Answer, Question

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def serious_axe_violations(page, selector):
    """axe-core (WCAG 2.1 A/AA) on one part of the page: ids of serious and critical violations.
    Evaluated through the DevTools protocol, which the page's CSP does not govern."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        "(sel) => axe.run(document.querySelector(sel), {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
        ".then((r) => r.violations.filter((v) => ['serious', 'critical'].includes(v.impact)).map((v) => v.id))",
        selector)


@pytest.fixture
def actors(organisations, parish, make_member, phenomena):
    return {
        "coordinator": make_member("coordinator", organisations["698"], Membership.Role.COORDINATOR),
        "parish_worker": make_member("parishworker", parish),
    }


def answer_on_phone_once_offline(page, live_server, login, question, fill):
    """The parish worker opens the field app online, answers offline, and the answer is sent once online."""
    login(page, "parishworker")
    page.goto(f"{live_server.url}/field/")
    page.wait_for_selector(f"#field-question-{question.pk} form")
    assert serious_axe_violations(page, "#field-questions") == []
    page.context.set_offline(True)
    fill(page, f"answer-form-{question.pk}")
    page.click(f"#answer-form-{question.pk} button[type=submit]")
    page.wait_for_function("() => document.getElementById('question-status').dataset.waiting === '1'")
    assert page.locator(f"#field-question-{question.pk} .badge-queued").is_visible()
    assert not Answer.objects.filter(question=question).exists()
    page.context.set_offline(False)
    page.wait_for_function("() => document.getElementById('question-status').dataset.waiting === '0'")
    page.wait_for_selector(f"#field-question-{question.pk} .badge-saved")
    return Answer.objects.get(question=question)


def test_coordinator_asks_another_organisation_answers_offline_on_a_phone_and_coordinator_sees_it(
        page_factory, live_server, login, actors, phenomena, parish, small_geography):
    loneliness = phenomena["yksinaisyys"]
    desk = page_factory()
    login(desk, "coordinator")
    desk.goto(f"{live_server.url}/questions/")
    desk.select_option("#id_phenomenon", str(loneliness.pk))
    desk.select_option("#id_municipality", str(small_geography["698"].pk))
    desk.fill("#id_text", "Do you meet more lonely older people this winter?")
    desk.select_option("#id_kind", "trend")
    desk.check(f"input[name=target_organisations][value='{parish.pk}']")
    desk.click("#ask-form button[type=submit]")
    desk.wait_for_load_state("networkidle")
    question = Question.objects.get()
    assert desk.locator(f"#question-{question.pk}").is_visible()

    phone = page_factory(**PHONE, is_mobile=True, has_touch=True)

    def fill(page, form_id):
        page.click(f"label[for='{form_id}-trend-0']")  # seen more
        page.fill(f"#{form_id}-text", "Three new visitors at the parish café")

    answer = answer_on_phone_once_offline(phone, live_server, login, question, fill)
    assert (answer.trend, answer.text, answer.organisation) == ("more", "Three new visitors at the parish café", parish)

    desk.goto(f"{live_server.url}/questions/?phenomenon={loneliness.pk}")
    card = desk.locator(f"#question-{question.pk}")
    assert "Three new visitors at the parish café" in card.inner_text()
    assert "Rovaniemi parish" in card.inner_text()
    assert serious_axe_violations(desk, "#main") == []


def test_initiative_review_asks_for_feedback_and_the_answer_appears_on_the_trend_timeline(
        page_factory, live_server, login, actors, phenomena, parish, small_geography):
    today = timezone.localdate()
    rovaniemi = small_geography["698"]
    loneliness = phenomena["yksinaisyys"]
    indicator = Indicator.objects.create(sotkanet_id=4307, title_fi="Yksinäiseksi itsensä tuntevien osuus")
    PhenomenonIndicatorLink.objects.create(phenomenon=loneliness, indicator=indicator, confirmed_by=actors["coordinator"])
    IndicatorValue.objects.create(indicator=indicator, municipality=rovaniemi, year=today.year - 1, value=12.1)
    initiative = initiative_create(
        created_by=actors["coordinator"], title="Village coffee", goal="Fewer lonely older people",
        phenomena=[loneliness], municipalities=[rovaniemi], responsible_organisations=[parish],
        measures=["Weekly coffee", "Home visits"], starts_on=today - dt.timedelta(days=60), review_dates=[today])
    call_command("request_initiative_reviews", verbosity=0)
    question = Question.objects.get(initiative_reviews__initiative=initiative)

    def fill(page, form_id):
        page.click(f"label[for='{form_id}-progress-0-2']")  # weekly coffee: done
        page.click(f"label[for='{form_id}-progress-1-1']")  # home visits: ongoing
        page.click(f"label[for='{form_id}-trend-2']")  # seen less
        page.fill(f"#{form_id}-text", "Coffee every Tuesday")

    phone = page_factory(**PHONE, is_mobile=True, has_touch=True)
    answer = answer_on_phone_once_offline(phone, live_server, login, question, fill)
    assert (answer.progress, answer.trend) == (["done", "ongoing"], "less")

    desk = page_factory()
    login(desk, "coordinator")
    desk.goto(f"{live_server.url}/maps/698/")
    timeline = desk.locator(f"#initiative-{initiative.pk}")
    review = timeline.locator(f"time[datetime='{today.isoformat()}']").locator("xpath=..")
    assert "Coffee every Tuesday" in review.inner_text()
    assert "Rovaniemi parish" in review.inner_text()
    labels = desk.evaluate(
        "() => Chart.getChart(document.querySelector(\"section[aria-labelledby='ph-%d'] canvas\"))"
        ".data.datasets.map((d) => d.label)" % loneliness.pk)
    assert any("Village coffee" in label for label in labels)
    assert serious_axe_violations(desk, "#initiatives-title") == [] and serious_axe_violations(
        desk, f"#initiative-{initiative.pk}") == []


def test_feedback_request_is_answered_in_two_taps_offline_and_a_text_naming_someone_warns_first(
        page_factory, live_server, login, actors, phenomena, parish, small_geography):
    """An initiative with no measures asks better / same / worse. Offline: tap "worse", tap send; it waits on the
    phone and arrives once online. Online again, a text with a first name in it is checked as an observation's
    description is: a warning with "Send anyway", never a refusal."""
    today = timezone.localdate()
    initiative = initiative_create(
        created_by=actors["coordinator"], title="Village coffee", goal="Fewer lonely older people",
        phenomena=[phenomena["yksinaisyys"]], municipalities=[small_geography["698"]],
        responsible_organisations=[parish], starts_on=today - dt.timedelta(days=100), review_interval_months=3)
    call_command("request_initiative_reviews", verbosity=0)
    question = Question.objects.get(initiative_reviews__initiative=initiative)

    def two_taps(page, form_id):
        page.click(f"label[for='{form_id}-verdict-2']")  # worse; the send button is the second tap

    phone = page_factory(**PHONE, is_mobile=True, has_touch=True)
    answer = answer_on_phone_once_offline(phone, live_server, login, question, two_taps)
    assert (answer.verdict, answer.text, answer.organisation) == ("worse", "", parish)

    form = f"answer-form-{question.pk}"
    phone.click(f"label[for='{form}-verdict-0']")  # better, after all
    phone.fill(f"#{form}-text", "Kävin Matin kanssa kahvilla")
    phone.click(f"#{form} button[type=submit]")
    warning = phone.locator(f"#{form} .description-warning")
    warning.wait_for()
    assert "Matin" in warning.inner_text()
    assert Answer.objects.get(pk=answer.pk).verdict == "worse"  # nothing sent before the reporter decides
    warning.get_by_role("button").click()  # send anyway
    for _ in range(100):  # the outbox sends it at once (online): wait for it to arrive
        answer.refresh_from_db()
        if answer.text:
            break
        phone.wait_for_timeout(100)
    assert (answer.verdict, answer.text) == ("better", "Kävin Matin kanssa kahvilla")
    assert Answer.objects.filter(question=question).count() == 1  # the second answer replaced the first
