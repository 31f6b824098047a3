"""Finnish first, Swedish and English selectable; catalogues complete."""
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[1] / "geo_indi" / "locale"


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("", "Hyvinvointi- ja turvallisuushavainnot Lapissa"),
        ("sv", "Observationer om välfärd och trygghet i Lappland"),
        ("en", "Wellbeing and safety observations in Lapland"),
    ],
)
def test_home_page_language(client, db, accept, expected):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert expected in html


def test_language_switch_sets_cookie(client, db):
    response = client.post("/i18n/setlang/", {"language": "sv", "next": "/"})
    assert response.status_code == 302
    assert "Observationer om välfärd" in client.get("/").content.decode()


@pytest.mark.parametrize("language", ["fi", "sv"])
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_catalogue_has_no_untranslated_or_fuzzy_entries(language, domain):
    import polib

    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / f"{domain}.po"))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
