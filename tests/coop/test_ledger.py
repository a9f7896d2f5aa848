"""The payment journal and the account expenses (coop.ledger): every rule, with its French
message, and the database's refusal to change the journals."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from coop import billing, ledger
from coop.enums import (
    AccountExpenseKind,
    ExpensePaidBy,
    PaymentMethod,
    RecoveryKind,
)
from coop.models import AccountExpense, Invoice, Payment, RecoveryAction
from members.enums import Role
from members.models import Document
from tests.coop.factories import draft_invoice, issued_invoice, line
from tests.coop.factories_ledger import (
    account_expense,
    days_ago,
    issuer,
    overdue_invoice,
    payment,
    receipt,
)
from tests.members.factories import MemberFactory, UserFactory
from tests.members.factories_extra import EXE_BYTES, PDF_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
BEFORE_ISSUE = "Le paiement ne peut pas précéder l'émission de la facture"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _messages(error: ValidationError) -> list[str]:
    return error.value.messages


def _balance(invoice) -> Decimal:
    return Invoice.objects.with_paid().get(pk=invoice.pk).balance


@pytest.fixture
def invoice():
    """An issued invoice of 192,00 € (2 h × 80,00 € + 20 % VAT), issued 10 days ago."""
    return issued_invoice(issued_on=days_ago(10), service_start=days_ago(12))


# --- recording payments -------------------------------------------------------------------


def test_partial_payments_until_paid(invoice):
    assert invoice.gross == Decimal("192.00")
    coordinator = issuer()
    first = ledger.payment_record(
        actor=coordinator,
        invoice=invoice,
        paid_on=days_ago(3),
        amount=Decimal("100.00"),
        method=PaymentMethod.CHEQUE,
        reference=" Chèque 0012345 ",
        note="Premier versement",
    )
    assert (first.amount, first.method, first.reference, first.note) == (
        Decimal("100.00"),
        PaymentMethod.CHEQUE,
        "Chèque 0012345",
        "Premier versement",
    )
    assert first.recorded_by == coordinator
    assert first.paid_on == days_ago(3)
    assert _balance(invoice) == Decimal("92.00")
    payment(invoice, "92.00", actor=UserFactory(role=Role.ACCOUNTANT))
    assert _balance(invoice) == Decimal("0.00")
    with pytest.raises(ValidationError) as error:
        payment(invoice, "1.00")
    assert _messages(error) == ["Cette facture est entièrement réglée : il ne reste rien à payer."]


def test_paying_more_than_the_balance_is_refused(invoice):
    payment(invoice, "150.00")
    with pytest.raises(ValidationError) as error:
        payment(invoice, "42.01")
    assert error.value.message_dict == {
        "amount": ["Le paiement (42,01\xa0€) dépasse ce qui reste à payer (42,00\xa0€)."]
    }
    assert Payment.objects.count() == 1


def test_a_credit_note_lowers_what_can_be_paid(invoice):
    coordinator = issuer()
    credit_note = billing.credit_note_create(
        actor=coordinator,
        invoice=invoice,
        reason="Un atelier annulé",
        quantities={invoice.lines.get().pk: Decimal("1")},
    )
    billing.invoice_issue(actor=coordinator, invoice=credit_note)
    assert _balance(invoice) == Decimal("96.00")
    with pytest.raises(ValidationError) as error:
        payment(invoice, "96.01")
    assert "ce qui reste à payer (96,00\xa0€)" in _messages(error)[0]
    payment(invoice, "96.00")
    assert _balance(invoice) == Decimal("0.00")
    # The credit note itself is paid by nobody.
    with pytest.raises(ValidationError) as error:
        payment(credit_note, "10.00")
    assert _messages(error) == [
        "Un avoir ne reçoit pas de paiement : il diminue ce que le client doit."
    ]


def test_a_cancelled_invoice_is_not_paid(invoice):
    coordinator = issuer()
    credit_note = billing.credit_note_create(actor=coordinator, invoice=invoice, reason="Annulée")
    billing.invoice_issue(actor=coordinator, invoice=credit_note)
    with pytest.raises(ValidationError) as error:
        payment(invoice, "1.00")
    assert _messages(error) == ["Cette facture est annulée par avoir : il n'y a rien à payer."]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"paid_on": TODAY() + datetime.timedelta(days=1)},
            {"paid_on": ["La date du paiement ne peut pas être dans le futur."]},
        ),
        (
            {"paid_on": days_ago(11)},
            {"paid_on": [f"{BEFORE_ISSUE} (le {days_ago(10):%d/%m/%Y})."]},
        ),
        ({"amount": Decimal("0")}, {"amount": ["Le montant est supérieur à zéro."]}),
        ({"amount": Decimal("-5")}, {"amount": ["Le montant est supérieur à zéro."]}),
        (
            {"amount": Decimal("10.005")},
            {"amount": ["Un montant s'écrit au centime près (deux chiffres après la virgule)."]},
        ),
        ({"method": "bitcoin"}, {"method": ["Choisissez un moyen de paiement."]}),
    ],
)
def test_bad_payments_are_refused_with_a_message(invoice, fields, errors):
    values = {
        "paid_on": TODAY(),
        "amount": Decimal("10.00"),
        "method": PaymentMethod.TRANSFER,
    } | fields
    with pytest.raises(ValidationError) as error:
        ledger.payment_record(actor=issuer(), invoice=invoice, **values)
    assert error.value.message_dict == errors
    assert not Payment.objects.exists()


def test_only_an_issued_invoice_is_paid():
    draft = draft_invoice()
    with pytest.raises(ValidationError) as error:
        payment(draft, "10.00")
    assert _messages(error) == ["Seule une facture émise reçoit un paiement."]


@pytest.mark.parametrize(
    "role", [Role.ENTREPRENEUR, Role.ADMINISTRATOR, Role.FUNDER, Role.PEER_SUPPORT_LEAD]
)
def test_only_coordinators_and_accountants_record_payments(invoice, role):
    with pytest.raises(PermissionDenied):
        payment(invoice, "10.00", actor=UserFactory(role=role))
    # Not even the entrepreneur whose invoice it is.
    with pytest.raises(PermissionDenied):
        payment(invoice, "10.00", actor=invoice.entrepreneur.user)
    assert not Payment.objects.exists()


# --- reversing entries --------------------------------------------------------------------


def test_a_mistake_is_reversed_by_a_counter_entry(invoice):
    mistaken = payment(invoice, "120.00", method=PaymentMethod.CHEQUE, reference="Chèque 77")
    accountant = UserFactory(role=Role.ACCOUNTANT)
    reversal = ledger.payment_reverse(
        actor=accountant, payment=mistaken, reason="Chèque rejeté par la banque"
    )
    assert reversal.amount == Decimal("-120.00")
    assert reversal.reverses == mistaken
    assert reversal.paid_on == TODAY()
    assert (reversal.method, reversal.reference) == (PaymentMethod.CHEQUE, "Chèque 77")
    assert reversal.note == "Chèque rejeté par la banque"
    assert reversal.recorded_by == accountant
    # The mistaken entry stays in the journal; what is owed is back.
    assert Payment.objects.count() == 2
    assert _balance(invoice) == Decimal("192.00")
    payment(invoice, "192.00")
    assert _balance(invoice) == Decimal("0.00")


def test_an_entry_is_reversed_once(invoice):
    mistaken = payment(invoice, "50.00")
    reversal = ledger.payment_reverse(actor=issuer(), payment=mistaken, reason="Doublon")
    with pytest.raises(ValidationError) as error:
        ledger.payment_reverse(actor=issuer(), payment=mistaken, reason="Encore")
    assert _messages(error) == [f"Cette écriture est déjà annulée (le {TODAY():%d/%m/%Y})."]
    with pytest.raises(ValidationError) as error:
        ledger.payment_reverse(actor=issuer(), payment=reversal, reason="Oups")
    assert _messages(error) == [
        "Cette écriture est déjà une annulation : "
        "pour corriger, enregistrez de nouveau le paiement."
    ]
    assert Payment.objects.count() == 2


def test_reversing_needs_a_reason_and_an_issuer(invoice):
    entry = payment(invoice, "50.00")
    with pytest.raises(ValidationError) as error:
        ledger.payment_reverse(actor=issuer(), payment=entry, reason="  ")
    assert error.value.message_dict == {"reason": ["Écrivez pourquoi cette écriture est annulée."]}
    with pytest.raises(PermissionDenied):
        ledger.payment_reverse(actor=invoice.entrepreneur.user, payment=entry, reason="Non")
    assert Payment.objects.count() == 1


def test_the_invoice_journal_knows_what_was_reversed(invoice):
    kept = payment(invoice, "20.00", paid_on=days_ago(2))
    mistaken = payment(invoice, "30.00", paid_on=days_ago(1))
    reversal = ledger.payment_reverse(actor=issuer(), payment=mistaken, reason="Doublon")
    entries = ledger.invoice_payments(invoice)
    assert [(entry.pk, entry.is_reversed) for entry in entries] == [
        (kept.pk, False),
        (mistaken.pk, True),
        (reversal.pk, False),
    ]


# --- the journals cannot be changed -------------------------------------------------------


def _refused(operation) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        operation()


def test_the_database_refuses_to_change_or_delete_a_payment(invoice):
    entry = payment(invoice, "50.00", note="Virement")
    entry.note = "Changé"
    _refused(entry.save)
    _refused(lambda: Payment.objects.filter(pk=entry.pk).update(amount=Decimal("5.00")))
    _refused(entry.delete)
    _refused(lambda: Payment.objects.all().delete())
    entry.refresh_from_db()
    assert (entry.amount, entry.note) == (Decimal("50.00"), "Virement")


def test_the_database_refuses_to_change_or_delete_a_recovery_action(invoice):
    action = RecoveryAction.objects.create(
        invoice=invoice, kind=RecoveryKind.NOTE, note="Le client promet de payer"
    )
    action.note = "Changé"
    _refused(action.save)
    _refused(lambda: RecoveryAction.objects.filter(pk=action.pk).update(note="Changé"))
    _refused(action.delete)
    _refused(lambda: RecoveryAction.objects.all().delete())
    action.refresh_from_db()
    assert action.note == "Le client promet de payer"


def test_recovery_actions_are_logged_with_a_note():
    invoice = overdue_invoice(days_late=5)
    coordinator = issuer()
    action = ledger.recovery_action_log(
        actor=coordinator,
        invoice=invoice,
        kind=RecoveryKind.PHONE_CALL,
        note=" Appel à la comptable : paiement prévu vendredi. ",
    )
    assert (action.kind, action.note, action.actor, action.email) == (
        RecoveryKind.PHONE_CALL,
        "Appel à la comptable : paiement prévu vendredi.",
        coordinator,
        None,
    )
    with pytest.raises(ValidationError) as error:
        ledger.recovery_action_log(
            actor=coordinator, invoice=invoice, kind=RecoveryKind.REMINDER_AUTOMATIC, note=""
        )
    assert error.value.message_dict == {
        "kind": ["Choisissez : appel, mise en demeure ou note."],
        "note": ["Écrivez ce qui a été fait ou dit."],
    }
    with pytest.raises(PermissionDenied):
        ledger.recovery_action_log(
            actor=invoice.entrepreneur.user, invoice=invoice, kind=RecoveryKind.NOTE, note="x"
        )
    assert RecoveryAction.objects.count() == 1


# --- account expenses ---------------------------------------------------------------------


def test_an_expense_with_its_receipt(private_media):
    member = MemberFactory(path="cape")
    accountant = UserFactory(role=Role.ACCOUNTANT)
    expense = ledger.account_expense_add(
        actor=accountant,
        entrepreneur=member,
        kind=AccountExpenseKind.SUPPLIER_INVOICE,
        spent_on=days_ago(3),
        supplier=" Papeterie Lumière ",
        supplier_reference="F-118",
        description="Affiches",
        net=Decimal("100.00"),
        vat=Decimal("20.00"),
        receipt=receipt("FACTURE.PDF"),
    )
    expense.refresh_from_db()
    assert (expense.entrepreneur, expense.supplier, expense.gross) == (
        member,
        "Papeterie Lumière",
        Decimal("120.00"),
    )
    assert expense.paid_by == ExpensePaidBy.COOPERATIVE
    assert expense.recorded_by == accountant
    assert expense.receipt_content_type == "application/pdf"
    assert expense.receipt.name.startswith(f"private/account-expenses/{member.pk}/")
    assert expense.receipt.name.endswith(".pdf")
    assert (private_media / expense.receipt.name).read_bytes() == PDF_BYTES


def test_receipts_are_checked_by_their_content(monkeypatch):
    png = account_expense(receipt=receipt("photo.png", PNG_BYTES))
    assert png.receipt_content_type == "image/png"
    with pytest.raises(ValidationError) as error:
        account_expense(receipt=receipt("facture.pdf", EXE_BYTES))
    assert error.value.message_dict == {
        "receipt": ["Seuls les fichiers PDF, JPEG et PNG sont acceptés."]
    }
    monkeypatch.setattr(Document, "MAX_SIZE", 20)
    with pytest.raises(ValidationError) as error:
        account_expense(receipt=receipt("gros.pdf", PDF_BYTES))
    assert error.value.message_dict == {"receipt": ["Le fichier pèse 0,0 Mo : 10 Mo au plus."]}
    assert AccountExpense.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"supplier": " "},
            {"supplier": ["Donnez le nom du fournisseur de la facture."]},
        ),
        (
            {"kind": AccountExpenseKind.SALARY, "paid_by": ExpensePaidBy.ENTREPRENEUR},
            {
                "paid_by": ["Le salaire est payé par la coopérative."],
                "vat": ["Un salaire ne porte pas de TVA."],
            },
        ),
        (
            {"spent_on": TODAY() + datetime.timedelta(days=1)},
            {"spent_on": ["La date de la dépense ne peut pas être dans le futur."]},
        ),
        ({"net": Decimal("0")}, {"net": ["Le montant hors taxes est supérieur à zéro."]}),
        ({"vat": Decimal("-1")}, {"vat": ["La TVA ne peut pas être négative."]}),
        (
            {"vat": Decimal("100.01")},
            {"vat": ["La TVA dépasse le montant hors taxes : vérifiez les deux montants."]},
        ),
        ({"net": Decimal("1.001")}, {"net": ["Un montant s'écrit au centime près."]}),
        ({"description": ""}, {"description": ["Écrivez ce qui a été payé."]}),
        ({"kind": "gift"}, {"kind": ["Choisissez le type de dépense."]}),
    ],
)
def test_bad_expenses_are_refused(fields, errors):
    with pytest.raises(ValidationError) as error:
        account_expense(**fields)
    assert error.value.message_dict == errors
    assert not AccountExpense.objects.exists()


def test_a_salary_cost():
    salary = account_expense(
        kind=AccountExpenseKind.SALARY,
        supplier="",
        supplier_reference="",
        description="Salaire de mars",
        net=Decimal("1800.00"),
        vat=Decimal("0"),
    )
    assert salary.gross == Decimal("1800.00")


@pytest.mark.parametrize("role", [Role.ENTREPRENEUR, Role.ADMINISTRATOR, Role.RESEARCHER])
def test_only_coordinators_and_accountants_charge_accounts(role):
    with pytest.raises(PermissionDenied):
        account_expense(actor=UserFactory(role=role))
    expense = account_expense()
    with pytest.raises(PermissionDenied):
        ledger.account_expense_update(actor=UserFactory(role=role), expense=expense, net=1)
    with pytest.raises(PermissionDenied):
        ledger.account_expense_reimburse(actor=UserFactory(role=role), expense=expense, on=TODAY())


def test_updating_an_expense_replaces_its_receipt(
    private_media, django_capture_on_commit_callbacks
):
    expense = account_expense(receipt=receipt("premier.pdf"))
    old = expense.receipt.name
    with django_capture_on_commit_callbacks(execute=True):
        updated = ledger.account_expense_update(
            actor=issuer(),
            expense=expense,
            description="Affiches et flyers",
            net=Decimal("150.00"),
            vat=Decimal("30.00"),
            receipt=receipt("second.png", PNG_BYTES),
        )
    updated.refresh_from_db()
    assert (updated.description, updated.net, updated.vat) == (
        "Affiches et flyers",
        Decimal("150.00"),
        Decimal("30.00"),
    )
    assert updated.receipt_content_type == "image/png"
    assert (private_media / updated.receipt.name).read_bytes() == PNG_BYTES
    assert not (private_media / old).exists()
    with pytest.raises(TypeError):
        ledger.account_expense_update(actor=issuer(), expense=expense, recorded_by=None)


def test_an_update_keeps_the_receipt_when_no_new_file(private_media):
    expense = account_expense(receipt=receipt())
    ledger.account_expense_update(actor=issuer(), expense=expense, description="Autre libellé")
    expense.refresh_from_db()
    assert expense.description == "Autre libellé"
    assert (private_media / expense.receipt.name).read_bytes() == PDF_BYTES


def test_an_advanced_expense_is_reimbursed_once():
    advanced = account_expense(
        kind=AccountExpenseKind.EXPENSE_REPORT,
        supplier="",
        paid_by=ExpensePaidBy.ENTREPRENEUR,
        spent_on=days_ago(10),
    )
    for on, message in (
        (
            TODAY() + datetime.timedelta(days=1),
            {"on": ["La date du remboursement ne peut pas être dans le futur."]},
        ),
        (
            days_ago(11),
            {
                "on": [
                    "Le remboursement ne peut pas précéder la dépense "
                    f"(le {days_ago(10):%d/%m/%Y})."
                ]
            },
        ),
    ):
        with pytest.raises(ValidationError) as error:
            ledger.account_expense_reimburse(actor=issuer(), expense=advanced, on=on)
        assert error.value.message_dict == message
    ledger.account_expense_reimburse(actor=issuer(), expense=advanced, on=days_ago(2))
    advanced.refresh_from_db()
    assert advanced.reimbursed_on == days_ago(2)
    with pytest.raises(ValidationError) as error:
        ledger.account_expense_reimburse(actor=issuer(), expense=advanced, on=TODAY())
    assert _messages(error) == [f"Cette dépense est déjà remboursée (le {days_ago(2):%d/%m/%Y})."]
    # What was paid back no longer changes; its wording may.
    with pytest.raises(ValidationError) as error:
        ledger.account_expense_update(actor=issuer(), expense=advanced, net=Decimal("1.00"))
    assert "ne changent plus" in _messages(error)[0]
    ledger.account_expense_update(actor=issuer(), expense=advanced, description="Repas du 3")
    advanced.refresh_from_db()
    assert (advanced.description, advanced.net) == ("Repas du 3", Decimal("100.00"))


def test_what_the_cooperative_paid_is_not_reimbursed():
    paid = account_expense()
    with pytest.raises(ValidationError) as error:
        ledger.account_expense_reimburse(actor=issuer(), expense=paid, on=TODAY())
    assert _messages(error) == [
        "Cette dépense a été payée par la coopérative : il n'y a rien à rembourser."
    ]


def test_an_entrepreneur_sees_only_their_own_expenses():
    mine = account_expense()
    account_expense()
    user = mine.entrepreneur.user
    assert list(AccountExpense.objects.visible_to(user)) == [mine]
    assert AccountExpense.objects.visible_to(UserFactory(role=Role.ACCOUNTANT)).count() == 2
    assert not AccountExpense.objects.visible_to(UserFactory(role=Role.FUNDER)).exists()


def test_chargeable_members_for_issuers_only():
    member = MemberFactory()
    assert member in ledger.chargeable_members(UserFactory(role=Role.ACCOUNTANT))
    assert not ledger.chargeable_members(member.user).exists()


def test_money_context_of_an_invoice():
    invoice = overdue_invoice(days_late=12, lines=[line(unit_price=Decimal("1000.00"))])
    entry = payment(invoice, "500.00")
    action = ledger.recovery_action_log(
        actor=issuer(), invoice=invoice, kind=RecoveryKind.NOTE, note="Relancé au salon"
    )
    context = ledger.invoice_money_context(invoice)
    assert context["payments"] == [entry]
    assert context["recovery_actions"] == [action]
    assert context["days_late"] == 12
