"""Reminders of overdue invoices: sent by hand to the addresses chosen, and automatically
by Celery at the cooperative's delays, each step once whatever the number of runs."""

import datetime
import threading
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from coop import billing, ledger, tasks
from coop.celery import app
from coop.enums import ClientKind, EmailStatus, RecoveryKind
from coop.models import CooperativeProfile, OutgoingEmail, RecoveryAction
from members.enums import Role
from tests.coop.factories import BillableClientFactory, line
from tests.coop.factories_ledger import days_ago, issuer, overdue_invoice, payment
from tests.members.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

NNBSP = "\u202f"  # between thousands, in coop.money.format_euros
NBSP = "\xa0"  # before the euro sign


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "coop.mail.OutboxBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox


def _late(days_late=10, **kwargs):
    """An overdue invoice of 1 200,00 € TTC (1 000,00 € HT + 20 %)."""
    kwargs.setdefault("lines", [line(quantity=Decimal("10"), unit_price=Decimal("100.00"))])
    return overdue_invoice(days_late=days_late, **kwargs)


def _reminders(invoice):
    return list(
        RecoveryAction.objects.filter(invoice=invoice, kind__in=ledger.REMINDER_KINDS).order_by(
            "pk"
        )
    )


# --- by hand ------------------------------------------------------------------------------


def test_a_reminder_by_hand(private_media, outbox, django_capture_on_commit_callbacks):
    entrepreneur = MemberFactory(path="cape", first_name="Inès", last_name="D'Almeida")
    invoice = _late(days_late=12, entrepreneur=entrepreneur)
    payment(invoice, "200.00")
    coordinator = issuer()
    with django_capture_on_commit_callbacks(execute=True):
        action = ledger.reminder_send(
            actor=coordinator,
            invoice=invoice,
            to=["compta@alembert.example", " direction@alembert.example"],
            note="Nous avons déjà appelé votre service le 3.",
        )
    assert (action.kind, action.actor, action.reminder_step) == (
        RecoveryKind.REMINDER_MANUAL,
        coordinator,
        None,
    )
    assert action.note == "Nous avons déjà appelé votre service le 3."
    email = OutgoingEmail.objects.get()
    assert action.email == email
    assert email.to == ["compta@alembert.example", "direction@alembert.example"]
    assert email.status == EmailStatus.SENT  # delivered once the transaction committed

    [sent] = outbox
    assert sent.subject == (
        f"Rappel : facture {invoice.number} en attente de paiement — Entrepairs Coopérative"
    )
    assert sent.reply_to == ["contact@entrepairs.example"]
    body = sent.body
    assert f"la facture {invoice.number} du {invoice.issued_on:%d/%m/%Y}" in body
    assert f"d'un montant de 1{NNBSP}200,00{NBSP}€ TTC" in body
    assert f"arrivée à échéance le {invoice.due_on:%d/%m/%Y}" in body
    assert f"il reste 1{NNBSP}000,00{NBSP}€ à payer" in body
    assert "Nous avons déjà appelé votre service le 3." in body
    assert "IBAN FR7630006000011234567890189" in body
    # The late-payment mentions of a business client, and no HTML escaping in plain text.
    assert "article L441-10 du Code de commerce" in body
    assert "au taux annuel de 12,00 %" in body
    penalties_from = invoice.due_on + datetime.timedelta(days=1)
    assert f"exigibles à compter du {penalties_from:%d/%m/%Y}" in body
    assert f"indemnité forfaitaire pour frais de recouvrement de 40,00{NBSP}€" in body
    assert "pour l'activité de Inès D'Almeida" in body  # plain text: nothing escaped
    assert "&#x27;" not in body
    # The archived PDF, exactly as issued.
    [(filename, content, mimetype)] = sent.attachments
    assert filename == f"facture-{invoice.number}.pdf"
    assert mimetype == "application/pdf"
    assert content == (private_media / invoice.pdf.name).read_bytes()


def test_an_individual_client_is_not_asked_the_40_euros(outbox):
    client = BillableClientFactory(kind=ClientKind.INDIVIDUAL, siret="", name="Mme Durand")
    invoice = _late(client=client)
    ledger.reminder_send(actor=issuer(), invoice=invoice, to=["durand@example.fr"])
    body = OutgoingEmail.objects.get().body
    assert "pénalités au taux annuel de 12,00 %" in body
    assert "40,00" not in body and "L441-10" not in body


def test_the_second_reminder_says_so(outbox):
    invoice = _late()
    ledger.reminder_send(actor=issuer(), invoice=invoice, to=["a@example.fr"])
    ledger.reminder_send(actor=issuer(), invoice=invoice, to=["a@example.fr"])
    subjects = list(OutgoingEmail.objects.order_by("pk").values_list("subject", flat=True))
    assert subjects[1].startswith(f"Relance n° 2 : facture {invoice.number}")


def test_the_archived_pdf_missing_is_rendered_again(private_media, outbox):
    invoice = _late()
    (private_media / invoice.pdf.name).unlink()
    ledger.reminder_send(actor=issuer(), invoice=invoice, to=["a@example.fr"])
    [attachment] = OutgoingEmail.objects.get().attachments
    assert attachment["filename"] == f"facture-{invoice.number}.pdf"
    assert attachment["mimetype"] == "application/pdf"


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ([], "Donnez au moins une adresse e-mail du client."),
        (["pas-une-adresse"], "« pas-une-adresse » n'est pas une adresse e-mail."),
        ([f"a{n}@example.fr" for n in range(11)], "10 adresses au plus."),
    ],
)
def test_bad_addresses_are_refused(to, message):
    invoice = _late()
    with pytest.raises(ValidationError) as error:
        ledger.reminder_send(actor=issuer(), invoice=invoice, to=to)
    assert error.value.message_dict == {"to": [message]}
    assert not RecoveryAction.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_no_reminder_before_the_due_date_nor_once_paid():
    paid = _late()
    not_due = overdue_invoice(days_late=-5)
    with pytest.raises(ValidationError) as error:
        ledger.reminder_send(actor=issuer(), invoice=not_due, to=["a@example.fr"])
    assert error.value.messages == [
        f"Cette facture n'est pas encore en retard (échéance le {not_due.due_on:%d/%m/%Y}) : "
        "une relance se fait après l'échéance."
    ]
    payment(paid, "1200.00")
    with pytest.raises(ValidationError) as error:
        ledger.reminder_send(actor=issuer(), invoice=paid, to=["a@example.fr"])
    assert error.value.messages == ["Cette facture est réglée : il n'y a rien à relancer."]
    assert not OutgoingEmail.objects.exists()


@pytest.mark.parametrize("role", [Role.ENTREPRENEUR, Role.ADMINISTRATOR, Role.FUNDER])
def test_only_issuers_send_reminders(role):
    invoice = _late()
    with pytest.raises(PermissionDenied):
        ledger.reminder_send(actor=UserFactory(role=role), invoice=invoice, to=["a@example.fr"])
    assert not OutgoingEmail.objects.exists()


def test_recipients_come_from_the_frozen_invoice_then_the_contacts():
    client = BillableClientFactory(email="compta@horizons.example")
    client.contacts.create(name="Agnès Roy", email="agnes@horizons.example")
    client.contacts.create(name="Sans adresse")
    invoice = _late(client=client)
    # Changing the client after issuance does not change where its invoice's reminder goes.
    client.email = "nouvelle@horizons.example"
    client.save()
    invoice.refresh_from_db()
    assert ledger.reminder_recipients(invoice) == ["compta@horizons.example"]
    assert ledger.other_client_addresses(invoice) == [
        "nouvelle@horizons.example",
        "agnes@horizons.example",
    ]
    no_address = BillableClientFactory(email="")
    no_address.contacts.create(name="Paul", email="paul@example.fr")
    assert ledger.reminder_recipients(_late(client=no_address)) == ["paul@example.fr"]


# --- automatic ----------------------------------------------------------------------------


@pytest.fixture
def delays():
    """Automatic reminders 7 then 30 days after the due date."""

    def set_delays(text: str = "7,30"):
        CooperativeProfile.objects.filter(pk=1).update(reminder_days=text)

    return set_delays


def test_automatic_reminders_once_per_step(delays, outbox, django_capture_on_commit_callbacks):
    forty = _late(days_late=40)
    ten = _late(days_late=10)
    three = _late(days_late=3)
    delays("7,30")

    with django_capture_on_commit_callbacks(execute=True):
        run = ledger.reminders_send_due()
    assert run == ledger.ReminderRun(sent=2, without_address=0)
    # Late for 40 days and never reminded: only the latest step reached, not two at once.
    assert [(a.kind, a.reminder_step) for a in _reminders(forty)] == [
        (RecoveryKind.REMINDER_AUTOMATIC, 30)
    ]
    [(action)] = _reminders(ten)
    assert action.reminder_step == 7 and action.actor is None
    assert action.note == "Relance automatique, 7 jours après l'échéance."
    assert action.email.to == [ten.buyer["email"]]
    assert _reminders(three) == []
    assert len(outbox) == 2
    assert "Ce message est envoyé automatiquement." in outbox[0].body
    assert outbox[0].attachments[0][0].startswith("facture-")

    # A second run the same day sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert ledger.reminders_send_due() == ledger.ReminderRun()
    assert len(outbox) == 2
    assert RecoveryAction.objects.count() == 2

    # 23 days later: the invoice reminded at 7 days reaches 30; the other has had its 30.
    later = timezone.localdate() + datetime.timedelta(days=23)
    with django_capture_on_commit_callbacks(execute=True):
        assert ledger.reminders_send_due(today=later).sent == 2
    assert [a.reminder_step for a in _reminders(ten)] == [7, 30]
    assert [a.reminder_step for a in _reminders(forty)] == [30]
    assert [a.reminder_step for a in _reminders(three)] == [7]
    assert _reminders(ten)[1].email.subject.startswith(f"Relance n° 2 : facture {ten.number}")
    # The earlier step, missed, is never sent afterwards.
    assert ledger.reminders_send_due(today=later).sent == 0


def test_paid_and_credit_noted_invoices_get_no_reminder(delays):
    paid = _late(days_late=15)
    cancelled = _late(days_late=15)
    partly_cancelled = _late(days_late=15)
    partly_paid = _late(days_late=15)
    delays("7")
    payment(paid, "1200.00")
    payment(partly_paid, "100.00")
    coordinator = issuer()
    credit_note = billing.credit_note_create(
        actor=coordinator, invoice=cancelled, reason="Prestation annulée"
    )
    billing.invoice_issue(actor=coordinator, invoice=credit_note)
    billing.credit_note_create(
        actor=coordinator,
        invoice=partly_cancelled,
        reason="Une heure en moins",
        quantities={partly_cancelled.lines.get().pk: Decimal("1")},
    )
    assert ledger.reminders_send_due().sent == 1
    assert [
        invoice
        for invoice in (paid, cancelled, partly_cancelled, partly_paid)
        if _reminders(invoice)
    ] == [partly_paid]


def test_a_client_without_address_is_counted_not_claimed(delays):
    invoice = _late(days_late=10, client=BillableClientFactory(email=""))
    delays("7")
    assert ledger.reminders_send_due() == ledger.ReminderRun(sent=0, without_address=1)
    assert not RecoveryAction.objects.exists()
    # Once an address is known (a contact), the next run sends it.
    invoice.client.contacts.create(name="Agnès", email="agnes@example.fr")
    assert ledger.reminders_send_due().sent == 1


def test_a_failing_invoice_stops_no_other(delays, monkeypatch, caplog):
    broken = _late(days_late=12)
    fine = _late(days_late=10)
    delays("7")
    render = ledger._reminder_message

    def failing_for_broken(invoice, **kwargs):
        if invoice.pk == broken.pk:
            raise OSError("disque plein")
        return render(invoice, **kwargs)

    monkeypatch.setattr(ledger, "_reminder_message", failing_for_broken)
    assert ledger.reminders_send_due() == ledger.ReminderRun(sent=1, failed=1)
    assert _reminders(broken) == [] and len(_reminders(fine)) == 1
    assert "automatic reminder failed" in caplog.text
    # The next run, the trouble gone, sends the one left.
    monkeypatch.setattr(ledger, "_reminder_message", render)
    assert ledger.reminders_send_due() == ledger.ReminderRun(sent=1)
    assert len(_reminders(broken)) == 1


def test_no_delays_no_automatic_reminders(delays):
    _late(days_late=100)
    delays("")
    assert ledger.reminders_send_due() == ledger.ReminderRun()
    CooperativeProfile.objects.all().delete()
    assert ledger.reminders_send_due() == ledger.ReminderRun()
    assert not OutgoingEmail.objects.exists()


def test_a_step_is_claimed_once(delays):
    """Two workers reaching the same step: the unique (invoice, step) row lets one send."""
    invoice = _late(days_late=10)
    delays("7")
    today = timezone.localdate()
    assert ledger._reminder_send_automatic(invoice.pk, step=7, today=today) is True
    assert ledger._reminder_send_automatic(invoice.pk, step=7, today=today) is False
    assert len(_reminders(invoice)) == 1
    # The loser's stored e-mail was rolled back with its claim.
    assert OutgoingEmail.objects.count() == 1


def test_the_celery_task_run_twice_sends_once(delays, outbox, django_capture_on_commit_callbacks):
    invoice = _late(days_late=8)
    delays("7,30")
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.invoice_reminders_send.delay().get() == {
            "sent": 1,
            "without_address": 0,
            "failed": 0,
        }
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.invoice_reminders_send.delay().get() == {
            "sent": 0,
            "without_address": 0,
            "failed": 0,
        }
    assert len(outbox) == 1
    assert outbox[0].to == [invoice.buyer["email"]]


def test_beat_sends_the_reminders_every_morning_at_eight_in_paris():
    entry = app.conf.beat_schedule["invoice-reminders-send"]
    assert entry["task"] == "coop.tasks.invoice_reminders_send"
    assert entry["schedule"] == crontab(hour=8, minute=0)
    assert django_settings.CELERY_TIMEZONE == "Europe/Paris"
    assert "coop.tasks.invoice_reminders_send" in app.tasks


def test_days_late():
    invoice = _late(days_late=9)
    assert ledger.days_late(invoice) == 9
    assert ledger.days_late(invoice, today=days_ago(20)) == 0


# --- several workers at once (PostgreSQL) -------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent workers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_workers_running_at_the_same_moment_send_each_reminder_once(delays, outbox):
    """Four workers run the day's reminders at once, each on its own connection: the
    unique (invoice, step) claim lets exactly one of them send each reminder."""
    invoices = [_late(days_late=20 - index) for index in range(3)]
    delays("7")
    workers = 4
    barrier = threading.Barrier(workers, timeout=120)
    runs, errors = [], []
    lock = threading.Lock()

    def work():
        try:
            barrier.wait()
            run = ledger.reminders_send_due()
            with lock:
                runs.append(run)
        except Exception as error:  # noqa: BLE001 — reported to the main thread
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(240)
        assert not thread.is_alive()
    assert errors == []
    assert sum(run.sent for run in runs) == 3
    for invoice in invoices:
        assert len(_reminders(invoice)) == 1
    assert OutgoingEmail.objects.count() == 3
    assert len(outbox) == 3
