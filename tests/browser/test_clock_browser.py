"""Chromium's clock agrees with the server's frozen clock, and a frozen date far from the real one logs nobody out."""
import datetime as dt

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.clock("2001-01-01T09:30")
def test_the_page_and_the_server_share_the_frozen_date_and_the_session_lasts(page_factory, live_server, login, users):
    """On 1 January 2001 (frozen), every cookie's Expires is in the browser's real past: only Max-Age keeps them."""
    page = page_factory(1280, 800)
    login(page, "coord698")
    today = page.evaluate("() => { const d = new Date(); return [d.getFullYear(), d.getMonth() + 1, d.getDate()]; }")
    assert dt.date(*today) == dt.date(2001, 1, 1)
    assert page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone") == "Europe/Helsinki"
    later = page.evaluate("() => new Promise(done => { const t = Date.now(); setTimeout(() => done(Date.now() - t), 50); })")
    assert later >= 40  # the shifted clock flows: timers fire, time moves on
    assert page.evaluate("() => new Date(2020, 0, 2).getDate()") == 2  # a Date with arguments is untouched
    cookies = {c["name"]: c for c in page.context.cookies()}
    # Django's Expires says 15 January 2001; Chromium counted Max-Age from its own (real) time instead.
    assert cookies["sessionid"]["expires"] > dt.datetime(2002, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    response = page.goto(f"{live_server.url}/accounts/profile/")
    assert response.status == 200 and "/accounts/login/" not in page.url  # still logged in
