"""The rules of coop/billing.py: who writes what, the quote's life, quotes and validated
sessions turned into invoices, asking for and doing the issuing (numbers, frozen details,
archived PDF, mandatory mentions), credit notes, and the contribution rate."""

import base64
import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from activities.enums import MissionKind, MissionStatus, SessionStatus
from coop import billing
from coop.enums import (
    ClientKind,
    InvoiceKind,
    InvoiceStatus,
    QuoteStatus,
    Unit,
    VatExemption,
    VatRate,
)
from coop.models import (
    ContributionRate,
    CooperativeProfile,
    Invoice,
    NumberCounter,
    OutgoingEmail,
)
from members.enums import Role
from tests.activities.factories import MissionFactory, SessionFactory
from tests.coop.factories import (
    BillableClientFactory,
    CooperativeProfileFactory,
    draft_invoice,
    draft_quote,
    issued_invoice,
    line,
)
from tests.members.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def outbox(settings):
    """The platform's own backend: each message is a row of the outbox (delivered by a
    task once the transaction commits, which these tests never do)."""
    settings.EMAIL_BACKEND = "coop.mail.OutboxBackend"
    return OutgoingEmail.objects


@pytest.fixture
def profile():
    return CooperativeProfileFactory()


@pytest.fixture
def coordinator():
    return UserFactory(role=Role.COORDINATOR)


@pytest.fixture
def entrepreneur():
    return MemberFactory(path="cape")


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Who may write ------------------------------------------------------------------------


def test_an_entrepreneur_drafts_for_themselves_only(entrepreneur):
    other = MemberFactory(path="cape")
    client = BillableClientFactory()
    quote = billing.quote_create(
        actor=entrepreneur.user, entrepreneur=entrepreneur, client=client, title="Ateliers"
    )
    invoice = draft_invoice(entrepreneur=entrepreneur, client=client)

    stranger = other.user
    with pytest.raises(PermissionDenied):
        billing.quote_create(actor=stranger, entrepreneur=entrepreneur, client=client, title="x")
    with pytest.raises(PermissionDenied):
        billing.invoice_create(
            actor=stranger, entrepreneur=entrepreneur, client=client, title="x", lines=[line()]
        )
    with pytest.raises(PermissionDenied):
        billing.quote_line_add(actor=stranger, quote=quote, line=line())
    with pytest.raises(PermissionDenied):
        billing.quote_update(actor=stranger, quote=quote, title="Autre")
    with pytest.raises(PermissionDenied):
        billing.quote_send(actor=stranger, quote=quote, to=["a@exemple.fr"])
    with pytest.raises(PermissionDenied):
        billing.invoice_update(actor=stranger, invoice=invoice, title="Autre")
    with pytest.raises(PermissionDenied):
        billing.invoice_line_add(actor=stranger, invoice=invoice, line=line())
    with pytest.raises(PermissionDenied):
        billing.invoice_request_issue(actor=stranger, invoice=invoice)
    with pytest.raises(PermissionDenied):
        billing.invoice_delete_draft(actor=stranger, invoice=invoice)
    assert Invoice.objects.get(pk=invoice.pk).title == "Ateliers de prévention"


def test_a_coordinator_drafts_for_any_entrepreneur(entrepreneur, coordinator):
    quote = billing.quote_create(
        actor=coordinator,
        entrepreneur=entrepreneur,
        client=BillableClientFactory(),
        title="Formation",
        lines=[line()],
    )
    assert quote.created_by == coordinator and quote.entrepreneur == entrepreneur
    invoice = billing.invoice_from_quote(
        actor=coordinator, quote=_sent_and_accepted(quote, coordinator)
    )
    assert invoice.created_by == coordinator


@pytest.mark.parametrize(
    "role",
    [Role.ADMINISTRATOR, Role.ACCOUNTANT, Role.PEER_SUPPORT_LEAD, Role.FUNDER, Role.RESEARCHER],
)
def test_other_roles_do_not_draft(role, entrepreneur):
    with pytest.raises(PermissionDenied):
        billing.quote_create(
            actor=UserFactory(role=role),
            entrepreneur=entrepreneur,
            client=BillableClientFactory(),
            title="Ateliers",
        )


def test_a_deactivated_account_drafts_nothing(entrepreneur):
    user = entrepreneur.user
    user.is_active = False
    user.save()
    with pytest.raises(PermissionDenied):
        billing.quote_create(
            actor=user, entrepreneur=entrepreneur, client=BillableClientFactory(), title="x"
        )
    coordinator = UserFactory(role=Role.COORDINATOR, is_active=False)
    with pytest.raises(PermissionDenied):
        billing.quote_create(
            actor=coordinator, entrepreneur=entrepreneur, client=BillableClientFactory(), title="x"
        )


@pytest.mark.parametrize(
    "role", [Role.ENTREPRENEUR, Role.ADMINISTRATOR, Role.PEER_SUPPORT_LEAD, Role.FUNDER]
)
def test_only_coordinators_and_accountants_issue(role, profile, entrepreneur):
    invoice = draft_invoice(entrepreneur=entrepreneur)
    actor = entrepreneur.user if role == Role.ENTREPRENEUR else UserFactory(role=role)
    with pytest.raises(PermissionDenied):
        billing.invoice_issue(actor=actor, invoice=invoice)
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT
    accountant = UserFactory(role=Role.ACCOUNTANT)
    assert billing.invoice_issue(actor=accountant, invoice=invoice).issued_by == accountant


def test_the_client_of_a_mission_document_is_the_missions(entrepreneur):
    mission = MissionFactory(entrepreneurs=[entrepreneur])
    with pytest.raises(ValidationError) as error:
        billing.quote_create(
            actor=entrepreneur.user,
            entrepreneur=entrepreneur,
            client=BillableClientFactory(),
            mission=mission,
            title="x",
        )
    assert error.value.message_dict == {"client": ["Le client du devis est celui de la mission."]}
    with pytest.raises(ValidationError) as error:
        draft_invoice(entrepreneur=entrepreneur, mission=mission)
    assert "Le client de la facture est celui de la mission." in messages_of(error.value)


# --- Lines and totals ---------------------------------------------------------------------


def test_a_wrong_line_says_what_is_wrong_in_french(entrepreneur):
    quote = draft_quote(entrepreneur=entrepreneur)
    with pytest.raises(ValidationError) as error:
        billing.quote_line_add(
            actor=entrepreneur.user,
            quote=quote,
            line=line(
                description="  ",
                quantity=Decimal("0"),
                unit_price=Decimal("-1"),
                vat_rate="19.6",
                discount_percent=Decimal("120"),
            ),
        )
    assert error.value.message_dict == {
        "description": ["Écrivez ce qui est vendu."],
        "quantity": ["La quantité est supérieure à zéro."],
        "unit_price": ["Le prix unitaire ne peut pas être négatif."],
        "vat_rate": ["Choisissez un taux de TVA : 20, 10, 5,5, 2,1 ou 0 %."],
        "discount_percent": ["La remise est comprise entre 0 et 100 %."],
    }
    assert quote.lines.count() == 1


def test_totals_follow_every_line_change(entrepreneur):
    # 2 h × 80 € at 20 %: 160 € + 32 €.
    invoice = draft_invoice(entrepreneur=entrepreneur)
    assert (invoice.net, invoice.vat, invoice.gross) == (
        Decimal("160.00"),
        Decimal("32.00"),
        Decimal("192.00"),
    )
    user = entrepreneur.user
    # 3 × 33.33 € less 10 % at 5.5 %: 89.99 €, VAT 4.95 €.
    added = billing.invoice_line_add(
        actor=user,
        invoice=invoice,
        line=line(
            quantity=Decimal("3"),
            unit_price=Decimal("33.33"),
            discount_percent=Decimal("10"),
            vat_rate=VatRate.REDUCED,
        ),
    )
    assert added.net == Decimal("89.99") and added.position == 1
    invoice.refresh_from_db()
    assert (invoice.net, invoice.vat, invoice.gross) == (
        Decimal("249.99"),
        Decimal("36.95"),
        Decimal("286.94"),
    )
    billing.invoice_line_update(
        actor=user, line=added, data=line(quantity=Decimal("1"), unit_price=Decimal("10.00"))
    )
    invoice.refresh_from_db()
    assert invoice.gross == Decimal("204.00")
    billing.invoice_line_remove(actor=user, line=invoice.lines.get(pk=added.pk))
    invoice.refresh_from_db()
    assert invoice.gross == Decimal("192.00")


def test_a_draft_invoice_is_updated_and_deleted_by_its_author(entrepreneur):
    invoice = draft_invoice(entrepreneur=entrepreneur)
    with pytest.raises(ValidationError) as error:
        billing.invoice_update(
            actor=entrepreneur.user,
            invoice=invoice,
            service_start=TODAY(),
            service_end=TODAY() - datetime.timedelta(days=1),
        )
    assert error.value.message_dict == {
        "service_end": ["La fin de la prestation précède son début."]
    }
    # What issuing writes is not a field one edits.
    with pytest.raises(TypeError):
        billing.invoice_update(actor=entrepreneur.user, invoice=invoice, number="FA-2020-00001")
    with pytest.raises(TypeError):
        billing.quote_update(
            actor=entrepreneur.user, quote=draft_quote(entrepreneur=entrepreneur), number="DE-1"
        )
    billing.invoice_delete_draft(actor=entrepreneur.user, invoice=invoice)
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


# --- Quotes -------------------------------------------------------------------------------


def _sent_and_accepted(quote, actor):
    CooperativeProfileFactory()
    sent = billing.quote_send(actor=actor, quote=quote, to=["client@exemple.fr"])
    return billing.quote_answer(actor=actor, quote=sent, accepted=True)


def test_a_quote_is_numbered_when_first_sent_and_mailed_as_a_pdf(profile, entrepreneur, outbox):
    quote = draft_quote(entrepreneur=entrepreneur)
    assert quote.number == "" and quote.status == QuoteStatus.DRAFT
    assert quote.valid_until == TODAY() + datetime.timedelta(days=30)

    billing.quote_send(actor=entrepreneur.user, quote=quote, to=[" direction@college.example ", ""])
    quote.refresh_from_db()
    year = TODAY().year
    assert quote.number == f"DE-{year}-00001"
    assert (quote.status, quote.sent_on) == (QuoteStatus.SENT, TODAY())

    email = outbox.get()
    assert email.to == ["direction@college.example"]
    assert email.reply_to == [entrepreneur.email]
    assert quote.number in email.subject and profile.name in email.subject
    assert quote.number in email.body
    [attachment] = email.attachments
    assert attachment["filename"] == f"devis-DE-{year}-00001.pdf"
    assert attachment["mimetype"] == "application/pdf"
    assert base64.b64decode(attachment["content"]).startswith(b"%PDF-")

    # Sent again (after a change): the same number, a second message.
    billing.quote_line_add(actor=entrepreneur.user, quote=quote, line=line())
    billing.quote_send(actor=entrepreneur.user, quote=quote, to=["direction@college.example"])
    quote.refresh_from_db()
    assert quote.number == f"DE-{year}-00001"
    assert outbox.count() == 2
    # The next quote takes the next number.
    other = billing.quote_send(
        actor=entrepreneur.user, quote=draft_quote(entrepreneur=entrepreneur), to=["a@b.example"]
    )
    assert other.number == f"DE-{year}-00002"


def test_a_quote_that_cannot_go_is_not_numbered(entrepreneur, outbox):
    user = entrepreneur.user
    empty = draft_quote(entrepreneur=entrepreneur, lines=[])
    with pytest.raises(ValidationError, match="La fiche de la coopérative n'est pas remplie"):
        billing.quote_send(actor=user, quote=draft_quote(entrepreneur=entrepreneur), to=["a@b.fr"])
    CooperativeProfileFactory()
    with pytest.raises(ValidationError, match="Ajoutez au moins une ligne au devis"):
        billing.quote_send(actor=user, quote=empty, to=["a@b.fr"])
    zero_rate = draft_quote(entrepreneur=entrepreneur, lines=[line(vat_rate=VatRate.ZERO)])
    with pytest.raises(ValidationError) as error:
        billing.quote_send(actor=user, quote=zero_rate, to=["a@b.fr"])
    assert error.value.message_dict == {
        "vat_exemption": ["Une ligne est à 0 % : choisissez le motif d'exonération."]
    }
    billing.quote_update(actor=user, quote=zero_rate, vat_exemption=VatExemption.TRAINING)
    with pytest.raises(ValidationError, match="Donnez au moins une adresse e-mail du client"):
        billing.quote_send(actor=user, quote=zero_rate, to=[" ", ""])
    assert not outbox.exists()
    assert not NumberCounter.objects.exists()
    # With the exemption chosen and an address, it goes.
    assert billing.quote_send(actor=user, quote=zero_rate, to=["a@b.fr"]).number.endswith("00001")


def test_a_sent_quote_is_accepted_or_refused_then_frozen(profile, entrepreneur):
    user = entrepreneur.user
    draft = draft_quote(entrepreneur=entrepreneur)
    with pytest.raises(ValidationError, match="Seul un devis envoyé peut être accepté ou refusé"):
        billing.quote_answer(actor=user, quote=draft, accepted=True)

    sent = billing.quote_send(actor=user, quote=draft, to=["a@b.fr"])
    refused = billing.quote_answer(
        actor=user, quote=sent, accepted=False, on=TODAY() - datetime.timedelta(days=1)
    )
    assert refused.status == QuoteStatus.REFUSED
    assert refused.answered_on == TODAY() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="Seul un devis envoyé"):
        billing.quote_answer(actor=user, quote=refused, accepted=True)
    for change in (
        lambda: billing.quote_line_add(actor=user, quote=refused, line=line()),
        lambda: billing.quote_update(actor=user, quote=refused, title="Autre"),
        lambda: billing.quote_line_remove(actor=user, line=refused.lines.get()),
        lambda: billing.quote_send(actor=user, quote=refused, to=["a@b.fr"]),
    ):
        with pytest.raises(
            ValidationError, match="Ce devis a reçu une réponse : il ne change plus"
        ):
            change()
    with pytest.raises(ValidationError, match="Seul un devis accepté devient une facture"):
        billing.invoice_from_quote(actor=user, quote=refused)

    accepted = _sent_and_accepted(draft_quote(entrepreneur=entrepreneur), user)
    assert (accepted.status, accepted.answered_on) == (QuoteStatus.ACCEPTED, TODAY())


def test_an_accepted_quote_becomes_one_invoice_once(profile, entrepreneur):
    user = entrepreneur.user
    quote = draft_quote(
        entrepreneur=entrepreneur,
        lines=[
            line(),
            line(
                description="Livret",
                quantity=Decimal("25"),
                unit=Unit.SESSION,
                unit_price=Decimal("3.50"),
                vat_rate=VatRate.REDUCED,
                discount_percent=Decimal("5"),
            ),
        ],
    )
    quote = _sent_and_accepted(quote, user)
    invoice = billing.invoice_from_quote(actor=user, quote=quote)
    assert (invoice.status, invoice.kind, invoice.quote) == (
        InvoiceStatus.DRAFT,
        InvoiceKind.INVOICE,
        quote,
    )
    assert (invoice.client, invoice.entrepreneur, invoice.title) == (
        quote.client,
        entrepreneur,
        quote.title,
    )
    fields = ("description", "quantity", "unit", "unit_price", "vat_rate", "discount_percent")
    assert list(invoice.lines.values_list(*fields)) == list(quote.lines.values_list(*fields))
    assert (invoice.net, invoice.vat, invoice.gross) == (quote.net, quote.vat, quote.gross)
    with pytest.raises(ValidationError, match="Ce devis a déjà sa facture"):
        billing.invoice_from_quote(actor=user, quote=quote)


def test_a_quote_from_a_mission_bills_its_validated_sessions(entrepreneur):
    mission = MissionFactory(
        entrepreneurs=[entrepreneur],
        client=BillableClientFactory(),
        planned_sessions=3,
        agreed_price=Decimal("1000.00"),
    )
    # Nothing delivered yet: the agreed price, one line.
    quote = billing.quote_from_mission(
        actor=entrepreneur.user, mission=mission, entrepreneur=entrepreneur
    )
    [only] = quote.lines.all()
    assert (only.quantity, only.unit, only.unit_price) == (
        Decimal("3"),
        Unit.SESSION,
        Decimal("333.33"),
    )
    assert quote.mission == mission and quote.client == mission.client

    session = SessionFactory(mission=mission, status=SessionStatus.VALIDATED)
    SessionFactory(mission=mission)  # logged, not validated: not billed
    quote = billing.quote_from_mission(
        actor=entrepreneur.user, mission=mission, entrepreneur=entrepreneur
    )
    [only] = quote.lines.all()
    assert only.session == session
    assert only.description == f"{mission.title} — séance du {session.date:%d/%m/%Y}"


# --- Sessions into invoices ---------------------------------------------------------------


@pytest.fixture
def mission(entrepreneur):
    return MissionFactory(
        entrepreneurs=[entrepreneur],
        client=BillableClientFactory(),
        planned_sessions=4,
        agreed_price=Decimal("1200.00"),
        status=MissionStatus.DELIVERED,
    )


def _validated(mission, days_ago, **fields):
    """A validated session of the mission's entrepreneur (or of `entrepreneur=`)."""
    fields.setdefault("entrepreneur", mission.entrepreneurs.order_by("pk").first())
    return SessionFactory(
        mission=mission,
        status=SessionStatus.VALIDATED,
        date=TODAY() - datetime.timedelta(days=days_ago),
        **fields,
    )


def _from_sessions(entrepreneur, mission, sessions):
    return billing.invoice_from_sessions(
        actor=entrepreneur.user, mission=mission, entrepreneur=entrepreneur, sessions=sessions
    )


def test_validated_sessions_become_a_draft_invoice(entrepreneur, mission):
    late, early = _validated(mission, 3), _validated(mission, 10)
    invoice = _from_sessions(entrepreneur, mission, [late, early])
    assert (invoice.service_start, invoice.service_end) == (early.date, late.date)
    assert invoice.mission == mission and invoice.client == mission.client
    assert list(invoice.lines.values_list("session", "unit_price", "unit", "position")) == [
        (early.pk, Decimal("300.00"), Unit.SESSION, 0),
        (late.pk, Decimal("300.00"), Unit.SESSION, 1),
    ]
    assert invoice.gross == Decimal("720.00")
    assert not invoice.home_service


def test_home_services_are_marked_for_the_tax_credit(entrepreneur):
    mission = MissionFactory(
        entrepreneurs=[entrepreneur], client=BillableClientFactory(), kind=MissionKind.GARDENING
    )
    invoice = _from_sessions(entrepreneur, mission, [_validated(mission, 2)])
    assert invoice.home_service


def test_only_validated_unbilled_sessions_of_the_entrepreneur_are_billed(entrepreneur, mission):
    with pytest.raises(ValidationError, match="Choisissez au moins une séance validée"):
        _from_sessions(entrepreneur, mission, [])
    logged = SessionFactory(mission=mission)
    returned = SessionFactory(
        mission=mission, status=SessionStatus.RETURNED, return_reason="Date à vérifier"
    )
    partner = MemberFactory(path="cape")
    mission.entrepreneurs.add(partner)
    partners = _validated(mission, 2, entrepreneur=partner)
    for session in (logged, returned, partners):
        with pytest.raises(ValidationError) as error:
            _from_sessions(entrepreneur, mission, [session])
        assert messages_of(error.value) == (
            "Une des séances n'est pas validée ou est déjà sur une facture."
        )
    validated = _validated(mission, 3)
    assert list(billing.billable_sessions(mission).filter(entrepreneur=entrepreneur)) == [validated]
    # Once on a draft, a session is taken.
    _from_sessions(entrepreneur, mission, [validated])
    with pytest.raises(ValidationError, match="déjà sur une facture"):
        _from_sessions(entrepreneur, mission, [validated])
    assert not billing.billable_sessions(mission).filter(entrepreneur=entrepreneur).exists()


def test_a_total_credit_note_gives_the_sessions_back(profile, coordinator, entrepreneur, mission):
    first, second = _validated(mission, 5), _validated(mission, 4)
    invoice = billing.invoice_issue(
        actor=coordinator, invoice=_from_sessions(entrepreneur, mission, [first, second])
    )
    # A draft credit note gives nothing back yet; issued, it does.
    credit_note = billing.credit_note_create(actor=coordinator, invoice=invoice, reason="Erreur")
    assert not billing.billable_sessions(mission).exists()
    billing.invoice_issue(actor=coordinator, invoice=credit_note)
    assert set(billing.billable_sessions(mission)) == {first, second}
    again = _from_sessions(entrepreneur, mission, [first, second])
    assert again.gross == invoice.gross


def test_a_partial_credit_note_does_not(profile, coordinator, entrepreneur, mission):
    first, second = _validated(mission, 5), _validated(mission, 4)
    invoice = billing.invoice_issue(
        actor=coordinator, invoice=_from_sessions(entrepreneur, mission, [first, second])
    )
    first_line, second_line = invoice.lines.order_by("position")
    # Half of one session's price back (a discount after the fact): both stay billed.
    billing.invoice_issue(
        actor=coordinator,
        invoice=billing.credit_note_create(
            actor=coordinator,
            invoice=invoice,
            reason="Geste commercial",
            quantities={first_line.pk: Decimal("0.5")},
        ),
    )
    assert not billing.billable_sessions(mission).exists()
    # One session cancelled in full: that one only can be billed again.
    billing.invoice_issue(
        actor=coordinator,
        invoice=billing.credit_note_create(
            actor=coordinator,
            invoice=invoice,
            reason="Séance annulée",
            quantities={second_line.pk: Decimal("1")},
        ),
    )
    assert list(billing.billable_sessions(mission)) == [second]


# --- Asking for the issuing ---------------------------------------------------------------


def test_the_entrepreneur_asks_their_coordinator_to_issue(entrepreneur, outbox):
    invoice = draft_invoice(entrepreneur=entrepreneur)
    requested = billing.invoice_request_issue(actor=entrepreneur.user, invoice=invoice)
    assert requested.status == InvoiceStatus.REQUESTED
    assert requested.requested_at is not None

    email = outbox.get()
    assert email.to == [entrepreneur.coordinator.email]
    assert email.subject == (
        f"Facture à émettre pour {entrepreneur.first_name} {entrepreneur.last_name}"
    )
    assert "« Ateliers de prévention »" in email.body and invoice.client.name in email.body

    # Now it waits: the entrepreneur no longer changes it, nor asks twice.
    with pytest.raises(ValidationError, match="Cette facture attend son émission"):
        billing.invoice_update(actor=entrepreneur.user, invoice=requested, title="Autre")
    with pytest.raises(ValidationError, match="Cette facture n'est plus un brouillon"):
        billing.invoice_request_issue(actor=entrepreneur.user, invoice=requested)


def test_a_coordinator_sends_a_requested_invoice_back(entrepreneur, coordinator):
    invoice = draft_invoice(entrepreneur=entrepreneur)
    with pytest.raises(ValidationError, match="Seule une facture à émettre peut être rendue"):
        billing.invoice_send_back(actor=coordinator, invoice=invoice)
    billing.invoice_request_issue(actor=entrepreneur.user, invoice=invoice)
    # The coordinator may correct it before issuing.
    billing.invoice_update(actor=coordinator, invoice=invoice, notes="Bon de commande reçu")
    with pytest.raises(PermissionDenied):
        billing.invoice_send_back(actor=entrepreneur.user, invoice=invoice)
    assert billing.invoice_send_back(actor=coordinator, invoice=invoice).status == (
        InvoiceStatus.DRAFT
    )
    billing.invoice_update(actor=entrepreneur.user, invoice=invoice, title="Corrigée")


def test_an_empty_draft_cannot_be_requested(entrepreneur, outbox):
    invoice = draft_invoice(entrepreneur=entrepreneur, lines=[])
    with pytest.raises(ValidationError, match="Ajoutez au moins une ligne avant de demander"):
        billing.invoice_request_issue(actor=entrepreneur.user, invoice=invoice)
    assert not outbox.exists()


# --- Issuing ------------------------------------------------------------------------------


def test_numbers_run_per_series_and_year_without_gap(profile, coordinator):
    year = TODAY().year
    last_year = datetime.date(year - 1, 12, 30)
    start = last_year - datetime.timedelta(days=20)

    def issue(on, **kwargs):
        return billing.invoice_issue(
            actor=coordinator, invoice=draft_invoice(service_start=start, **kwargs), issued_on=on
        )

    assert issue(last_year).number == f"FA-{year - 1}-00001"
    assert issue(last_year).number == f"FA-{year - 1}-00002"
    january = datetime.date(year, 1, 2)
    first = issue(january)
    assert (first.number, first.series, first.year, first.sequence) == (
        f"FA-{year}-00001",
        "FA",
        year,
        1,
    )
    # Credit notes have their own series.
    credit_note = billing.invoice_issue(
        actor=coordinator,
        invoice=billing.credit_note_create(actor=coordinator, invoice=first, reason="Erreur"),
        issued_on=january,
    )
    assert credit_note.number == f"AV-{year}-00001"
    assert issue(january).number == f"FA-{year}-00002"
    # A refused issuing (here: no date of service) takes no number.
    with pytest.raises(ValidationError, match="la date de la prestation"):
        billing.invoice_issue(
            actor=coordinator, invoice=draft_invoice(service_start=None), issued_on=january
        )
    assert issue(january).number == f"FA-{year}-00003"
    assert NumberCounter.objects.get(series="FA", year=year).last == 3
    # The series a cooperative chooses.
    CooperativeProfile.objects.filter(pk=1).update(invoice_series="ENT")
    assert issue(january).number == f"ENT-{year}-00001"


def test_issuing_cannot_go_back_in_time(profile, coordinator):
    issued_invoice(issuer=coordinator, issued_on=TODAY())
    with pytest.raises(ValidationError) as error:
        billing.invoice_issue(
            actor=coordinator,
            invoice=draft_invoice(),
            issued_on=TODAY() - datetime.timedelta(days=1),
        )
    assert messages_of(error.value) == (
        "La date d'émission ne peut pas précéder celle de la dernière facture "
        f"({TODAY():%d/%m/%Y})."
    )


def test_an_invoice_is_issued_once(profile, coordinator):
    invoice = issued_invoice(issuer=coordinator)
    with pytest.raises(ValidationError) as error:
        billing.invoice_issue(actor=coordinator, invoice=invoice)
    assert messages_of(error.value) == f"Cette facture est déjà émise ({invoice.number})."
    for change in (
        lambda: billing.invoice_update(actor=coordinator, invoice=invoice, title="Autre"),
        lambda: billing.invoice_line_add(actor=coordinator, invoice=invoice, line=line()),
        lambda: billing.invoice_delete_draft(actor=coordinator, invoice=invoice),
    ):
        with pytest.raises(ValidationError, match="Une facture émise ne se modifie pas"):
            change()


def test_issuing_freezes_what_the_invoice_prints(profile, coordinator, entrepreneur, mission):
    session = _validated(mission, 6)
    draft = _from_sessions(entrepreneur, mission, [session])
    invoice = billing.invoice_issue(actor=coordinator, invoice=draft)

    assert invoice.status == InvoiceStatus.ISSUED
    assert (invoice.issued_on, invoice.issued_by) == (TODAY(), coordinator)
    assert invoice.due_on == TODAY() + datetime.timedelta(days=30)
    assert invoice.payment_terms_days == 30
    assert invoice.late_penalty_rate == Decimal("12.00")
    assert invoice.contribution_rate == Decimal("10.00")
    assert invoice.service_end == invoice.service_start == session.date
    assert invoice.vat_breakdown == [{"rate": "20.00", "base": "300.00", "tax": "60.00"}]
    assert invoice.seller["name"] == "Entrepairs Coopérative"
    assert invoice.seller["siren"] == profile.siren
    assert invoice.seller["legal_form"] == "SCIC SAS"
    client = mission.client
    assert invoice.buyer["name"] == client.name
    assert invoice.buyer["siren"] == client.siret[:9]
    assert invoice.buyer["is_business"] is True

    # The archived PDF is the one whose fingerprint was kept.
    with invoice.pdf.open("rb") as stored:
        content = stored.read()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == invoice.pdf_sha256
    assert invoice.pdf.name.startswith(f"private/invoices/{invoice.number}")

    # Issuing marked the mission invoiced.
    mission.refresh_from_db()
    assert mission.status == MissionStatus.INVOICED

    # The cooperative and the client change; the invoice does not.
    seller, buyer = dict(invoice.seller), dict(invoice.buyer)
    CooperativeProfile.objects.filter(pk=1).update(
        name="Nouveau nom", address="1 autre rue", late_penalty_rate=Decimal("15.00")
    )
    client.name, client.address, client.siret = "Client renommé", "9 ailleurs", ""
    client.save()
    invoice.refresh_from_db()
    assert (invoice.seller, invoice.buyer) == (seller, buyer)
    assert invoice.late_penalty_rate == Decimal("12.00")
    with invoice.pdf.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == invoice.pdf_sha256


def test_an_interim_invoice_leaves_a_running_mission_open(profile, coordinator, entrepreneur):
    """Monthly invoices of a long mission: the mission is invoiced once delivered, not
    before, so that its entrepreneur goes on logging sessions."""
    running = MissionFactory(
        entrepreneurs=[entrepreneur],
        client=BillableClientFactory(),
        status=MissionStatus.IN_PROGRESS,
    )
    billing.invoice_issue(
        actor=coordinator, invoice=_from_sessions(entrepreneur, running, [_validated(running, 9)])
    )
    running.refresh_from_db()
    assert running.status == MissionStatus.IN_PROGRESS


def test_a_due_date_beyond_sixty_days_is_refused(profile, coordinator):
    issued_on = TODAY()
    too_late = draft_invoice(due_on=issued_on + datetime.timedelta(days=61))
    before = draft_invoice(due_on=issued_on - datetime.timedelta(days=1))
    for invoice in (too_late, before):
        with pytest.raises(ValidationError) as error:
            billing.invoice_issue(actor=coordinator, invoice=invoice, issued_on=issued_on)
        assert error.value.message_dict == {
            "due_on": [
                "L'échéance est comprise entre la date d'émission et 60 jours après "
                "(Code de commerce, L441-10)."
            ]
        }
        assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT
    on_the_day = draft_invoice(due_on=issued_on + datetime.timedelta(days=60))
    invoice = billing.invoice_issue(actor=coordinator, invoice=on_the_day, issued_on=issued_on)
    assert invoice.payment_terms_days == 60


def test_an_invoice_of_nothing_is_not_issued(profile, coordinator):
    invoice = draft_invoice(lines=[line(unit_price=Decimal("0"))])
    with pytest.raises(ValidationError, match="Une facture a un montant supérieur à zéro"):
        billing.invoice_issue(actor=coordinator, invoice=invoice)


def _missing(coordinator, invoice) -> str:
    """Issuing is refused with the list of what is missing; the draft stays a draft and
    no number is taken."""
    counters = list(NumberCounter.objects.order_by("pk").values_list("series", "year", "last"))
    with pytest.raises(ValidationError) as error:
        billing.invoice_issue(actor=coordinator, invoice=invoice)
    assert error.value.code == "missing_mentions"
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT
    assert list(NumberCounter.objects.order_by("pk").values_list("series", "year", "last")) == (
        counters
    )
    [message] = error.value.messages
    assert message.startswith("Émission impossible, il manque : ")
    return message


def test_without_the_cooperatives_profile_nothing_is_issued(coordinator):
    assert _missing(coordinator, draft_invoice()) == (
        "Émission impossible, il manque : la fiche de la coopérative "
        "(raison sociale, SIREN, RCS, TVA, adresse)."
    )


def test_a_public_client_needs_its_chorus_codes(profile, coordinator):
    client = BillableClientFactory(kind=ClientKind.SCHOOL, is_public=True)
    assert _missing(coordinator, draft_invoice(client=client)) == (
        "Émission impossible, il manque : le code service Chorus Pro du client public ; "
        "le numéro d'engagement du client public."
    )
    invoice = draft_invoice(
        client=client, chorus_service_code="SERVICE-FINANCES", chorus_commitment="EJ-2026-118"
    )
    assert billing.invoice_issue(actor=coordinator, invoice=invoice).buyer["is_public"] is True


def test_a_business_client_needs_its_siret(profile, coordinator):
    client = BillableClientFactory(siret="")
    assert _missing(coordinator, draft_invoice(client=client)) == (
        "Émission impossible, il manque : le SIRET du client (son SIREN est imprimé)."
    )
    # A private person has none.
    person = BillableClientFactory(kind=ClientKind.INDIVIDUAL, siret="", name="Jeanne Martin")
    issued = billing.invoice_issue(actor=coordinator, invoice=draft_invoice(client=person))
    assert issued.buyer["is_business"] is False and issued.buyer["siren"] == ""


def test_a_zero_rate_needs_its_exemption_wording(profile, coordinator):
    lines = [line(), line(description="Formation", vat_rate=VatRate.ZERO)]
    assert _missing(coordinator, draft_invoice(lines=lines)) == (
        "Émission impossible, il manque : le motif d'exonération de TVA des lignes à 0 %."
    )
    invoice = draft_invoice(lines=lines, vat_exemption=VatExemption.TRAINING)
    issued = billing.invoice_issue(actor=coordinator, invoice=invoice)
    assert issued.vat_breakdown == [
        {"rate": "20.00", "base": "160.00", "tax": "32.00"},
        {"rate": "0.00", "base": "160.00", "tax": "0.00"},
    ]


def test_a_service_date_is_needed(profile, coordinator):
    assert _missing(coordinator, draft_invoice(service_start=None)) == (
        "Émission impossible, il manque : la date de la prestation."
    )


def test_every_missing_mention_is_listed_at_once(coordinator):
    CooperativeProfileFactory(rcs="", vat_number="", address="")
    client = BillableClientFactory(kind=ClientKind.LOCAL_AUTHORITY, is_public=True, siret="")
    client.address = ""
    client.save()
    message = _missing(
        coordinator,
        draft_invoice(client=client, service_start=None, lines=[line(vat_rate=VatRate.ZERO)]),
    )
    for part in (
        "l'immatriculation RCS de la coopérative",
        "le numéro de TVA de la coopérative",
        "l'adresse de la coopérative",
        "l'adresse complète du client",
        "le SIRET du client",
        "le code service Chorus Pro du client public",
        "le numéro d'engagement du client public",
        "le motif d'exonération de TVA des lignes à 0 %",
        "la date de la prestation",
    ):
        assert part in message
    assert "SIREN de la coopérative" not in message


def test_a_failing_issue_gives_its_number_back(profile, coordinator, monkeypatch):
    """The number is taken inside the issuing transaction: if anything after it fails
    (here the PDF), nothing is kept and the next invoice gets that number."""

    def broken(invoice):
        raise OSError("disque plein")

    monkeypatch.setattr("coop.documents.render_invoice_pdf", broken)
    invoice = draft_invoice()
    with pytest.raises(OSError, match="disque plein"):
        billing.invoice_issue(actor=coordinator, invoice=invoice)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number, invoice.sequence) == (InvoiceStatus.DRAFT, "", None)
    monkeypatch.undo()
    assert billing.invoice_issue(actor=coordinator, invoice=invoice).sequence == 1


# --- Credit notes -------------------------------------------------------------------------


def test_a_total_credit_note_cancels_everything_and_reopens_the_mission(
    profile, coordinator, entrepreneur, mission
):
    invoice = billing.invoice_issue(
        actor=coordinator,
        invoice=_from_sessions(
            entrepreneur, mission, [_validated(mission, 5), _validated(mission, 4)]
        ),
    )
    draft = billing.credit_note_create(
        actor=coordinator, invoice=invoice, reason="  Mauvais client  "
    )
    assert (draft.kind, draft.status, draft.credited_invoice) == (
        InvoiceKind.CREDIT_NOTE,
        InvoiceStatus.DRAFT,
        invoice,
    )
    assert draft.reason == "Mauvais client"
    assert draft.title == f"Avoir sur la facture {invoice.number}"
    assert (draft.net, draft.vat, draft.gross) == (invoice.net, invoice.vat, invoice.gross)
    assert sorted(draft.lines.values_list("credited_line", flat=True)) == sorted(
        invoice.lines.values_list("pk", flat=True)
    )
    # Its lines come from the invoice: nothing is added by hand.
    with pytest.raises(ValidationError, match="Les lignes d'un avoir viennent de la facture"):
        billing.invoice_line_add(actor=coordinator, invoice=draft, line=line())
    # Until issued, the mission stays invoiced.
    mission.refresh_from_db()
    assert mission.status == MissionStatus.INVOICED

    credit_note = billing.invoice_issue(actor=coordinator, invoice=draft)
    assert credit_note.number == f"AV-{TODAY().year}-00001"
    mission.refresh_from_db()
    assert mission.status == MissionStatus.DELIVERED
    stored = Invoice.objects.with_paid().get(pk=invoice.pk)
    assert (stored.credited, stored.balance) == (invoice.gross, Decimal("0.00"))
    with pytest.raises(ValidationError, match="Rien à annuler"):
        billing.credit_note_create(actor=coordinator, invoice=invoice, reason="Encore")


def test_partial_credit_notes_never_cancel_more_than_is_left(
    profile, coordinator, entrepreneur, mission
):
    invoice = billing.invoice_issue(
        actor=coordinator,
        invoice=_from_sessions(
            entrepreneur, mission, [_validated(mission, 5), _validated(mission, 4)]
        ),
    )
    first, second = invoice.lines.order_by("position")
    partial = billing.credit_note_create(
        actor=coordinator,
        invoice=invoice,
        reason="Séance écourtée",
        quantities={first.pk: Decimal("0.25")},
    )
    assert partial.gross == Decimal("90.00")  # a quarter of 300 € plus 20 %
    # A draft credit note already counts: no more than 0.75 of the first line is left.
    with pytest.raises(ValidationError) as error:
        billing.credit_note_create(
            actor=coordinator,
            invoice=invoice,
            reason="Trop",
            quantities={first.pk: Decimal("1.00")},
        )
    assert messages_of(error.value) == (
        f"« {first.description} » : il reste 0.75 à annuler, pas 1.00."
    )
    with pytest.raises(ValidationError, match="ne peut pas être négative"):
        billing.credit_note_create(
            actor=coordinator,
            invoice=invoice,
            reason="Négatif",
            quantities={first.pk: Decimal("-1")},
        )
    with pytest.raises(ValidationError) as error:
        billing.credit_note_create(actor=coordinator, invoice=invoice, reason=" ")
    assert error.value.message_dict == {"reason": ["Écrivez le motif de l'avoir."]}

    billing.invoice_issue(actor=coordinator, invoice=partial)
    mission.refresh_from_db()
    assert mission.status == MissionStatus.INVOICED  # only partly cancelled

    # "The rest": what is left of each line, here 0.75 and 1.
    rest = billing.credit_note_create(actor=coordinator, invoice=invoice, reason="Annulation")
    assert dict(rest.lines.values_list("credited_line", "quantity")) == {
        first.pk: Decimal("0.75"),
        second.pk: Decimal("1.00"),
    }
    billing.invoice_issue(actor=coordinator, invoice=rest)
    mission.refresh_from_db()
    assert mission.status == MissionStatus.DELIVERED
    stored = Invoice.objects.with_paid().get(pk=invoice.pk)
    assert stored.credited == invoice.gross and stored.balance == Decimal("0.00")


def test_only_an_issued_invoice_is_credited_by_an_issuer(profile, coordinator, entrepreneur):
    draft = draft_invoice(entrepreneur=entrepreneur)
    with pytest.raises(ValidationError, match="Un avoir annule une facture émise"):
        billing.credit_note_create(actor=coordinator, invoice=draft, reason="x")
    invoice = billing.invoice_issue(actor=coordinator, invoice=draft)
    with pytest.raises(PermissionDenied):
        billing.credit_note_create(actor=entrepreneur.user, invoice=invoice, reason="x")
    draft = billing.credit_note_create(actor=coordinator, invoice=invoice, reason="x")
    # A credit note in preparation is the issuers' alone, even on the entrepreneur's work.
    with pytest.raises(PermissionDenied):
        billing.invoice_update(actor=entrepreneur.user, invoice=draft, notes="Autre")
    with pytest.raises(PermissionDenied):
        billing.invoice_delete_draft(actor=entrepreneur.user, invoice=draft)
    credit_note = billing.invoice_issue(actor=coordinator, invoice=draft)
    with pytest.raises(ValidationError, match="Un avoir annule une facture émise"):
        billing.credit_note_create(actor=coordinator, invoice=credit_note, reason="x")


def test_a_credit_note_carries_its_reason(profile, coordinator):
    invoice = issued_invoice(issuer=coordinator)
    draft = billing.credit_note_create(actor=coordinator, invoice=invoice, reason="Erreur")
    billing.invoice_update(actor=coordinator, invoice=draft, reason=" ")
    assert _missing(coordinator, draft) == ("Émission impossible, il manque : le motif de l'avoir.")


# --- Contribution rate --------------------------------------------------------------------


def test_a_members_own_rate_applies_on_its_dates(profile, coordinator, entrepreneur):
    day = datetime.date(2025, 3, 1)
    ContributionRate.objects.create(
        member=entrepreneur,
        rate=Decimal("8.00"),
        starts_on=day,
        ends_on=day + datetime.timedelta(days=30),
        reason="Première année d'activité",
    )
    ContributionRate.objects.create(
        member=entrepreneur, rate=Decimal("12.50"), starts_on=datetime.date(2025, 6, 1)
    )
    rate_on = lambda on: billing.contribution_rate_for(entrepreneur, on, profile)  # noqa: E731
    assert rate_on(day - datetime.timedelta(days=1)) == Decimal("10.00")
    assert rate_on(day) == Decimal("8.00")
    assert rate_on(day + datetime.timedelta(days=30)) == Decimal("8.00")
    assert rate_on(day + datetime.timedelta(days=31)) == Decimal("10.00")
    assert rate_on(datetime.date(2025, 6, 1)) == Decimal("12.50")
    assert rate_on(TODAY()) == Decimal("12.50")
    # Someone else keeps the cooperative's rate.
    assert billing.contribution_rate_for(MemberFactory(), day, profile) == Decimal("10.00")

    # An issued invoice keeps the rate of its issuing day.
    invoice = issued_invoice(issuer=coordinator, entrepreneur=entrepreneur)
    assert invoice.contribution_rate == Decimal("12.50")
    CooperativeProfile.objects.filter(pk=1).update(contribution_rate=Decimal("11.00"))
    invoice.refresh_from_db()
    assert invoice.contribution_rate == Decimal("12.50")
