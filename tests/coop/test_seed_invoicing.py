"""The invoicing step of `manage.py seed`: the demo goes through the services and keeps
every rule of the platform; the large size writes the same kind of rows in bulk, within
the database's constraints and triggers, with no PDF."""

import datetime
import hashlib
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min, Sum
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from faker import Faker
from localflavor.fr.forms import FRSIRENField, FRSIRETField

from activities.enums import MissionStatus
from activities.models import Mission
from activities.seed import seed_activities
from coop import billing
from coop.enums import (
    AccountExpenseKind,
    EmailStatus,
    ExpensePaidBy,
    InvoiceKind,
    InvoiceStatus,
    LegalForm,
    QuoteStatus,
    RecoveryKind,
)
from coop.management.commands import seed as seed_command
from coop.models import (
    AccountExpense,
    ContributionRate,
    CooperativeProfile,
    Invoice,
    InvoiceLine,
    NumberCounter,
    OutgoingEmail,
    Payment,
    Quote,
    RecoveryAction,
)
from coop.money import to_cents
from coop.seed import seed_clients, seed_programmes
from coop.seed_invoicing import NO_FILE_SHA256, french_iban, seed_invoicing
from members.enums import ContractKind, Role
from members.models import Contract, Member, User
from members.seed import DEMO_LOGINS, seed_members, seed_path

TODAY = timezone.localdate


def _seed(size: str, scale: float = 1.0) -> None:
    """The seed command's steps up to invoicing, drawing from one rng and one faker."""
    rng, faker = random.Random(2026), Faker("fr_FR")
    faker.seed_instance(2026)
    seed_members(rng=rng, faker=faker, size=size, scale=scale)
    seed_programmes(rng=rng, faker=faker, size=size)
    seed_path(rng=rng, faker=faker, size=size, scale=scale)
    seed_clients(rng=rng, faker=faker, size=size, scale=scale)
    seed_activities(rng=rng, faker=faker, size=size, scale=scale)
    seed_invoicing(rng=rng, faker=faker, size=size, scale=scale)


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded once for the class (it renders real PDFs), rolled back at its
    end; each test runs in a savepoint of it."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, EMAIL_BACKEND="coop.mail.OutboxBackend"),
        transaction.atomic(),
    ):
        _seed("demo")
        yield Member.objects.get(user__email=DEMO_LOGINS[Role.ENTREPRENEUR])
        transaction.set_rollback(True)


def _luhn(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _iban_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    return int(digits) % 97 == 1


def _rib_ok(iban: str) -> bool:
    bank, branch, account, key = iban[4:9], iban[9:14], iban[14:25], iban[25:27]
    return (89 * int(bank) + 15 * int(branch) + 3 * int(account) + int(key)) % 97 == 0


def _assert_numbers_run_without_gap() -> None:
    """Per series and year: 1, 2, 3… in the order of the issue dates, and the counter
    where issuing will go on from."""
    issued = Invoice.objects.issued()
    groups = issued.values("series", "year").annotate(
        count=Count("pk"), first=Min("sequence"), last=Max("sequence")
    )
    assert groups
    for group in groups:
        assert (group["first"], group["last"]) == (1, group["count"])
        counter = NumberCounter.objects.get(series=group["series"], year=group["year"])
        assert counter.last == group["count"]
        days = list(
            issued.filter(series=group["series"], year=group["year"])
            .order_by("sequence")
            .values_list("issued_on", flat=True)
        )
        assert days == sorted(days)
        assert {day.year for day in days} == {group["year"]}
    for number, series, year, sequence in issued.values_list(
        "number", "series", "year", "sequence"
    ):
        assert number == f"{series}-{year}-{sequence:05d}"


def _assert_money_adds_up() -> None:
    """Payments never exceed what is owed; credit notes never cancel more than their
    invoice; every issued document's totals are its lines' and its VAT breakdown's."""
    for invoice in Invoice.objects.with_paid().issued().invoices():
        # Rounded: SQLite sums decimals as floats (see the report on with_paid).
        assert to_cents(invoice.paid + invoice.credited) <= invoice.gross
        assert to_cents(invoice.balance) >= 0
    assert not Payment.objects.filter(invoice__kind=InvoiceKind.CREDIT_NOTE).exists()
    assert not Payment.objects.filter(paid_on__lt=F("invoice__issued_on")).exists()
    assert not Payment.objects.filter(paid_on__gt=TODAY()).exists()
    for invoice in Invoice.objects.issued().prefetch_related("lines")[:300]:
        lines = list(invoice.lines.all())
        assert invoice.net == sum(line.net for line in lines)
        assert invoice.vat == sum(Decimal(group["tax"]) for group in invoice.vat_breakdown)
        assert invoice.gross == invoice.net + invoice.vat
        assert invoice.due_on <= invoice.issued_on + datetime.timedelta(days=60)
        assert invoice.seller["siren"] == CooperativeProfile.current().siren
        assert invoice.buyer["name"] == invoice.client.name


def test_the_iban_keys_are_computed_not_copied():
    iban = french_iban("30004", "00001", "00012345678")
    assert _iban_ok(iban) and _rib_ok(iban)
    assert iban.startswith("FR") and len(iban) == 27


# --- The demo ----------------------------------------------------------------------------


@pytest.mark.django_db
class TestDemo:
    """The demo is seeded once for these tests (it renders real PDFs): a class, so that
    it is rolled back before any other test of the module runs on the same worker."""

    def test_the_cooperative_is_a_valid_fictional_scic_in_lyon(self, demo):
        profile = CooperativeProfile.current()
        profile.full_clean()
        assert profile.legal_form == LegalForm.SCIC_SAS
        assert (profile.postcode, profile.commune) == ("69003", "Lyon")
        assert FRSIRENField().clean(profile.siren) == profile.siren
        assert FRSIRETField().clean(profile.siret) == profile.siret
        assert _luhn(profile.siren) and _luhn(profile.siret)
        assert profile.siret.startswith(profile.siren)
        assert profile.rcs.startswith("RCS Lyon")
        key = (12 + 3 * (int(profile.siren) % 97)) % 97
        assert profile.vat_number == f"FR{key:02d}{profile.siren}"
        assert _iban_ok(profile.iban) and _rib_ok(profile.iban)
        assert profile.email.endswith(".example")
        # Missing nothing a French invoice must print.
        invoice = Invoice.objects.issued().first()
        assert billing.invoice_missing_mentions(invoice, profile) == []

    def test_a_few_members_have_their_own_contribution_rate(self, demo):
        rates = ContributionRate.objects.all()
        assert rates.count() >= 3
        assert rates.filter(member=demo).exists()
        assert rates.filter(ends_on__isnull=True).exists()
        assert rates.exclude(ends_on__isnull=True).exists()
        # Every issued invoice froze the rate of its issuing day.
        profile = CooperativeProfile.current()
        for invoice in Invoice.objects.issued().select_related("entrepreneur"):
            assert invoice.contribution_rate == billing.contribution_rate_for(
                invoice.entrepreneur, invoice.issued_on, profile
            )
        assert Invoice.objects.issued().exclude(contribution_rate=Decimal("10.00")).exists()

    def test_the_demo_entrepreneur_has_a_quote_in_every_state(self, demo):
        quotes = Quote.objects.filter(entrepreneur=demo)
        assert set(quotes.values_list("status", flat=True)) == set(QuoteStatus.values)
        year = TODAY().year
        for quote in quotes.exclude(status=QuoteStatus.DRAFT):
            assert quote.number.startswith(f"DE-{year}-")
            assert quote.sent_on is not None and quote.sent_on.year == year
        for quote in quotes.filter(status__in=[QuoteStatus.ACCEPTED, QuoteStatus.REFUSED]):
            assert quote.sent_on <= quote.answered_on <= TODAY()
        assert quotes.get(status=QuoteStatus.DRAFT).number == ""
        # The accepted quote became its (draft) invoice, once.
        accepted = quotes.get(status=QuoteStatus.ACCEPTED)
        assert accepted.invoices.count() == 1

    def test_the_demo_entrepreneur_has_invoices_in_every_situation(self, demo):
        today = TODAY()
        mine = Invoice.objects.with_paid().filter(entrepreneur=demo)
        issued = mine.issued().invoices()
        assert issued.filter(balance=0, paid=F("gross")).exists()  # paid in full
        overdue = mine.overdue(today).order_by("due_on")
        assert overdue.filter(paid__gt=0).exists()  # paid in part, and late
        kinds = RecoveryAction.objects.filter(invoice=overdue.first()).values_list("kind")
        assert (RecoveryKind.PHONE_CALL,) in list(kinds)
        # Every invoice past its first reminder delay got its automatic reminder (those
        # being corrected by a credit note are left to people).
        first_delay = CooperativeProfile.current().reminder_delays[0]
        reminded = (
            Invoice.objects.with_paid()
            .overdue(today)
            .filter(due_on__lte=today - datetime.timedelta(days=first_delay))
            .filter(credit_notes__isnull=True)
        )
        for invoice in reminded:
            assert invoice.recovery_actions.filter(kind=RecoveryKind.REMINDER_AUTOMATIC).exists()
        # This month's sessions wait for the coordinator, who was told.
        requested = mine.get(status=InvoiceStatus.REQUESTED)
        assert requested.requested_at is not None and requested.lines.exists()
        subject = f"Facture à émettre pour {demo.first_name} {demo.last_name}"
        told = OutgoingEmail.objects.filter(subject=subject).values_list("to", flat=True)
        assert [demo.coordinator.email] in list(told)

    def test_issued_invoices_are_what_invoice_issue_writes(self, demo):
        issued = Invoice.objects.issued()
        assert issued.invoices().count() >= 20
        for invoice in issued:
            with invoice.pdf.open("rb") as stored:
                content = stored.read()
            assert content.startswith(b"%PDF-")
            assert hashlib.sha256(content).hexdigest() == invoice.pdf_sha256
            assert invoice.issued_by.role in billing.ISSUERS
            assert invoice.issued_on <= TODAY()
        _assert_numbers_run_without_gap()
        _assert_money_adds_up()
        # Issued on the history's dates, over the years of the demo.
        assert issued.aggregate(first=Min("issued_on"))["first"].year < TODAY().year

    def test_credit_notes_cancel_in_full_and_in_part(self, demo):
        credit_notes = Invoice.objects.issued().credit_notes().select_related("credited_invoice")
        full = [note for note in credit_notes if note.gross == note.credited_invoice.gross]
        partial = [note for note in credit_notes if note.gross < note.credited_invoice.gross]
        assert full and partial
        for note in full:
            # The wrong invoice was made again, for the same sessions.
            cancelled = note.credited_invoice
            sessions = set(cancelled.lines.values_list("session", flat=True))
            again = Invoice.objects.issued().invoices().exclude(pk=cancelled.pk)
            assert again.filter(lines__session__in=sessions, issued_on__gte=note.issued_on).exists()
            assert not cancelled.payments.exists()

    def test_missions_are_invoiced_once_everything_is_billed(self, demo):
        for mission in Mission.objects.filter(status=MissionStatus.INVOICED):
            assert not billing.billable_sessions(mission).exists()
        # Some finished work is left to invoice, and running missions stay open.
        assert Mission.objects.filter(status=MissionStatus.DELIVERED).exists()
        assert (
            Mission.objects.filter(status=MissionStatus.IN_PROGRESS, invoices__isnull=False)
            .distinct()
            .exists()
        )

    def test_accounts_have_salaries_supplier_invoices_and_expense_reports(self, demo):
        expenses = AccountExpense.objects.all()
        salaries = expenses.filter(kind=AccountExpenseKind.SALARY)
        # Only salaried entrepreneurs (CESA) are paid a salary, within their contract.
        for salary in salaries.select_related("entrepreneur"):
            assert Contract.objects.filter(
                member=salary.entrepreneur_id,
                kind=ContractKind.CESA,
                start_date__lte=salary.spent_on,
            ).exists()
            assert salary.paid_by == ExpensePaidBy.COOPERATIVE and salary.vat == 0
            assert "coût employeur" in salary.description
        my_salaries = salaries.filter(entrepreneur=demo)
        assert my_salaries.count() >= 2
        assert len(set(my_salaries.values_list("spent_on", flat=True))) == my_salaries.count()
        supplier = expenses.filter(kind=AccountExpenseKind.SUPPLIER_INVOICE)
        assert supplier.exists() and not supplier.filter(supplier="").exists()
        for expense in supplier.exclude(receipt="")[:5]:
            with expense.receipt.open("rb") as receipt:
                assert receipt.read(5) == b"%PDF-"
        reports = expenses.filter(entrepreneur=demo, kind=AccountExpenseKind.EXPENSE_REPORT)
        assert reports.filter(reimbursed_on__isnull=False).exists()
        assert reports.filter(reimbursed_on__isnull=True).exists()  # still to pay back
        assert not expenses.filter(spent_on__gt=TODAY()).exists()

    def test_no_seeded_email_is_left_to_send(self, demo):
        """The history's e-mails (quotes, requests, reminders) went out on their day: none
        reaches the fictional clients when the demo starts."""
        emails = OutgoingEmail.objects.all()
        assert emails.filter(attachments=[]).count() == emails.count()
        assert emails.exists()
        assert not emails.exclude(status=EmailStatus.SENT).exists()
        assert not emails.exclude(body="").exists()

    def test_issued_seeded_invoices_are_protected(self, demo):
        invoice = Invoice.objects.issued().first()
        with pytest.raises(IntegrityError), transaction.atomic():
            Invoice.objects.filter(pk=invoice.pk).update(title="x")


# --- The large size ----------------------------------------------------------------------


@pytest.mark.django_db
def test_large_invoicing_at_reduced_scale_writes_issued_rows_without_files(
    client_of_role, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    _seed("large", scale=0.02)

    issued = Invoice.objects.issued()
    invoices = issued.invoices()
    # DESIGN.md's 200,000 invoices times 0.02, from the validated sessions.
    assert 1_500 <= invoices.count() <= 6_000
    assert issued.credit_notes().exists()
    assert not Invoice.objects.exclude(status=InvoiceStatus.ISSUED).exists()
    assert set(issued.values_list("pdf", "pdf_sha256").distinct()) == {("", NO_FILE_SHA256)}
    _assert_numbers_run_without_gap()
    _assert_money_adds_up()
    years = invoices.aggregate(first=Min("issued_on"), last=Max("issued_on"))
    assert years["last"].year - years["first"].year >= 8
    assert not issued.filter(issued_on__gt=TODAY()).exists()

    profile = CooperativeProfile.current()
    for invoice in invoices.order_by("?")[:40]:
        assert invoice.contribution_rate == billing.contribution_rate_for(
            invoice.entrepreneur, invoice.issued_on, profile
        )
    # A session is on one live invoice at most: billed twice only when the first invoice
    # was cancelled in full by a credit note.
    cancelled = {
        invoice.pk
        for invoice in Invoice.objects.with_paid().issued().invoices()
        if invoice.credited == invoice.gross
    }
    assert cancelled
    live = Counter(
        session
        for session, invoice in InvoiceLine.objects.filter(
            invoice__kind=InvoiceKind.INVOICE, session__isnull=False
        ).values_list("session", "invoice")
        if invoice not in cancelled
    )
    assert max(live.values()) == 1

    paid = Payment.objects.aggregate(total=Sum("amount"))["total"]
    assert paid > 0
    assert Payment.objects.filter(amount__lt=0, reverses__isnull=False).count() == (
        Payment.objects.filter(amount__lt=0).count()
    )
    assert RecoveryAction.objects.filter(kind=RecoveryKind.REMINDER_AUTOMATIC).exists()
    assert AccountExpense.objects.filter(kind=AccountExpenseKind.SALARY).exists()
    assert Mission.objects.filter(status=MissionStatus.INVOICED).exists()

    # The rows are protected like any issued invoice.
    invoice = invoices.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        invoice.lines.update(quantity=Decimal("2"))

    # No file: the download answers 404, never a 500.
    client = client_of_role(Role.COORDINATOR)
    response = client.get(reverse("coop:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 404

    # Issuing goes on after the seeded numbers.
    coordinator = User.objects.filter(role=Role.COORDINATOR, is_active=True).first()
    latest = issued.aggregate(latest=Max("issued_on"))["latest"]
    draft = billing.invoice_create(
        actor=coordinator,
        entrepreneur=invoice.entrepreneur,
        client=invoice.client,
        title="Après le jeu de données",
        service_start=latest,
        chorus_service_code="FACTURES",
        chorus_commitment="EJ1",
        lines=[
            billing.LineInput(
                description="Atelier", quantity=Decimal("1"), unit_price=Decimal("10.00")
            )
        ],
    )
    new = billing.invoice_issue(actor=coordinator, invoice=draft, issued_on=TODAY())
    year_count = invoices.filter(year=TODAY().year).exclude(pk=new.pk).count()
    assert new.sequence == year_count + 1


def test_seed_command_runs_invoicing_after_the_activities():
    steps = seed_command.STEPS
    assert "coop.seed_invoicing.seed_invoicing" in steps
    assert steps.index("coop.seed_invoicing.seed_invoicing") > steps.index(
        "activities.seed.seed_activities"
    )
