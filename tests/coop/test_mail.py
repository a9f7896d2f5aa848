"""E-mail is stored, then delivered by a task; nothing is lost when delivery fails."""

import pytest
from django.core import mail
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from coop.enums import EmailStatus
from coop.models import OutgoingEmail
from coop.services import email_deliver, email_deliver_due

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "coop.mail.OutboxBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox


class BrokenBackend:
    """A mail server that refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")

    def open(self):
        return True

    def close(self):
        pass


def test_message_is_stored_then_delivered_on_commit(outbox):
    with transaction.atomic():
        send_mail("Objet", "Texte", None, ["a@exemple.fr"])
        assert OutgoingEmail.objects.get().status == EmailStatus.PENDING
        assert outbox == []
    email = OutgoingEmail.objects.get()
    assert email.status == EmailStatus.SENT
    assert email.sent_at is not None
    assert email.body == ""  # the content is not kept once delivered
    assert [m.subject for m in outbox] == ["Objet"]
    assert outbox[0].body == "Texte"


def test_rollback_sends_nothing(outbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        send_mail("Objet", "Texte", None, ["a@exemple.fr"])
        raise RuntimeError
    assert not OutgoingEmail.objects.exists()
    assert outbox == []


def test_attachments_and_html_survive_the_round_trip(outbox):
    message = EmailMessage("Facture", "Ci-joint", None, ["a@exemple.fr"])
    message.attach("facture.pdf", b"%PDF-1.7 fake", "application/pdf")
    message.send()
    assert outbox[0].attachments[0][0] == "facture.pdf"
    assert outbox[0].attachments[0][1] == b"%PDF-1.7 fake"


def test_mail_server_down_keeps_the_message_for_later(outbox, settings):
    settings.EMAIL_DELIVERY_BACKEND = f"{__name__}.BrokenBackend"
    send_mail("Objet", "Texte", None, ["a@exemple.fr"])
    email = OutgoingEmail.objects.get()
    assert email.status == EmailStatus.PENDING
    assert email.attempts == 1
    assert "SMTP down" in email.last_error
    assert email.next_attempt_at > timezone.now()
    assert email.body == "Texte"

    # The server is back; the periodic sweep sends it once it is due.
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_deliver_due() == 0  # not due yet
    OutgoingEmail.objects.update(next_attempt_at=timezone.now())
    assert email_deliver_due() == 1
    assert OutgoingEmail.objects.get().status == EmailStatus.SENT
    assert len(outbox) == 1


def test_gives_up_after_the_last_attempt(outbox, settings):
    settings.EMAIL_DELIVERY_BACKEND = f"{__name__}.BrokenBackend"
    send_mail("Objet", "Texte", None, ["a@exemple.fr"])
    OutgoingEmail.objects.update(
        attempts=OutgoingEmail.MAX_ATTEMPTS - 1, next_attempt_at=timezone.now()
    )
    email_deliver_due()
    assert OutgoingEmail.objects.get().status == EmailStatus.FAILED


def test_broker_down_keeps_the_message_for_the_sweep(outbox, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis")

    monkeypatch.setattr("coop.tasks.email_send.delay", broker_down)
    send_mail("Objet", "Texte", None, ["a@exemple.fr"])  # no exception reaches the page
    assert OutgoingEmail.objects.get().status == EmailStatus.PENDING
    assert outbox == []
    assert email_deliver_due() == 1
    assert len(outbox) == 1


def test_a_message_is_never_sent_twice(outbox, monkeypatch):
    monkeypatch.setattr("coop.tasks.email_send.delay", lambda pk: None)
    send_mail("Objet", "Texte", None, ["a@exemple.fr"])
    pk = OutgoingEmail.objects.get().pk
    assert email_deliver(outgoing_email_id=pk) == EmailStatus.SENT
    assert email_deliver(outgoing_email_id=pk) is None
    assert email_deliver_due() == 0
    assert len(outbox) == 1


def test_a_worker_that_died_mid_send_is_taken_over(outbox, monkeypatch):
    monkeypatch.setattr("coop.tasks.email_send.delay", lambda pk: None)
    send_mail("Objet", "Texte", None, ["a@exemple.fr"])
    OutgoingEmail.objects.update(
        status=EmailStatus.SENDING, claimed_at=timezone.now() - timezone.timedelta(hours=1)
    )
    assert email_deliver_due() == 1
    assert len(outbox) == 1
