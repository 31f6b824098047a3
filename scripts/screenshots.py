#!/usr/bin/env python3
"""Screenshots of each role's main screens from a running demo, into docs/screenshots/<role>-<page>.png.

    .venv/bin/python scripts/screenshots.py [BASE_URL] [--out docs/screenshots] [--only ROLE,...]

BASE_URL defaults to http://127.0.0.1:8000 (`make demo`). Logs in through the login form with the demo
password (GEO_INDI_DEMO_PASSWORD, default demo-geo-indi), opens each screen at the viewport its user has
(the field worker: a 390×844 touch phone; the others: a 1366×768 desktop), waits for its map to be drawn,
and saves the visible screen (not the whole page). Requests outside BASE_URL (map tiles) are blocked, as in
the tests, so the screenshots never depend on the network. Prints, per screen, what went wrong in the page
(page errors, console errors, answers >= 500) and exits 1 if anything did.
"""
import argparse
import os
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1366, "height": 768}}

# role -> (context options, [(page name, path, selector to wait for)])
SCREENS = {
    "anonymous": (DESKTOP, [
        ("home", "/", "#map path.leaflet-interactive"),
        ("overview", "/maps/", ".map-frame path.leaflet-interactive"),
        ("municipality", "/maps/698/", ".map-frame path.leaflet-interactive"),
    ]),
    "kenttatyo": (PHONE, [
        ("field", "/field/", "#phenomenon-choices input[name=phenomenon]"),
    ]),
    "koordinaattori": (DESKTOP, [
        ("map", "/maps/698/", ".map-frame path.leaflet-interactive"),
        ("compare", "/maps/698/?period_1=winter-2024&period_2=winter-2025", ".map-frame-change path.leaflet-interactive"),
        ("report", "/maps/698/report/", ".map-frame path.leaflet-interactive"),
        ("alert-rules", "/indicators/alerts/rules/", "main h1"),
        ("groups", "/analysis/groups/", "main h1"),
        ("summaries", "/analysis/municipalities/698/summaries/", "main h1"),
        ("questions", "/questions/", "main h1"),
    ]),
    "hyvinvointialue": (DESKTOP, [
        ("overview", "/maps/", ".map-frame path.leaflet-interactive"),
        ("municipality", "/maps/240/", ".map-frame path.leaflet-interactive"),
    ]),
    "admin": (DESKTOP, [
        ("maps", "/maps/", ".map-frame path.leaflet-interactive"),
        ("admin", "/admin/", "#content"),
        ("api-docs", "/api/docs/", "h1"),
    ]),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("base_url", nargs="?", default=os.environ.get("BASE_URL", "http://127.0.0.1:8000"))
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "docs" / "screenshots"))
    ap.add_argument("--only", help="comma-separated roles")
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    ap.add_argument("--locale", default="fi-FI")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    base = args.base_url.rstrip("/")
    host = urlparse(base).netloc
    password = os.environ.get("GEO_INDI_DEMO_PASSWORD", "demo-geo-indi")
    roles = args.only.split(",") if args.only else list(SCREENS)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    broken = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for role in roles:
            options, screens = SCREENS[role]
            context = browser.new_context(locale=args.locale, timezone_id="Europe/Helsinki", **options)
            context.route(re.compile(r"^https?://(?!" + re.escape(host) + r"/)"), lambda route: route.abort())
            page = context.new_page()
            problems: list[str] = []
            page.on("pageerror", lambda exc, p=problems: p.append(f"page error: {exc}"))
            page.on("console", lambda m, p=problems: m.type == "error"
                    and urlparse(m.location.get("url", "")).netloc in ("", host)
                    and "net::ERR_FAILED" not in m.text and p.append(f"console: {m.text[:160]}"))
            page.on("response", lambda r, p=problems: r.status >= 500 and p.append(f"{r.status} {urlparse(r.url).path}"))
            if role != "anonymous":
                page.goto(f"{base}/accounts/login/")
                page.fill("#id_username", role)
                page.fill("#id_password", password)
                page.click("#main button[type=submit]")
                page.wait_for_load_state("networkidle")
                if "/accounts/login/" in page.url:
                    print(f"{role}: could not log in (is {base} the demo?)")
                    broken += 1
                    context.close()
                    continue
            for name, path, ready in screens:
                problems.clear()
                try:
                    page.goto(base + path, wait_until="networkidle", timeout=60000)
                    page.wait_for_selector(ready, state="attached", timeout=20000)
                    page.wait_for_timeout(300)  # the map's fitBounds animation
                except Exception as exc:  # noqa: BLE001 - take the screenshot anyway and report
                    problems.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
                target = out / f"{role}-{name}.png"
                page.screenshot(path=str(target))
                broken += bool(problems)
                print(f"{'ok' if not problems else 'BROKEN':6} {target.relative_to(out.parent) if out.parent in target.parents else target}"
                      + "".join(f"\n         - {p}" for p in dict.fromkeys(problems)))
            context.close()
        browser.close()
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
