"""Logging a session on a phone (360 px, Debian's chromium): end to end with taps, then
with the network gone: the session is kept on the phone and sent once the network is
back, exactly once."""

import os
import re
from pathlib import Path

import pytest

from activities.enums import MissionStatus
from activities.models import Expense, Session
from tests.activities.factories import MissionFactory
from tests.members.factories import PASSWORD, MemberFactory

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 360, "height": 740}
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

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
        page = context.new_page()
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.problems = problems
        yield page
        context.close()
        browser.close()


@pytest.fixture
def mission():
    SCREENSHOTS.mkdir(exist_ok=True)
    member = MemberFactory(path="cape", user__email="lea@exemple.fr", user__first_name="Léa")
    return MissionFactory(
        entrepreneurs=[member],
        title="Atelier prévention 4e B",
        themes=["alcohol", "screens"],
    )


def _log_in(page, live_server):
    page.goto(live_server.url + "/compte/login/?next=/seance/")
    page.get_by_label("Courriel").fill("lea@exemple.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    # One open mission: "Noter une séance" opens its form straight away.
    page.wait_for_url(re.compile(r"/missions/\d+/seance/$"))


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _fill(page, *, pupils_taps=3):
    page.get_by_label("Heure de début").fill("14:00")
    page.get_by_text("2 h", exact=True).click()
    page.get_by_label("Commune").fill("Montreuil")
    page.get_by_label("Code postal").fill("93100")
    more = page.get_by_role("button", name="Une personne de plus : Élèves")
    for _ in range(pupils_taps):
        more.click()
    page.get_by_role("spinbutton", name="Professionnel·les").fill("2")
    page.get_by_label("Kilomètres parcourus").fill("12,5")


def test_log_a_session_with_taps(page, live_server, mission):
    _log_in(page, live_server)
    assert page.get_by_role("heading", level=1).inner_text() == "Noter une séance"
    assert _no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "session-form-360.png", full_page=True)

    # Thumb-sized targets.
    for target in (
        page.get_by_role("button", name="Une personne de plus : Élèves"),
        page.locator("label.choice").first,
        page.locator("label.chip").first,
        page.get_by_role("button", name="Enregistrer la séance"),
    ):
        assert target.bounding_box()["height"] >= 44
    # The mission's themes are ticked already.
    assert page.get_by_label("Alcool").is_checked()
    assert page.get_by_label("Écrans").is_checked()

    _fill(page)
    assert page.get_by_role("spinbutton", name="Élèves").input_value() == "3"
    page.get_by_role("button", name="Une personne de moins : Élèves").click()
    assert page.get_by_role("spinbutton", name="Élèves").input_value() == "2"
    # A remote session needs no place: the place hides.
    page.get_by_label("À distance").check()
    assert not page.get_by_label("Code postal").is_visible()
    page.get_by_label("À distance").uncheck()
    assert page.get_by_label("Code postal").is_visible()

    page.get_by_role("button", name="Enregistrer la séance").click()
    page.wait_for_url(re.compile(r"/mes-seances/\d+/notee/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "C'est noté !"
    assert page.get_by_role("link", name="Noter une autre séance").is_visible()
    assert page.get_by_role("link", name="Mes séances").first.is_visible()
    assert _no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "session-logged-360.png", full_page=True)

    session = Session.objects.get()
    assert session.duration_minutes == 120
    assert session.postcode == "93100"
    assert {a.kind: a.count for a in session.audiences.all()} == {
        "pupils": 2,
        "professionals": 2,
    }
    assert page.problems == []


def test_empty_audience_is_caught_before_sending(page, live_server, mission):
    _log_in(page, live_server)
    _fill(page, pupils_taps=0)
    page.get_by_role("spinbutton", name="Professionnel·les").fill("")
    page.get_by_role("button", name="Enregistrer la séance").click()
    message = page.get_by_role("spinbutton", name="Élèves").evaluate(
        "input => input.validationMessage"
    )
    assert message == "Indiquez combien de personnes étaient là."
    assert "/seance/" in page.url
    assert not Session.objects.exists()


def test_a_refusal_of_the_server_is_shown_in_place(page, live_server, mission):
    _log_in(page, live_server)
    _fill(page)
    # Meanwhile, the coordinator marks the mission as delivered.
    type(mission).objects.filter(pk=mission.pk).update(status=MissionStatus.DELIVERED)
    page.get_by_role("button", name="Enregistrer la séance").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Cette mission est « Réalisée » : on n'y note plus de séance." in alert.inner_text()
    # Nothing typed is lost, and the page is still enhanced.
    assert page.get_by_label("Commune").input_value() == "Montreuil"
    assert page.get_by_role("spinbutton", name="Élèves").input_value() == "3"
    assert page.get_by_role("button", name="Une personne de plus : Élèves").count() == 1
    page.screenshot(path=SCREENSHOTS / "session-refused-360.png")
    assert not Session.objects.exists()
    assert page.problems == []


def test_a_draft_survives_a_reload(page, live_server, mission):
    _log_in(page, live_server)
    _fill(page)
    page.get_by_label("Note courte").fill("Classe agitée mais curieuse.")
    page.reload()
    assert page.get_by_label("Commune").input_value() == "Montreuil"
    assert page.get_by_role("spinbutton", name="Élèves").input_value() == "3"
    assert page.get_by_label("Note courte").input_value() == "Classe agitée mais curieuse."
    assert page.get_by_label("2 h").is_checked()
    assert (
        "Nous avons remis ce que vous aviez commencé à noter."
        in page.get_by_role("status").inner_text()
    )
    page.get_by_role("button", name="Tout effacer").click()
    page.wait_for_load_state()
    assert page.get_by_label("Commune").input_value() == ""


def test_offline_session_is_kept_then_sent_once(page, live_server, mission):
    _log_in(page, live_server)
    context = page.context
    _fill(page)
    page.get_by_text("Ajouter un frais").click()
    page.get_by_label("Type de frais").select_option("transport")
    page.get_by_label("Montant payé (€)").fill("4,60")
    page.get_by_label("Photo du ticket ou de la facture").set_input_files(
        {"name": "ticket.png", "mimeType": "image/png", "buffer": PNG_BYTES}
    )
    token = page.locator("input[name=client_token]").input_value()

    context.set_offline(True)
    page.get_by_role("button", name="Enregistrer la séance").click()
    status = page.get_by_role("status").filter(has_text="Elle sera envoyée toute seule")
    status.wait_for()
    assert "Elle sera envoyée toute seule quand le réseau revient." in status.inner_text()
    assert status.is_visible()
    assert not Session.objects.exists()
    # The form is ready for another session, with a token of its own.
    assert page.locator("input[name=client_token]").input_value() != token
    assert page.get_by_label("Commune").input_value() == ""
    assert _no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "session-offline-360.png", full_page=True)

    context.set_offline(False)
    sent = page.get_by_role("status").filter(has_text="C’est envoyé !")
    sent.wait_for()
    page.screenshot(path=SCREENSHOTS / "session-sent-360.png", full_page=True)
    session = Session.objects.get(client_token=token)
    assert Session.objects.count() == 1
    assert {a.kind: a.count for a in session.audiences.all()} == {
        "pupils": 3,
        "professionals": 2,
    }
    expense = Expense.objects.get()
    assert (expense.session, expense.receipt_content_type) == (session, "image/png")

    # Nothing left to send: a new page sends nothing again.
    page.goto(live_server.url + "/mes-seances/")
    assert page.get_by_text("Atelier prévention 4e B").first.is_visible()
    assert _no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "my-sessions-360.png", full_page=True)
    page.wait_for_timeout(300)
    assert Session.objects.count() == 1
    assert (
        page.evaluate(
            """() => new Promise(resolve => {
            const open = indexedDB.open("entrepairs", 1);
            open.onsuccess = () => {
                const request = open.result.transaction("seances-a-envoyer")
                    .objectStore("seances-a-envoyer").count();
                request.onsuccess = () => resolve(request.result);
            };
        })"""
        )
        == 0
    )
    assert [p for p in page.problems if "ERR_INTERNET_DISCONNECTED" not in p] == []


def test_a_kept_session_is_sent_when_a_page_opens_again(page, live_server, mission):
    _log_in(page, live_server)
    context = page.context
    _fill(page)
    token = page.locator("input[name=client_token]").input_value()
    context.set_offline(True)
    page.get_by_role("button", name="Enregistrer la séance").click()
    page.get_by_role("status").filter(has_text="Elle sera envoyée toute seule").wait_for()
    page.close()  # the phone is put away, still without network

    context.set_offline(False)
    later = context.new_page()
    later.goto(live_server.url + "/mes-seances/")
    later.get_by_role("status").filter(has_text="C’est envoyé !").wait_for()
    assert Session.objects.get().client_token.hex == token.replace("-", "")
    later.reload()
    assert later.get_by_text("Atelier prévention 4e B").first.is_visible()
    later.wait_for_timeout(300)
    assert Session.objects.count() == 1
