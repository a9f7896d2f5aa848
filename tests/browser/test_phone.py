"""A real browser at phone width: Debian's chromium driven by playwright (no download)."""

import os
from pathlib import Path

import pytest

from members.enums import Role
from tests.members.factories import PASSWORD, UserFactory

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 360, "height": 740}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium")
        pytest.skip("Debian's chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's own database
    # calls are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="fr-FR")
        yield context.new_page()
        context.close()
        browser.close()


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_entrepreneur_logs_in_on_a_phone(page, live_server):
    SCREENSHOTS.mkdir(exist_ok=True)
    UserFactory(role=Role.ENTREPRENEUR, email="lea@exemple.fr", first_name="Léa")

    page.goto(live_server.url + "/")
    assert "/compte/login/" in page.url
    assert _no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "login-360.png", full_page=True)

    page.get_by_label("Courriel").fill("lea@exemple.fr")
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="Connexion").click()
    assert page.get_by_label("Courriel").input_value() == "lea@exemple.fr"
    page.screenshot(path=SCREENSHOTS / "login-error-360.png", full_page=True)

    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Léa"
    assert _no_horizontal_scroll(page)

    # On a phone the menu folds behind a button that says what it is.
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("navigation", name="Menu principal").is_visible()
    page.screenshot(path=SCREENSHOTS / "home-360.png", full_page=True)
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    navigation = page.get_by_role("navigation", name="Menu principal")
    assert navigation.get_by_role("link", name="Mon compte").is_visible()
    assert navigation.get_by_role("link", name="Comptes").count() == 0
    page.screenshot(path=SCREENSHOTS / "menu-360.png", full_page=True)

    # Touch targets are at least 44 px high.
    box = navigation.get_by_role("link", name="Mon compte").bounding_box()
    assert box["height"] >= 44


def test_pages_load_no_blocked_resource(page, live_server):
    """The strict CSP lets our own CSS, JS and icons through."""
    UserFactory(role=Role.ENTREPRENEUR, email="lea@exemple.fr")
    problems = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.goto(live_server.url + "/compte/login/")
    page.get_by_label("Courriel").fill("lea@exemple.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(live_server.url + "/")
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )
    assert background == "rgb(11, 94, 85)"
    assert problems == []
