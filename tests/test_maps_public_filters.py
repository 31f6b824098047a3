"""Public map pages speak to the public: no "your organisation" for anonymous visitors, a form with only the
filters they can use, and a filter they cannot use answered by a 400 page in their language that names the
filter as the form does (never a URL parameter) and links to the map without it.

test_maps.py's fixture: 698 (Rovaniemi) with observations in 2026; coord_698 is an insider of 698.
"""
import re

import pytest

from tests.test_maps import observations  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

PARAMETERS = ("direction", "subject=object", "category", "age_group", "date_from", "date_to", "year=", "classes")


def _get(client, url, language="fi"):
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language)


def _form(html):
    return html.split('class="map-filters"', 1)[1].split("</form>", 1)[0]


@pytest.mark.parametrize("url", ["/maps/", "/maps/698/"])
def test_anonymous_visitors_get_public_wording_and_only_public_filters(client, observations, url):  # noqa: F811
    response = _get(client, url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Organisaatiosi" not in html and "organisaatiosi" not in html
    form = _form(html)
    assert "Määrät julkaistaan kalenterivuosittain (oletus: tämä vuosi)." in form
    for name in ("category", "direction", "age_group", "date_from", "date_to"):
        assert f'name="{name}"' not in form, name
    for name in ("phenomenon", "subject", "year"):
        assert f'name="{name}"' in form, name
    assert 'id="limited-filters-help"' in form and "Koskee paikkaa tai asiaa" in form


def test_observations_about_places_open_every_filter_to_the_public(client, observations):  # noqa: F811
    response = _get(client, "/maps/698/?subject=object&direction=weakens&date_from=2026-02-01&date_to=2026-02-28")
    assert response.status_code == 200
    form = _form(response.content.decode())
    for name in ("category", "direction", "age_group", "date_from", "date_to"):
        assert f'name="{name}"' in form, name


def test_insiders_keep_every_filter_and_the_member_wording(client, observations, users):  # noqa: F811
    client.force_login(users["coord_698"])
    form = _form(_get(client, "/maps/698/").content.decode())
    for name in ("category", "direction", "age_group", "date_from", "date_to"):
        assert f'name="{name}"' in form, name
    assert "Organisaatiosi kuntien ulkopuolella" in form and 'id="limited-filters-help"' not in form


@pytest.mark.parametrize("url, label, retry", [
    ("/maps/698/?direction=weakens&year=2026", "Vaikutus", "/maps/698/?year=2026"),
    ("/maps/?category=1&age_group=older", "Luokka, Ikäryhmä", "/maps/?"),
    ("/maps/698/report.pdf?age_group=older", "Ikäryhmä", "/maps/698/report.pdf?"),
])
def test_a_filter_outsiders_cannot_use_gets_a_friendly_page(client, observations, url, label, retry):  # noqa: F811
    response = _get(client, url)
    assert response.status_code == 400
    html = response.content.decode()
    message = re.search(r'<p class="errorlist" role="alert">(.*?)</p>', html, flags=re.S).group(1)
    assert label in message and "paikkoja ja asioita" in message
    assert "Organisaatiosi" not in message
    for parameter in PARAMETERS:
        assert parameter not in message, parameter
    assert "Karttaa ei voi näyttää näillä valinnoilla" in html
    assert f'href="{retry}"' in html.replace("&amp;", "&")


def test_dates_outside_a_calendar_year_ask_for_a_year_in_words(client, observations):  # noqa: F811
    response = _get(client, "/maps/698/?date_from=2026-03-01&date_to=2026-04-30", language="en")
    assert response.status_code == 400
    message = re.search(r'<p class="errorlist" role="alert">(.*?)</p>', response.content.decode(), re.S).group(1)
    assert "choose a year instead of dates" in message
    assert "year=" not in message and "YYYY" not in message


def test_unknown_choices_name_the_form_field(client, observations):  # noqa: F811
    response = _get(client, "/maps/698/?classes=jenks", language="en")
    assert response.status_code == 400
    message = re.search(r'<p class="errorlist" role="alert">(.*?)</p>', response.content.decode(), re.S).group(1)
    assert message.startswith("Classes: choose one of") and "natural_breaks" not in message
    swedish = _get(client, "/maps/698/?direction=sideways", language="sv")
    assert swedish.status_code == 400 and "Påverkan" in swedish.content.decode()
