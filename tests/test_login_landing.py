"""Log-in: usernames are case-insensitive and each role lands where its work is."""
import pytest

from geo_indi.accounts.models import Membership

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests"


def log_in(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


def test_username_is_matched_whatever_its_case(client, users):
    response = log_in(client, "Field698")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(users["field_698"].pk)


def test_wrong_password_still_fails_in_any_case(client, users):
    assert log_in(client, "FIELD698", "wrong").status_code == 200
    assert "_auth_user_id" not in client.session


def test_names_differing_only_by_case_log_in_only_with_the_exact_spelling(client, organisations, make_member):
    lower = make_member("virta", organisations["698"])
    upper = make_member("Virta", organisations["698"])
    log_in(client, "Virta")
    assert client.session["_auth_user_id"] == str(upper.pk)
    client.logout()
    log_in(client, "virta")
    assert client.session["_auth_user_id"] == str(lower.pk)
    client.logout()
    assert log_in(client, "VIRTA").status_code == 200


@pytest.mark.parametrize("user, landing", [
    ("field_698", "/field/"),
    ("coord_698", "/maps/698/"),  # the one municipality the organisation works in
    ("admin", "/maps/"),
])
def test_each_role_lands_where_its_work_is(client, users, user, landing):
    response = log_in(client, users[user].username)
    assert response.status_code == 302 and response.url == landing


def test_coordinator_of_several_municipalities_lands_on_the_overview(client, organisations, make_member, small_geography):
    organisations["698"].municipalities.add(small_geography["320"])
    make_member("county", organisations["698"], Membership.Role.COORDINATOR)
    assert log_in(client, "county").url == "/maps/"


def test_next_still_wins(client, users):
    assert log_in(client, "field698", next="/indicators/").url == "/indicators/"


def test_login_form_is_made_for_phones(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'autocapitalize="none"' in html and 'autocorrect="off"' in html and 'spellcheck="false"' in html
