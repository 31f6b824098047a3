"""Sample indicators from the first start, population from Sotkanet's indicator 127, and the import run from the app."""
import datetime as dt
import json
import time

import pytest

from geo_indi.areas.models import Municipality
from geo_indi.indicators.demo import SAMPLE_INDICATORS, load_demo_indicators
from geo_indi.indicators.models import Indicator, IndicatorValue, PhenomenonIndicatorLink, SotkanetImportRun
from geo_indi.indicators.sotkanet import FileSource, import_indicators
from tests.test_indicators_sotkanet import base, sotkanet_server  # noqa: F401  (the fake Sotkanet server fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def demo_indicators(small_geography, phenomena, users):
    written = load_demo_indicators()
    return written


def test_demo_links_every_phenomenon_to_a_sample_indicator(demo_indicators, phenomena):
    # 2 municipalities of the test geography x (population + 6 sample indicators) x 6 years
    assert demo_indicators == 2 * (1 + len(SAMPLE_INDICATORS)) * 6
    assert set(PhenomenonIndicatorLink.objects.values_list("phenomenon__slug", flat=True)) == set(phenomena)
    assert not Indicator.objects.filter(is_sample=False).exists()


def test_demo_fills_population_from_indicator_127(small_geography, phenomena, users):
    load_demo_indicators(today=dt.date(2025, 6, 1))  # years 2019-2024
    rovaniemi = Municipality.objects.get(code="698")
    # 65,500 at the end of 2023, 0.8 % fewer a year later: 65,500 x 0.992 = 64,976
    assert rovaniemi.population == 64976
    assert IndicatorValue.objects.get(indicator__sotkanet_id=127, municipality=rovaniemi, year=2024).value == 64976
    assert IndicatorValue.objects.get(indicator__sotkanet_id=127, municipality=rovaniemi, year=2019).value == round(65500 / 0.992 ** 4)


def test_every_municipality_page_shows_indicators_beside_observations_labelled_as_sample(client, demo_indicators):
    for code in ("698", "320"):
        html = client.get(f"/indicators/{code}/").content.decode()
        assert "No indicators are linked" not in html
        assert 'class="indicator-chart"' in html and "Sample data" in html and "sample data, not THL" in html


def test_demo_is_not_loaded_over_real_indicators(small_geography, phenomena, users):
    Indicator.objects.create(sotkanet_id=4307, title_fi="Oikea")
    assert load_demo_indicators() == 0
    assert not Indicator.objects.filter(is_sample=True).exists()


def population_file(tmp_path, values):
    """A saved Sotkanet file with indicator 127 for Rovaniemi (region 833) and Kemijärvi (580)."""
    data = {
        "indicators": [{"id": 127, "title": {"fi": "Väkiluku", "sv": "Folkmängd", "en": "Population"}}],
        "regions": [{"id": 833, "code": "698", "category": "KUNTA"}, {"id": 580, "code": "320", "category": "KUNTA"}],
        "values": [{"indicator": 127, "region": region, "year": year, "gender": "total", "value": value}
                   for region, year, value in values],
    }
    path = tmp_path / "population.json"
    path.write_text(json.dumps(data), "utf-8")
    return path


def test_importing_127_replaces_the_sample_and_sets_population(demo_indicators, tmp_path):
    path = population_file(tmp_path, [(833, 2022, 64000), (833, 2023, 65100)])  # Kemijärvi not in THL's answer
    import_indicators([127], [2022, 2023], FileSource(path))
    population = Indicator.objects.get(sotkanet_id=127)
    assert population.is_sample is False and population.title_fi == "Väkiluku"
    assert sorted(population.values.values_list("municipality__code", "year", "value")) == [("698", 2022, 64000.0), ("698", 2023, 65100.0)]
    assert Municipality.objects.get(code="698").population == 65100  # the latest year
    # Kemijärvi keeps what it had: the sample values are gone, the number already stored stays
    assert Municipality.objects.get(code="320").population is not None


def test_page_says_how_to_fix_a_missing_population(client, small_geography, users):
    Municipality.objects.filter(code="320").update(population=None)
    html = client.get("/indicators/320/").content.decode()
    assert "Population is not known" in html and "import_sotkanet --indicator 127" in html
    client.force_login(users["admin"])
    assert 'href="/indicators/import/"' in client.get("/indicators/320/").content.decode()


# --- the import from the app --------------------------------------------------------------------

def test_only_administrators_may_import(client, users):
    client.force_login(users["coord_698"])
    assert client.get("/indicators/import/").status_code == 403
    assert client.post("/indicators/import/", {"indicators": "127", "years": "2020"}).status_code == 403
    assert SotkanetImportRun.objects.count() == 0


def test_bad_import_input_is_a_form_error(client, users):
    client.force_login(users["admin"])
    response = client.post("/indicators/import/", {"indicators": "127, väkiluku", "years": "2024-2015"})
    assert response.status_code == 400 and set(response.context["form"].errors) == {"indicators", "years"}


def wait_for(run, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status != SotkanetImportRun.Status.RUNNING:
            return run
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


@pytest.mark.django_db(transaction=True)
def test_import_runs_in_the_background_and_reports_progress(client, users, settings, sotkanet_server, job_worker):  # noqa: F811
    settings.SOTKANET_API_URL = base(sotkanet_server)
    client.force_login(users["admin"])
    response = client.post("/indicators/import/", {"indicators": "4307, 5180", "years": "2015-2024"})
    run = SotkanetImportRun.objects.get()
    assert response.status_code == 302 and response.url == f"/indicators/import/{run.pk}/"
    wait_for(run)
    assert run.status == "done" and run.total_steps == 6 and run.step == 6, run.message
    status = client.get(f"/indicators/import/{run.pk}/?format=json").json()
    assert status["percent"] == 100 and "2 indicator(s)" in status["message"]
    assert Indicator.objects.filter(sotkanet_id__in=[4307, 5180]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_import_without_a_connection_fails_with_a_clear_message(client, users, settings, job_worker):
    settings.SOTKANET_API_URL = "http://127.0.0.1:9/rest/1.1"  # nothing listens on the discard port
    settings.SOTKANET_TIMEOUT_SECONDS = 2
    client.force_login(users["admin"])
    client.post("/indicators/import/", {"indicators": "127", "years": "2020-2023"})
    run = wait_for(SotkanetImportRun.objects.get())
    assert run.status == "failed"
    assert "Cannot reach Sotkanet" in run.message and "Nothing was imported" in run.message
    page = client.get(f"/indicators/import/{run.pk}/").content.decode()
    assert "Cannot reach Sotkanet" in page
    assert not Indicator.objects.exists()
