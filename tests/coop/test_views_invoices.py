"""Invoice pages: drafting from validated sessions or from scratch, lines, the draft's
preview, asking for issuance; the staff's list with its totals and the queue to issue,
issuing (refused with the list of what is missing), sending back, credit notes, and the
archived PDF."""

import datetime
import hashlib
import html as html_lib
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.enums import MissionStatus
from coop import billing
from coop.enums import ClientKind, InvoiceKind, InvoiceStatus, PaymentMethod, VatRate
from coop.models import Invoice, Payment
from members.enums import Role
from tests.activities.factories import MissionFactory
from tests.coop.factories import (
    BillableClientFactory,
    CooperativeProfileFactory,
    draft_invoice,
    issued_invoice,
    line,
)
from tests.coop.factories_billing import (
    coordinator,
    entrepreneur,
    mission_with_sessions,
    requested_invoice,
)
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("coop:invoice_list")
CREATE_URL = reverse("coop:invoice_create")
STAFF_READERS = [Role.COORDINATOR, Role.ACCOUNTANT, Role.ADMINISTRATOR]
OUTSIDERS = [Role.FUNDER, Role.RESEARCHER, Role.PEER_SUPPORT_LEAD]
ISSUERS = [Role.COORDINATOR, Role.ACCOUNTANT]


def _text(response) -> str:
    return html_lib.unescape(response.content.decode()).replace("\xa0", " ")


def _url(name: str, invoice: Invoice, *args) -> str:
    return reverse(f"coop:{name}", args=[invoice.pk, *args])


def _day(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def member(client):
    member = entrepreneur()
    client.force_login(member.user)
    return member


def _line_data(**overrides) -> dict:
    return {
        "description": "Atelier (2 h)",
        "quantity": "2",
        "unit": "HUR",
        "unit_price": "80,00",
        "vat_rate": VatRate.STANDARD,
        "vat_exemption": "",
        "discount_percent": "",
    } | overrides


def _edit_data(invoice: Invoice, **overrides) -> dict:
    return {
        "title": invoice.title,
        "service_start": invoice.service_start.isoformat() if invoice.service_start else "",
        "service_end": "",
        "due_on": "",
        "nature": invoice.nature,
        "vat_exemption": invoice.vat_exemption,
        "purchase_order": "",
        "notes": "",
    } | overrides


# --- who may reach the pages --------------------------------------------------------------

GET_PAGES = [
    "invoice_detail",
    "invoice_edit",
    "invoice_line_add",
    "invoice_preview",
    "invoice_delete",
    "invoice_pdf",
]
POST_PAGES = ["invoice_request_issue", "invoice_issue", "invoice_send_back"]


@pytest.mark.parametrize("name", GET_PAGES + POST_PAGES + ["credit_note_create"])
def test_anonymous_is_sent_to_login(client, name):
    invoice = draft_invoice()
    method = client.post if name in POST_PAGES else client.get
    response = method(_url(name, invoice))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("url", [LIST_URL, CREATE_URL])
def test_anonymous_is_sent_to_login_from_list_and_create(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("name", GET_PAGES)
def test_outsiders_are_refused(client_of_role, role, name):
    invoice = draft_invoice()
    assert client_of_role(role).get(_url(name, invoice)).status_code == 403


@pytest.mark.parametrize("role", [Role.ENTREPRENEUR, *OUTSIDERS])
def test_only_staff_see_the_list(client_of_role, role):
    assert client_of_role(role).get(LIST_URL).status_code == 403


@pytest.mark.parametrize("role", STAFF_READERS)
def test_staff_read_the_list_and_the_page(client_of_role, role):
    invoice = requested_invoice(title="Ateliers écrans")
    client = client_of_role(role)
    assert "Ateliers écrans" in _text(client.get(LIST_URL))
    page = _text(client.get(_url("invoice_detail", invoice)))
    assert "Ateliers écrans" in page
    assert ("Émettre la facture" in page) == (role in ISSUERS)


@pytest.mark.parametrize("name", GET_PAGES + POST_PAGES + ["credit_note_create"])
def test_another_entrepreneurs_invoice_is_404(client, member, name):
    invoice = requested_invoice()
    method = client.post if name in POST_PAGES else client.get
    expected = 403 if name in ("invoice_issue", "invoice_send_back", "credit_note_create") else 404
    assert method(_url(name, invoice)).status_code == expected
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REQUESTED


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.ENTREPRENEUR, *OUTSIDERS])
def test_only_issuers_issue(client_of_role, role):
    CooperativeProfileFactory()
    invoice = requested_invoice()
    client = client_of_role(role)
    response = client.post(_url("invoice_issue", invoice), {"issued_on": _day(0).isoformat()})
    assert response.status_code == 403
    assert client.post(_url("invoice_send_back", invoice)).status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REQUESTED


@pytest.mark.parametrize("name", POST_PAGES)
def test_actions_refuse_get(client_of_role, name):
    invoice = requested_invoice()
    assert client_of_role(Role.COORDINATOR).get(_url(name, invoice)).status_code == 405


@pytest.mark.parametrize("name", ["invoice_detail", "invoice_pdf", "invoice_preview"])
def test_read_pages_refuse_post(client, member, name):
    invoice = draft_invoice(entrepreneur=member)
    assert client.post(_url(name, invoice)).status_code == 405


def test_list_refuses_post(client_of_role):
    assert client_of_role(Role.ACCOUNTANT).post(LIST_URL).status_code == 405


def test_line_remove_refuses_get(client, member):
    invoice = draft_invoice(entrepreneur=member)
    url = _url("invoice_line_remove", invoice, invoice.lines.get().pk)
    assert client.get(url).status_code == 405


# --- validated sessions into a draft ------------------------------------------------------


def test_entrepreneur_bills_checked_sessions(client, member):
    mission = mission_with_sessions(member=member, validated=3, logged=1)
    url = reverse("coop:invoice_from_sessions", args=[mission.pk])
    offered = list(client.get(url).context["form"].fields["sessions"].queryset)
    assert len(offered) == 3
    response = client.post(url, {"sessions": [offered[0].pk, offered[2].pk]})
    invoice = Invoice.objects.get()
    assert response["Location"] == _url("invoice_detail", invoice)
    assert (invoice.entrepreneur, invoice.mission, invoice.status) == (
        member,
        mission,
        InvoiceStatus.DRAFT,
    )
    assert invoice.lines.count() == 2
    assert (invoice.service_start, invoice.service_end) == (offered[0].date, offered[2].date)
    # The billed sessions are not offered again.
    assert list(client.get(url).context["form"].fields["sessions"].queryset) == [offered[1]]


def test_checking_nothing_says_so(client, member):
    mission = mission_with_sessions(member=member, validated=1)
    response = client.post(reverse("coop:invoice_from_sessions", args=[mission.pk]), {})
    assert response.status_code == 200
    assert "Cochez au moins une séance." in _text(response)
    assert not Invoice.objects.exists()


def test_no_session_to_bill_says_why(client, member):
    mission = mission_with_sessions(member=member, validated=0, logged=2)
    text = _text(client.get(reverse("coop:invoice_from_sessions", args=[mission.pk])))
    assert "Aucune séance à facturer" in text


def test_a_colleagues_session_cannot_be_billed(client, member):
    mission = mission_with_sessions(member=member, validated=1)
    colleague = entrepreneur()
    mission.entrepreneurs.add(colleague)
    theirs = mission_with_sessions(member=colleague, validated=1).sessions.get()
    theirs.mission = mission
    theirs.save()
    response = client.post(
        reverse("coop:invoice_from_sessions", args=[mission.pk]), {"sessions": [theirs.pk]}
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in _text(response)
    assert not Invoice.objects.exists()


def test_not_on_the_mission_is_404(client, member):
    mission = mission_with_sessions(validated=1)
    url = reverse("coop:invoice_from_sessions", args=[mission.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"sessions": [mission.sessions.get().pk]}).status_code == 404


def test_coordinator_bills_one_person_at_a_time(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    first = entrepreneur()
    mission = mission_with_sessions(member=first, validated=1)
    second = entrepreneur()
    mission.entrepreneurs.add(second)
    other = mission_with_sessions(member=second, validated=1).sessions.get()
    other.mission = mission
    other.save()
    url = reverse("coop:invoice_from_sessions", args=[mission.pk])
    both = [session.pk for session in mission.sessions.all()]
    response = client.post(url, {"sessions": both})
    assert "Une facture est faite pour une seule personne" in _text(response)
    client.post(url, {"sessions": [other.pk]})
    invoice = Invoice.objects.get()
    assert (invoice.entrepreneur, invoice.created_by) == (second, client.user)


@pytest.mark.parametrize("role", [Role.ACCOUNTANT, Role.ADMINISTRATOR, *OUTSIDERS])
def test_billing_sessions_needs_a_drafter(client_of_role, role):
    mission = mission_with_sessions(validated=1)
    url = reverse("coop:invoice_from_sessions", args=[mission.pk])
    assert client_of_role(role).get(url).status_code == 403


def test_invoice_from_scratch(client, member):
    mission = MissionFactory(entrepreneurs=[member])
    response = client.post(CREATE_URL, {"client": mission.client.pk, "title": "Conseil"})
    invoice = Invoice.objects.get()
    assert response["Location"] == _url("invoice_line_add", invoice)
    assert (invoice.entrepreneur, invoice.client) == (member, mission.client)


# --- a draft ---------------------------------------------------------------------------------


def test_entrepreneur_edits_the_draft(client, member):
    invoice = draft_invoice(entrepreneur=member)
    data = _edit_data(
        invoice, service_end=_day(-1).isoformat(), due_on=_day(30).isoformat(), notes="Merci"
    )
    response = client.post(_url("invoice_edit", invoice), data)
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.service_end, invoice.due_on, invoice.notes) == (_day(-1), _day(30), "Merci")


def test_due_date_beyond_sixty_days_is_refused(client, member):
    invoice = draft_invoice(entrepreneur=member)
    far = _day(75).isoformat()
    response = client.post(_url("invoice_edit", invoice), _edit_data(invoice, due_on=far))
    assert response.status_code == 200
    text = _text(response)
    assert "L'échéance est au plus tard 60 jours après la date d'émission" in text
    assert f'value="{far}"' in text
    invoice.refresh_from_db()
    assert invoice.due_on is None


def test_service_dates_in_order(client, member):
    invoice = draft_invoice(entrepreneur=member)
    response = client.post(
        _url("invoice_edit", invoice), _edit_data(invoice, service_end=_day(-30).isoformat())
    )
    assert "La fin de la prestation vient après son début." in _text(response)


def test_public_client_asks_for_chorus_codes(client, member):
    public = BillableClientFactory(is_public=True, kind=ClientKind.SCHOOL)
    invoice = draft_invoice(entrepreneur=member, client=public)
    form = client.get(_url("invoice_edit", invoice)).context["form"]
    assert {"chorus_service_code", "chorus_commitment"} <= set(form.fields)
    assert "home_service" not in form.fields
    assert "reason" not in form.fields
    client.post(
        _url("invoice_edit", invoice),
        _edit_data(invoice, chorus_service_code="SERV-01", chorus_commitment="EJ-42"),
    )
    invoice.refresh_from_db()
    assert (invoice.chorus_service_code, invoice.chorus_commitment) == ("SERV-01", "EJ-42")


def test_lines_of_a_draft(client, member):
    invoice = draft_invoice(entrepreneur=member)
    client.post(_url("invoice_line_add", invoice), _line_data(unit_price="1 000,00"))
    invoice.refresh_from_db()
    # 2 × 80 + 2 × 1 000 = 2 160,00 € HT, VAT 432,00 €.
    assert (invoice.net, invoice.gross) == (Decimal("2160.00"), Decimal("2592.00"))
    first = invoice.lines.order_by("position").first()
    client.post(_url("invoice_line_edit", invoice, first.pk), _line_data(quantity="1"))
    client.post(_url("invoice_line_remove", invoice, invoice.lines.order_by("position").last().pk))
    invoice.refresh_from_db()
    assert (invoice.lines.count(), invoice.net) == (1, Decimal("80.00"))


def test_bad_line_keeps_what_was_typed(client, member):
    invoice = draft_invoice(entrepreneur=member)
    response = client.post(
        _url("invoice_line_add", invoice), _line_data(unit_price="quatre-vingts")
    )
    assert response.status_code == 200
    text = _text(response)
    assert "Saisissez un nombre." in text
    assert 'value="quatre-vingts"' in text
    assert invoice.lines.count() == 1


def test_preview_of_a_draft(client, member):
    invoice = draft_invoice(entrepreneur=member)
    response = client.get(_url("invoice_preview", invoice))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response.content.startswith(b"%PDF")


def test_delete_a_draft(client, member):
    invoice = draft_invoice(entrepreneur=member)
    assert "Supprimer le brouillon ?" in _text(client.get(_url("invoice_delete", invoice)))
    response = client.post(_url("invoice_delete", invoice))
    assert response["Location"] == reverse("coop:my_invoicing")
    assert not Invoice.objects.exists()


def test_request_issue_tells_the_coordinator(client, member, mailoutbox):
    invoice = draft_invoice(entrepreneur=member)
    response = client.post(_url("invoice_request_issue", invoice), follow=True)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REQUESTED
    assert "votre chargé·e d'accompagnement va vérifier la facture" in _text(response)
    assert [email.to for email in mailoutbox] == [[member.coordinator.email]]
    assert "En attente d'émission" in _text(client.get(_url("invoice_detail", invoice)))


def test_request_issue_of_an_empty_draft_says_why(client, member):
    invoice = draft_invoice(entrepreneur=member, lines=[])
    response = client.post(_url("invoice_request_issue", invoice), follow=True)
    assert "Ajoutez au moins une ligne avant de demander l'émission." in _text(response)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT


def test_draft_page_lists_what_is_missing(client, member):
    CooperativeProfileFactory()
    public = BillableClientFactory(is_public=True)
    invoice = draft_invoice(entrepreneur=member, client=public, service_start=None)
    text = _text(client.get(_url("invoice_detail", invoice)))
    assert "Pour que la facture puisse être émise, il manque encore :" in text
    assert "la date de la prestation" in text
    assert "le code service Chorus Pro du client public" in text


def test_requested_invoice_is_locked_for_its_entrepreneur(client, member):
    invoice = requested_invoice(entrepreneur=member)
    current = invoice.lines.get()
    for url, data in (
        (_url("invoice_edit", invoice), _edit_data(invoice, title="Changé")),
        (_url("invoice_line_add", invoice), _line_data()),
        (_url("invoice_line_edit", invoice, current.pk), _line_data(quantity="9")),
    ):
        response = client.post(url, data, follow=True)
        assert "Cette facture attend son émission" in _text(response)
    response = client.post(_url("invoice_line_remove", invoice, current.pk), follow=True)
    assert "Cette facture attend son émission" in _text(response)
    invoice.refresh_from_db()
    assert (invoice.title, invoice.lines.get().quantity) == ("Ateliers de prévention", 2)


# --- issuing --------------------------------------------------------------------------------


def test_coordinator_issues_a_requested_invoice(client_of_role):
    CooperativeProfileFactory()
    invoice = requested_invoice()
    client = client_of_role(Role.COORDINATOR)
    form = client.get(_url("invoice_detail", invoice)).context["issue_form"]
    assert form.initial["issued_on"] == timezone.localdate()
    due = _day(45).isoformat()
    response = client.post(
        _url("invoice_issue", invoice), {"issued_on": _day(0).isoformat(), "due_on": due}
    )
    assert response["Location"] == _url("invoice_detail", invoice)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.number == f"FA-{timezone.localdate().year}-00001"
    assert invoice.due_on == _day(45)
    text = _text(client.get(_url("invoice_detail", invoice)))
    assert invoice.pdf_sha256 in text
    assert "Télécharger le PDF" in text
    assert "Émettre la facture" not in text


def test_issuing_refused_lists_what_is_missing(client_of_role):
    CooperativeProfileFactory()
    public = BillableClientFactory(is_public=True)
    invoice = requested_invoice(client=public, service_start=None)
    client = client_of_role(Role.ACCOUNTANT)
    typed = _day(20).isoformat()
    response = client.post(
        _url("invoice_issue", invoice), {"issued_on": _day(0).isoformat(), "due_on": typed}
    )
    assert response.status_code == 200
    text = _text(response)
    assert "Émission impossible, il manque" in text
    assert "<li>la date de la prestation</li>" in text
    assert "<li>le numéro d'engagement du client public</li>" in text
    assert f'value="{typed}"' in text
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number, invoice.due_on) == (InvoiceStatus.REQUESTED, "", None)


def test_issuing_refuses_a_due_date_beyond_sixty_days(client_of_role):
    CooperativeProfileFactory()
    invoice = requested_invoice()
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        _url("invoice_issue", invoice),
        {"issued_on": _day(-1).isoformat(), "due_on": _day(60).isoformat()},
    )
    assert response.status_code == 200
    assert "L'échéance est au plus tard 60 jours après la date d'émission" in _text(response)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REQUESTED


@pytest.mark.parametrize(
    ("issued_on", "message"),
    [
        (_day(1), "Une facture s'émet aujourd'hui ou à une date passée."),
        (None, "Ce champ est obligatoire."),
    ],
)
def test_issuing_refuses_a_bad_issue_date(client_of_role, issued_on, message):
    CooperativeProfileFactory()
    invoice = requested_invoice()
    response = client_of_role(Role.COORDINATOR).post(
        _url("invoice_issue", invoice), {"issued_on": issued_on.isoformat() if issued_on else ""}
    )
    assert response.status_code == 200
    assert message in _text(response)


def test_issuing_before_the_last_issued_invoice_is_refused(client_of_role):
    issued_invoice(issued_on=_day(0))
    invoice = requested_invoice()
    response = client_of_role(Role.COORDINATOR).post(
        _url("invoice_issue", invoice), {"issued_on": _day(-3).isoformat()}
    )
    assert response.status_code == 200
    assert "La date d'émission ne peut pas précéder celle de la dernière facture" in _text(response)


def test_issuing_twice_says_it_is_issued(client_of_role):
    invoice = issued_invoice()
    response = client_of_role(Role.COORDINATOR).post(
        _url("invoice_issue", invoice), {"issued_on": _day(0).isoformat()}, follow=True
    )
    assert response.status_code == 200
    assert f"Cette facture est déjà émise ({invoice.number})." in _text(response)
    assert Invoice.objects.issued().count() == 1


def test_issued_invoice_lines_cannot_be_changed_by_a_crafted_post(client_of_role):
    invoice = issued_invoice()
    current = invoice.lines.get()
    client = client_of_role(Role.COORDINATOR)
    for url, data in (
        (_url("invoice_edit", invoice), _edit_data(invoice, title="Changé")),
        (_url("invoice_line_add", invoice), _line_data()),
        (_url("invoice_line_edit", invoice, current.pk), _line_data(quantity="9")),
    ):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert "Une facture émise ne se modifie pas : un avoir la corrige." in _text(response)
    response = client.post(_url("invoice_line_remove", invoice, current.pk), follow=True)
    assert "Une facture émise ne se modifie pas" in _text(response)
    response = client.post(_url("invoice_delete", invoice), follow=True)
    assert "Seul un brouillon se supprime." in _text(response)
    invoice.refresh_from_db()
    assert (invoice.title, invoice.lines.get().quantity) == ("Ateliers de prévention", 2)


def test_send_back_to_draft(client_of_role):
    invoice = requested_invoice()
    client = client_of_role(Role.COORDINATOR)
    response = client.post(_url("invoice_send_back", invoice), follow=True)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT
    assert "rendue en brouillon" in _text(response)
    again = client.post(_url("invoice_send_back", invoice), follow=True)
    assert "Seule une facture à émettre peut être rendue en brouillon." in _text(again)


def test_coordinator_edits_a_requested_invoice(client_of_role):
    invoice = requested_invoice()
    client = client_of_role(Role.COORDINATOR)
    client.post(_url("invoice_edit", invoice), _edit_data(invoice, purchase_order="BC-12"))
    invoice.refresh_from_db()
    assert invoice.purchase_order == "BC-12"


def test_issuing_marks_a_delivered_mission_invoiced(client_of_role):
    CooperativeProfileFactory()
    member = entrepreneur()
    mission = mission_with_sessions(member=member, validated=2, status=MissionStatus.DELIVERED)
    invoice = billing.invoice_from_sessions(
        actor=member.user,
        mission=mission,
        entrepreneur=member,
        sessions=list(billing.billable_sessions(mission)),
    )
    client_of_role(Role.COORDINATOR).post(
        _url("invoice_issue", invoice), {"issued_on": _day(0).isoformat()}
    )
    mission.refresh_from_db()
    assert mission.status == MissionStatus.INVOICED


# --- the archived PDF --------------------------------------------------------------------


def test_download_the_archived_pdf(client, member):
    invoice = issued_invoice(entrepreneur=member)
    response = client.get(_url("invoice_pdf", invoice))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == invoice.pdf_sha256
    page = _text(client.get(_url("invoice_detail", invoice)))
    assert invoice.pdf_sha256 in page


def test_missing_archive_is_404_not_500(client_of_role):
    invoice = issued_invoice()
    invoice.pdf.storage.delete(invoice.pdf.name)
    assert client_of_role(Role.ACCOUNTANT).get(_url("invoice_pdf", invoice)).status_code == 404


def test_a_draft_has_no_archived_pdf(client, member):
    invoice = draft_invoice(entrepreneur=member)
    assert client.get(_url("invoice_pdf", invoice)).status_code == 404


def test_preview_of_an_issued_invoice_is_its_archive(client, member):
    invoice = issued_invoice(entrepreneur=member)
    response = client.get(_url("invoice_preview", invoice))
    assert response["Location"] == _url("invoice_pdf", invoice)


# --- credit notes ------------------------------------------------------------------------


def test_total_credit_note_then_issue_it(client_of_role):
    invoice = issued_invoice(lines=[line(), line(description="Frais", quantity=Decimal("1"))])
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        _url("credit_note_create", invoice), {"reason": "Annulée par le client", "extent": "total"}
    )
    credit_note = Invoice.objects.credit_notes().get()
    assert response["Location"] == _url("invoice_detail", credit_note)
    assert (credit_note.credited_invoice, credit_note.gross) == (invoice, invoice.gross)
    client.post(_url("invoice_issue", credit_note), {"issued_on": _day(0).isoformat()})
    credit_note.refresh_from_db()
    assert credit_note.status == InvoiceStatus.ISSUED
    assert credit_note.number.startswith("AV-")
    text = _text(client.get(_url("invoice_detail", invoice)))
    assert f"Avoir {credit_note.number}" in text


def test_partial_credit_note(client_of_role):
    invoice = issued_invoice()
    current = invoice.lines.get()
    client = client_of_role(Role.ACCOUNTANT)
    client.post(
        _url("credit_note_create", invoice),
        {"reason": "Une heure non faite", "extent": "partial", f"line_{current.pk}": "1"},
    )
    credit_note = Invoice.objects.credit_notes().get()
    assert credit_note.lines.get().quantity == Decimal("1")
    assert credit_note.gross == Decimal("96.00")
    # What is left to cancel is 1: asking for 2 again is refused.
    form = client.get(_url("credit_note_create", invoice)).context["form"]
    assert form.fields[f"line_{current.pk}"].max_value == Decimal("1")
    response = client.post(
        _url("credit_note_create", invoice),
        {"reason": "Encore", "extent": "partial", f"line_{current.pk}": "2"},
    )
    assert "Assurez-vous que cette valeur est inférieure ou égale à 1" in _text(response)
    assert Invoice.objects.credit_notes().count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "", "extent": "total"}, "Écrivez le motif de l'avoir."),
        ({"reason": "Erreur", "extent": "partial"}, "Indiquez la quantité à annuler"),
        ({"reason": "Erreur", "extent": "tout"}, "Sélectionnez un choix valide"),
    ],
)
def test_credit_note_bad_input(client_of_role, data, message):
    invoice = issued_invoice()
    response = client_of_role(Role.COORDINATOR).post(_url("credit_note_create", invoice), data)
    assert response.status_code == 200
    assert message in _text(response)
    assert not Invoice.objects.credit_notes().exists()


def test_credit_note_needs_an_issued_invoice(client_of_role):
    invoice = requested_invoice()
    response = client_of_role(Role.COORDINATOR).get(
        _url("credit_note_create", invoice), follow=True
    )
    assert "Un avoir annule une facture émise." in _text(response)


def test_entrepreneur_sees_a_credit_note_read_only(client, member):
    invoice = issued_invoice(entrepreneur=member)
    credit_note = billing.credit_note_create(actor=coordinator(), invoice=invoice, reason="Erreur")
    text = _text(client.get(_url("invoice_detail", credit_note)))
    assert f"Cet avoir annule tout ou partie de la facture {invoice.number}." in text
    assert "Modifier les dates et mentions" not in text
    assert client.get(_url("credit_note_create", invoice)).status_code == 403


# --- the staff's list --------------------------------------------------------------------


def test_list_filters_and_totals(client_of_role):
    client = client_of_role(Role.ACCOUNTANT)
    alice = MemberFactory(path="cape", first_name="Alice", last_name="Durand")
    bruno = MemberFactory(path="cape", first_name="Bruno", last_name="Lefort")
    school = BillableClientFactory(name="Lycée Ampère")
    paid = issued_invoice(entrepreneur=alice, client=school, issued_on=_day(-10))
    Payment.objects.create(
        invoice=paid,
        paid_on=_day(-1),
        amount=Decimal("100.00"),
        method=PaymentMethod.TRANSFER,
        recorded_by=client.user,
    )
    credited = issued_invoice(entrepreneur=alice, issued_on=_day(-5))
    credit_note = billing.credit_note_create(actor=coordinator(), invoice=credited, reason="Err")
    billing.invoice_issue(actor=coordinator(), invoice=credit_note, issued_on=_day(-5))
    draft_invoice(entrepreneur=bruno, client=school, title="Brouillon de Bruno")

    by_person = client.get(LIST_URL, {"entrepreneur": "durand"})
    assert by_person.context["page"].paginator.count == 3
    # Two invoices of 192,00 € TTC, one credit note of 192,00 €: 192,00 € in all; 100,00 €
    # paid on the first, nothing left on the credited one.
    assert by_person.context["totals"] == {
        "net": Decimal("160.00"),
        "gross": Decimal("192.00"),
        "paid": Decimal("100.00"),
        "remaining": Decimal("92.00"),
    }
    by_client = client.get(LIST_URL, {"client": "ampère"})
    assert by_client.context["page"].paginator.count == 2
    credit_notes = client.get(LIST_URL, {"kind": InvoiceKind.CREDIT_NOTE})
    assert [row.pk for row in credit_notes.context["page"]] == [credit_note.pk]
    period = client.get(
        LIST_URL, {"issued_from": _day(-7).isoformat(), "issued_until": _day(0).isoformat()}
    )
    assert {row.pk for row in period.context["page"]} == {credited.pk, credit_note.pk}
    text = _text(by_person)
    assert "Reste à encaisser" in text
    assert "92,00 €" in text


def test_to_issue_oldest_request_first(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    older = requested_invoice(title="Plus ancienne")
    newer = requested_invoice(title="Plus récente")
    Invoice.objects.filter(pk=older.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=3)
    )
    draft_invoice(title="Brouillon")
    response = client.get(LIST_URL, {"status": InvoiceStatus.REQUESTED})
    assert [row.pk for row in response.context["page"]] == [older.pk, newer.pk]
    assert response.context["to_issue"]
    assert "Factures à émettre" in _text(response)
    assert "À émettre (2)" in _text(client.get(LIST_URL))


def test_list_refuses_a_period_upside_down(client_of_role):
    response = client_of_role(Role.COORDINATOR).get(
        LIST_URL, {"issued_from": "2026-05-01", "issued_until": "2026-04-01"}
    )
    assert response.status_code == 200
    assert "La fin de la période vient après son début." in _text(response)
    assert response.context["totals"] is None


def _invoices(count: int) -> None:
    for index in range(count):
        invoice = issued_invoice(issued_on=_day(0))
        Payment.objects.create(
            invoice=invoice,
            paid_on=_day(0),
            amount=Decimal("10.00") + index,
            method=PaymentMethod.CHEQUE,
            recorded_by=coordinator(),
        )
        requested_invoice()


@pytest.mark.parametrize("count", [1, 3])
def test_list_constant_queries(client_of_role, django_assert_num_queries, count):
    _invoices(count)
    client = client_of_role(Role.ACCOUNTANT)
    # Session, user and its two-factor check (3), the count (1), the page with person,
    # client and amounts paid (1), the totals: amounts (1), collected (1), the number
    # waiting to be issued (1).
    with django_assert_num_queries(8):
        response = client.get(LIST_URL)
    assert len(response.context["page"].object_list) == 2 * count


@pytest.mark.parametrize("count", [1, 4])
def test_detail_constant_queries(client_of_role, django_assert_num_queries, count):
    invoice = issued_invoice(lines=[line()] * count)
    for _ in range(count):
        Payment.objects.create(
            invoice=invoice,
            paid_on=_day(0),
            amount=Decimal("1.00"),
            method=PaymentMethod.CASH,
            recorded_by=coordinator(),
        )
    client = client_of_role(Role.COORDINATOR)
    # Session, user and its two-factor check (3), the invoice with its relations and
    # amounts paid (1), its lines (1), payments (1), recovery log (1), credit notes (1).
    with django_assert_num_queries(8):
        response = client.get(_url("invoice_detail", invoice))
    assert len(response.context["payments"]) == count


def test_credit_note_lines_come_from_the_invoice(client_of_role):
    invoice = issued_invoice()
    client = client_of_role(Role.COORDINATOR)
    credit_note = billing.credit_note_create(actor=client.user, invoice=invoice, reason="Erreur")
    current = credit_note.lines.get()
    page = _text(client.get(_url("invoice_detail", credit_note)))
    assert "Ajouter une ligne" not in page
    assert "Émettre l'avoir" in page
    for url in (
        _url("invoice_line_add", credit_note),
        _url("invoice_line_edit", credit_note, current.pk),
    ):
        response = client.post(url, _line_data(quantity="1"), follow=True)
        assert "Les lignes d'un avoir viennent de la facture qu'il annule" in _text(response)
    client.post(_url("invoice_line_remove", credit_note, current.pk))
    assert credit_note.lines.get().quantity == current.quantity
    # Deleting the draft credit note gives the quantities back.
    client.post(_url("invoice_delete", credit_note))
    assert not Invoice.objects.credit_notes().exists()
