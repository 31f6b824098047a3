"""Journey: an initiative through its loop, in the demo (issue 25, part 1).

Rovaniemi's coordinator (koordinaattori, desktop) opens the loneliness view of the municipality page, starts an
initiative there with the form (Lapin Kylät ry involved, feedback every three months from three months ago);
the periodic job `request_initiative_reviews` runs and asks the organisation for feedback; Lapin Kylät ry's field
worker (jarjesto) answers on a phone in two taps (better, send); the coordinator's initiative page shows the
answer beside the month's observations and the followed indicators.
"""
import datetime as dt
import io
import re
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from geo_indi.initiatives.models import Initiative
from geo_indi.observations.models import Observation, Phenomenon
from geo_indi.questions.models import Answer, Kind, Question

from ..helpers import PHONE, open_app, run_axe
from .conftest import JOURNEY_NOW

pytestmark = pytest.mark.browser

TODAY = JOURNEY_NOW.date()  # 2026-12-03
STARTS_ON = dt.date(2026, 9, 3)  # three months ago: the first review falls due today
TITLE = "Kyläkahvila Ounasvaaralle"


def run_review_job() -> None:
    """The worker's periodic job (the management command of the same name, jobs/tasks.py), on a thread of its own:
    its own database connection commits, as the worker's does, so the live server and the phone see the question."""
    failures = []

    def job():
        try:
            call_command("request_initiative_reviews", stdout=io.StringIO())
        except Exception as error:  # noqa: BLE001 - reported below, in the test's thread
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=job)
    thread.start()
    thread.join(120)
    assert not failures, failures


def cells_of_month(page, month: str) -> list[str]:
    row = page.locator("#initiative-trend-table tbody tr", has=page.locator("th", has_text=month))
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def test_coordinator_starts_an_initiative_and_sees_the_field_feedback_beside_the_trend(journey_page, sign_in,
                                                                                        demo_server):
    loneliness = Phenomenon.objects.get(slug="yksinaisyys")
    page = journey_page(1366, 768)
    sign_in(page, "koordinaattori", f"/maps/698/?phenomenon={loneliness.pk}")
    page.get_by_role("link", name=re.compile(f"Uusi aloite ilmiöstä {loneliness.name}")).click()
    page.wait_for_url("**/initiatives/new/**")
    assert page.locator(f"input[name=phenomena][value='{loneliness.pk}']").is_checked()  # from the phenomenon view
    assert not run_axe(page), "the initiative form passes axe (WCAG 2.1 AA)"
    page.fill("#id_title", TITLE)
    page.fill("#id_goal", "Vähemmän yksinäisiä ikäihmisiä Ounasvaaralla")
    page.get_by_label("Lapin Kylät ry", exact=True).check()  # organisations are chosen by name
    page.fill("#id_starts_on", STARTS_ON.isoformat())
    page.select_option("#id_review_interval_months", "3")
    page.get_by_role("button", name="Luo aloite").click()
    page.wait_for_selector("#feedback-title")
    initiative = Initiative.objects.get(title=TITLE)
    assert page.url == f"{demo_server.url}/initiatives/{initiative.pk}/"
    assert [o.name for o in initiative.responsible_organisations.all()] == ["Lapin Kylät ry"]
    assert (initiative.starts_on, initiative.review_interval_months) == (STARTS_ON, 3)

    run_review_job()
    question = Question.objects.get(initiative_reviews__initiative=initiative)
    assert (question.kind, question.closes_on > TODAY) == (Kind.FEEDBACK, True)

    phone = journey_page(**PHONE, is_mobile=True, has_touch=True)
    open_app(phone, demo_server, sign_in, "jarjesto")
    form = f"answer-form-{question.pk}"
    phone.wait_for_selector(f"#{form}")
    phone.click(f"label[for='{form}-verdict-0']")  # tap 1: better
    phone.click(f"#{form} button[type=submit]")    # tap 2: send
    phone.wait_for_selector(f"#field-question-{question.pk} .badge-saved")
    answer = Answer.objects.get(question=question)
    assert (answer.verdict, answer.organisation.name) == ("better", "Lapin Kylät ry")

    page.reload()
    feedback = page.locator("#initiative-feedback").inner_text()
    assert "Lapin Kylät ry" in feedback and "Parempi" in feedback
    observed = Observation.objects.filter(phenomenon=loneliness, municipality__code="698",
                                          observed_on__gte=TODAY.replace(day=1), observed_on__lte=TODAY).count()
    # month | loneliness observations | feedback better | same | worse
    assert cells_of_month(page, TODAY.strftime("%Y-%m")) == [str(observed), "1", "0", "0"]
    assert page.locator("#initiative-trend-table tbody tr").count() == 4  # 2026-09 .. 2026-12
    assert not run_axe(page), "the initiative page passes axe (WCAG 2.1 AA)"
