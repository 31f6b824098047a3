"""Journey: an administrator adds a data-sharing agreement in the admin; the other organisation's coordinator
reloads the municipality page and now reads the records, without their text at that level; the agreement
removed, they are gone again."""
import pytest

from geo_indi.accounts.models import Organisation
from geo_indi.observations.models import Observation
from geo_indi.sharing.models import SharingAgreement

pytestmark = pytest.mark.browser

PROVIDER, RECIPIENT = "Lapin Kylät ry", "Rovaniemen kaupunki"
MUNICIPALITY = "758"  # Sodankylä: the NGO works there, the city does not
LATEST = 10  # maps.views.LATEST


def latest_rows(page):
    return page.locator("table.latest-table tbody tr")


def test_agreement_added_in_the_admin_opens_the_records_without_text(journey_page, demo_server, sign_in):
    provider = Organisation.objects.get(name=PROVIDER)
    theirs = Observation.objects.filter(organisation=provider, municipality__code=MUNICIPALITY)
    assert theirs.exclude(description="").exists()
    assert not Observation.objects.filter(organisation__name=RECIPIENT, municipality__code=MUNICIPALITY).exists()

    coordinator = journey_page(1366, 768)
    sign_in(coordinator, "koordinaattori")
    coordinator.goto(f"{demo_server.url}/maps/{MUNICIPALITY}/")
    assert latest_rows(coordinator).count() == 0

    admin = journey_page(1366, 768)
    sign_in(admin, "admin")
    admin.goto(f"{demo_server.url}/admin/sharing/sharingagreement/add/")
    admin.get_by_label("Jakava organisaatio").select_option(label=PROVIDER)
    admin.get_by_label("Vastaanottava organisaatio").select_option(label=RECIPIENT)
    admin.get_by_label("Taso").select_option(label="Kirjaukset ilman vapaata tekstiä")
    admin.get_by_label("Voimassa alkaen").fill("2026-01-01")
    admin.get_by_label("Sopimuksen viite").fill("Lapin tietojenjakosopimus 3/2026")
    admin.locator("input[name=_save]").click()
    admin.wait_for_url("**/admin/sharing/sharingagreement/")
    assert SharingAgreement.objects.filter(provider=provider, recipient__name=RECIPIENT).count() == 1

    coordinator.reload()
    rows = latest_rows(coordinator)
    assert rows.count() == min(LATEST, theirs.count())
    texts = set(theirs.exclude(description="").values_list("description", flat=True))
    assert all(rows.nth(i).locator("td").nth(3).inner_text().strip() == "" for i in range(rows.count()))
    assert not any(text in coordinator.content() for text in texts)

    admin.locator("#result_list tbody tr a").first.click()
    admin.locator("a.deletelink").click()
    admin.locator("input[type=submit]").click()
    admin.wait_for_url("**/admin/sharing/sharingagreement/")
    coordinator.reload()
    assert latest_rows(coordinator).count() == 0
