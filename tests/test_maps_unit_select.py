"""The municipality page lets a reader choose what is counted (issue 21, item 4): occurrences by default, records on
request, and the choice shown as made."""
import re

import pytest


def _unit_select(html: str) -> str:
    found = re.search(r'<select id="f-unit" name="unit">(.*?)</select>', html, re.S)
    assert found, "no 'what is counted' choice on the page"
    return found.group(1)


@pytest.mark.parametrize("query, chosen", [("", "occurrences"), ("?unit=records", "records"),
                                           ("?unit=occurrences", "occurrences")])
def test_the_map_page_offers_occurrences_and_records(client, small_geography, phenomena, query, chosen):
    response = client.get(f"/maps/698/{query}", HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 200
    options = dict(re.findall(r'<option value="(\w+)"( selected)?>', _unit_select(response.content.decode())))
    assert set(options) == {"occurrences", "records"}
    assert [value for value, selected in options.items() if selected] == [chosen]
    assert '<label for="f-unit">Mitä lasketaan</label>' in response.content.decode()


def test_an_unknown_unit_is_a_clear_400(client, small_geography, phenomena):
    response = client.get("/maps/698/?unit=cats", HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 400
