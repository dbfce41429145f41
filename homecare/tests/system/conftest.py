"""Browser journeys: Playwright's sync API drives Debian's Chromium against pytest-django's live server.

Playwright never downloads a browser here. When /usr/bin/chromium is missing the tests fail loudly
(CI must never be silently green) unless SKIP_BROWSER_TESTS=1 is set, when they are skipped.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from homecare.accounts.tests.factories import PASSWORD, authenticator_code

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM calls
# made by the test itself (fixtures, assertions) as "unsafe from an async context".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "var" / "test-artifacts"
DEFAULT_TIMEOUT_MS = 10_000


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so the page fixture can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: install Debian's Chromium with `apt-get install -y chromium`"
        if os.environ.get("SKIP_BROWSER_TESTS") == "1":
            pytest.skip(f"{message} (skipped because SKIP_BROWSER_TESTS=1)")
        pytest.fail(
            f"{message}, or set SKIP_BROWSER_TESTS=1 to skip the browser tests deliberately.", pytrace=False
        )

    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(request, browser, live_server, transactional_db):
    """A fresh context and page per test, pointed at the live server; a screenshot is kept on failure."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        try:
            tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception:  # noqa: BLE001 - a screenshot is a nicety; never hide the real failure
            pass
    context.close()


@pytest.fixture
def sign_in(page):
    """Sign in through the real pages, as a person would: password, then the authenticator code (set up
    from the page's key on the first sign-in, as a person scanning the QR code would)."""

    def _sign_in(username: str, password: str = PASSWORD):
        page.goto("/sign-in")
        page.get_by_label("Username", exact=True).fill(username)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/sign-in" not in url)
        if "/two-factor" in page.url:
            device = TOTPDevice.objects.filter(user__username=username).order_by("-confirmed", "-pk").first()
            key = page.get_by_test_id("totp-secret")
            if key.count():
                assert base64.b32decode(key.inner_text().replace(" ", "")) == device.bin_key
            page.get_by_label("Code from your authenticator app").fill(authenticator_code(device))
            page.get_by_role("button", name="Continue").click()
            page.wait_for_url(lambda url: "/two-factor" not in url)
        return page

    return _sign_in
