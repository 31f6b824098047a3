"""Journey: an administrator adds a data-sharing agreement in the admin; the other organisation's coordinator
reloads the municipality page and now reads the records, without their text at that level; the agreement
removed, they are gone again."""
import pytest

from geo_indi.observations.models import Observation
from geo_indi.sharing.models import SharingAgreement

pytestmark = pytest.mark.browser

PROVIDER, RECIPIENT = "Lapin Kylät ry", "Rovaniemen kaupunki"
LATEST = 10  # maps.views.LATEST


def expected_table(code, shared):
    """The municipality page's latest records as (date, postcode, description) for the recipient's coordinator:
    their organisation's, and with `shared` the provider's too with their text blanked (newest first)."""
    orgs = [RECIPIENT, PROVIDER] if shared else [RECIPIENT]
    rows = (Observation.objects.filter(municipality__code=code, organisation__name__in=orgs)
            .order_by("-observed_on", "-id").values_list("observed_on", "postcode_area__postcode", "description",
                                                          "organisation__name")[:LATEST])
    return [(day.isoformat(), postcode, "" if org == PROVIDER else text) for day, postcode, text, org in rows]


def shown_table(page):
    rows = page.locator("table.latest-table tbody tr")
    cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]
    return [(c[0].strip(), c[1].strip(), c[3].strip()) for c in cells]


def a_municipality_where_the_provider_shows():
    """A municipality whose newest records (of both organisations) include one of the provider's, with text."""
    for code in Observation.objects.filter(organisation__name=PROVIDER).values_list(
            "municipality__code", flat=True).distinct().order_by("municipality__code"):
        rows = (Observation.objects.filter(municipality__code=code, organisation__name__in=[RECIPIENT, PROVIDER])
                .order_by("-observed_on", "-id")[:LATEST])
        if any(o.organisation.name == PROVIDER and o.description for o in rows):
            return code, [o.description for o in rows if o.organisation.name == PROVIDER and o.description]
    pytest.fail("the demo has no municipality where the NGO's records would show")


def test_agreement_added_in_the_admin_opens_the_records_without_text(journey_page, demo_server, sign_in):
    code, texts = a_municipality_where_the_provider_shows()
    coordinator = journey_page(1366, 768)
    sign_in(coordinator, "koordinaattori")
    coordinator.goto(f"{demo_server.url}/maps/{code}/")
    assert shown_table(coordinator) == expected_table(code, shared=False)

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
    assert SharingAgreement.objects.filter(provider__name=PROVIDER, recipient__name=RECIPIENT).count() == 1

    coordinator.reload()
    assert shown_table(coordinator) == expected_table(code, shared=True) != expected_table(code, shared=False)
    assert not any(text in coordinator.content() for text in texts)

    admin.locator("#result_list tbody tr a").first.click()
    admin.locator("a.deletelink").click()
    admin.locator("input[type=submit]").click()
    admin.wait_for_url("**/admin/sharing/sharingagreement/")
    coordinator.reload()
    assert shown_table(coordinator) == expected_table(code, shared=False)
