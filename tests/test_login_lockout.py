"""Login lockout (accounts/lockout.py): a per-username back-off that a known device skips, a per-address lock.

Settings of these tests: 3 free failures per username, then waits of 10 s doubling up to 40 s; 6 failures from one
address lock it for LOGIN_LOCKOUT_HOURS = 1.
"""
import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from geo_indi.accounts.lockout import KNOWN_DEVICE_COOKIE

RIGHT = "pw-for-tests"


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_BACKOFF_SECONDS = 10
    settings.LOGIN_BACKOFF_MAX_SECONDS = 40
    settings.AXES_FAILURE_LIMIT = 6
    settings.AXES_COOLOFF_TIME = 1


def login(client, username, password, ip="10.0.0.1", language="en", **headers):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip,
                       HTTP_ACCEPT_LANGUAGE=language, **headers)


def later(frozen_clock, seconds):
    frozen_clock.move_to(timezone.now() + dt.timedelta(seconds=seconds))


def known_device_of(username):
    """A browser that has logged in as `username` once and logged out again (keeping its device cookie)."""
    browser = Client()
    assert login(browser, username, RIGHT, ip="192.0.2.50").status_code == 302
    cookie = browser.cookies[KNOWN_DEVICE_COOKIE].value
    browser.logout()
    browser.cookies[KNOWN_DEVICE_COOKIE] = cookie
    return browser


def test_an_attacker_from_many_addresses_cannot_stop_the_user_on_a_known_device(users, lockout):
    device = known_device_of("field698")
    attacker = Client()
    answers = [login(attacker, "field698", f"guess-{n}", ip=f"203.0.113.{n}").status_code for n in range(20)]
    assert answers[:3] == [200, 200, 200] and set(answers[3:]) == {429}
    # A new browser, even the user's own, waits like the attacker ...
    assert login(Client(), "field698", RIGHT, ip="192.0.2.50").status_code == 429
    # ... the known device does not: a typo is an ordinary failed login, the right password logs in.
    assert login(device, "field698", "typo", ip="192.0.2.50").status_code == 200
    assert login(device, "field698", RIGHT, ip="192.0.2.50").status_code == 302


def test_a_known_device_of_one_user_is_not_known_for_another(users, lockout):
    device = known_device_of("field698")
    for n in range(3):
        login(Client(), "coord698", "wrong", ip=f"203.0.113.{n}")
    assert login(device, "coord698", RIGHT, ip="192.0.2.50").status_code == 429


def test_a_forged_device_cookie_is_not_trusted(users, lockout):
    for n in range(3):
        login(Client(), "field698", "wrong", ip=f"203.0.113.{n}")
    forger = Client()
    forger.cookies[KNOWN_DEVICE_COOKIE] = '{"id": "x", "u": ["field698"]}'
    assert login(forger, "field698", RIGHT, ip="203.0.113.99").status_code == 429


def test_a_known_device_that_keeps_failing_loses_its_exemption(users, lockout):
    device = known_device_of("field698")
    for n in range(3):
        login(Client(), "field698", "wrong", ip=f"203.0.113.{n}")
    assert [login(device, "field698", "wrong", ip="192.0.2.50").status_code for _ in range(3)] == [200, 200, 200]
    assert login(device, "field698", RIGHT, ip="192.0.2.50").status_code == 429


def test_the_backoff_doubles_is_bounded_and_attempts_inside_it_neither_count_nor_lengthen_it(
        client, users, lockout, frozen_clock):
    def attempt(password="wrong"):
        response = login(client, "field698", password, ip=f"203.0.113.{attempt.n}")
        attempt.n += 1
        return response

    attempt.n = 0
    assert [attempt().status_code for _ in range(3)] == [200, 200, 200]
    waits = []
    for _ in range(4):
        refused = [attempt() for _ in range(3)]  # inside the wait: refused, and the wait does not grow
        assert {r.status_code for r in refused} == {429}
        retry_after = {int(r["Retry-After"]) for r in refused}
        assert len(retry_after) == 1
        waits.append(retry_after.pop())
        later(frozen_clock, waits[-1] + 0.5)
        assert attempt().status_code == 200  # after the wait one more guess, which fails
    assert waits == [10, 20, 40, 40]
    later(frozen_clock, 40.5)
    assert attempt(RIGHT).status_code == 302
    client.logout()
    # A success cleared the back-off: the next failures are free again.
    assert [login(Client(), "field698", "wrong", ip="203.0.113.200").status_code for _ in range(2)] == [200, 200]


def test_spelling_the_username_differently_does_not_reset_the_count(users, lockout):
    for n, spelling in enumerate(("field698", "FIELD698", " Field698 ")):
        login(Client(), spelling, "wrong", ip=f"203.0.113.{n}")
    assert login(Client(), "field698", RIGHT, ip="203.0.113.9").status_code == 429


def test_one_address_failing_across_many_usernames_is_locked(users, lockout, frozen_clock):
    address = "10.0.0.9"
    answers = [login(Client(), f"someone{n}", "wrong", ip=address).status_code for n in range(6)]
    assert answers == [200] * 5 + [429]
    locked = login(Client(), "coord698", RIGHT, ip=address)
    assert locked.status_code == 429 and 3590 <= int(locked["Retry-After"]) <= 3600
    assert login(Client(), "coord698", RIGHT, ip="10.0.0.10").status_code == 302
    later(frozen_clock, 3601)
    assert login(Client(), "field698", RIGHT, ip=address).status_code == 302


def test_a_known_device_is_not_locked_by_its_address(users, lockout):
    device = known_device_of("field698")
    for n in range(6):
        login(Client(), f"someone{n}", "wrong", ip="192.0.2.50")
    assert login(Client(), "coord698", RIGHT, ip="192.0.2.50").status_code == 429
    assert login(device, "field698", RIGHT, ip="192.0.2.50").status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_is_locked_not_the_proxy(users, lockout, settings):
    """Everyone arrives from the proxy's address: with TRUSTED_PROXY_COUNT=1 only the attacker's own address is
    locked, and the user elsewhere logs in."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.9.9.9"
    for n in range(6):
        login(Client(), f"someone{n}", "wrong", ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert login(Client(), "coord698", RIGHT, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert login(Client(), "coord698", RIGHT, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.4").status_code == 302
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7").exists()
    assert not AccessAttempt.objects.filter(ip_address=proxy).exists()


def test_without_a_trusted_proxy_a_forged_forwarded_address_is_ignored(users, lockout):
    for n in range(6):
        login(Client(), f"someone{n}", "wrong", ip="10.0.0.5", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert login(Client(), "coord698", RIGHT, ip="10.0.0.5", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


@pytest.mark.clock("2026-03-02")
@pytest.mark.parametrize("language, text", [
    ("fi", "Liian monta epäonnistunutta kirjautumisyritystä. Yritä uudelleen klo 12.01."),
    ("sv", "För många misslyckade inloggningsförsök. Försök igen kl. 12:01."),
    ("en", "Too many failed login attempts. Try again at 12:01 p.m."),
])
def test_the_refusal_says_in_the_users_language_when_to_try_again(users, lockout, language, text):
    """The clock starts at 12.00.00 in Helsinki; the third failure sets a 10 s wait, which ends at 12.00.10:
    the page rounds it up to the next minute, 12.01, so the time shown is never too early."""
    for n in range(3):
        login(Client(), "field698", "wrong", ip=f"203.0.113.{n}")
    refused = login(Client(), "field698", RIGHT, ip="203.0.113.9", language=language)
    assert refused.status_code == 429
    assert text in refused.content.decode()


def test_administrator_unlocks_an_address_in_the_admin(users, lockout):
    for n in range(6):
        login(Client(), f"someone{n}", "wrong", ip="10.0.0.9")
    assert login(Client(), "field698", RIGHT, ip="10.0.0.9").status_code == 429
    admin = APIClient()
    admin.force_login(users["admin"])
    for attempt in AccessAttempt.objects.filter(ip_address="10.0.0.9"):
        assert admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}).status_code == 302
    assert login(Client(), "field698", RIGHT, ip="10.0.0.9").status_code == 302


def test_the_admins_login_form_is_under_the_same_backoff(users, lockout):
    for n in range(3):
        login(Client(), "root", "wrong", ip=f"203.0.113.{n}")
    refused = Client().post("/admin/login/", {"username": "root", "password": RIGHT}, REMOTE_ADDR="203.0.113.9",
                            HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and "Too many failed login attempts" in refused.content.decode()


def test_an_address_lock_without_an_end_says_to_ask_an_administrator(users, lockout, settings):
    settings.AXES_COOLOFF_TIME = None  # LOGIN_LOCKOUT_HOURS=0
    for n in range(6):
        login(Client(), f"someone{n}", "wrong", ip="10.0.0.9")
    refused = login(Client(), "coord698", RIGHT, ip="10.0.0.9", language="sv")
    assert refused.status_code == 429 and "Retry-After" not in refused
    assert "Be en administratör att låsa upp den." in refused.content.decode()


def test_a_backoff_shorter_than_its_start_stops_the_start_with_one_line():
    import os
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=Path(__file__).resolve().parents[1],
                          capture_output=True, text=True,
                          env={**os.environ, "LOGIN_BACKOFF_SECONDS": "60", "LOGIN_BACKOFF_MAX_SECONDS": "30"})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "geo_indi refuses to start: LOGIN_BACKOFF_MAX_SECONDS=30: use at least LOGIN_BACKOFF_SECONDS (60)"]


def test_erasing_a_user_forgets_the_failures_counted_under_the_username(users, lockout):
    from geo_indi.accounts.erasure import user_erase
    from geo_indi.accounts.lockout import reserve_attempt

    for n in range(3):
        login(Client(), "field698", "wrong", ip=f"203.0.113.{n}")
    assert reserve_attempt("field698") is not None  # inside the wait
    user_erase(user=users["field_698"])
    assert reserve_attempt("field698") is None  # counted afresh: the first failure waits nothing
