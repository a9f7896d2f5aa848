import logging

from django.conf import settings
from django.core.mail import get_connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from coop.enums import EmailStatus
from coop.models import OutgoingEmail

logger = logging.getLogger(__name__)

# A worker that claimed an e-mail and said nothing for this long is taken as dead.
EMAIL_CLAIM_STALE_AFTER = timezone.timedelta(minutes=15)


def email_retry_delay(attempts: int) -> timezone.timedelta:
    """1, 2, 4 … minutes after each failure, at most six hours."""
    return timezone.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def email_schedule_delivery(outgoing_email_id: int) -> None:
    """Queue the delivery task. When the broker is down the message stays stored and
    the periodic sweep (coop.tasks.email_send_pending) delivers it later."""
    from coop.tasks import email_send

    try:
        email_send.delay(outgoing_email_id)
    except (OperationalError, OSError) as exc:
        logger.warning(
            "E-mail %s kept for later delivery: broker unreachable (%s)", outgoing_email_id, exc
        )


def email_deliver(*, outgoing_email_id: int) -> EmailStatus | None:
    """Claim a stored e-mail and hand it to the real mail backend.

    Returns its new status, or None when it is not waiting (already sent, or being sent
    by another worker): a message is never sent by two workers at once.
    """
    now = timezone.now()
    claimed = OutgoingEmail.objects.filter(pk=outgoing_email_id, status=EmailStatus.PENDING).update(
        status=EmailStatus.SENDING, claimed_at=now
    )
    if not claimed:
        return None
    email = OutgoingEmail.objects.get(pk=outgoing_email_id)
    email.attempts += 1
    try:
        connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
        email.to_message(connection).send()
    except Exception as exc:  # any failure of the mail server keeps the message for later
        email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if email.attempts >= OutgoingEmail.MAX_ATTEMPTS:
            email.status = EmailStatus.FAILED
            logger.error("E-mail %s given up after %s attempts", email.pk, email.attempts)
        else:
            email.status = EmailStatus.PENDING
            email.next_attempt_at = timezone.now() + email_retry_delay(email.attempts)
    else:
        # Delivered: the content (one-time links, attached PDFs) is not kept, the trace is.
        email.status = EmailStatus.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.body = email.html_body = ""
        email.attachments = []
    email.save(
        update_fields=[
            "status",
            "attempts",
            "last_error",
            "next_attempt_at",
            "sent_at",
            "body",
            "html_body",
            "attachments",
        ]
    )
    return EmailStatus(email.status)


def email_deliver_due(*, limit: int = 500) -> int:
    """Deliver what is due: waiting messages, and those whose worker vanished mid-send.
    Returns how many were sent."""
    stale_before = timezone.now() - EMAIL_CLAIM_STALE_AFTER
    OutgoingEmail.objects.filter(status=EmailStatus.SENDING, claimed_at__lte=stale_before).update(
        status=EmailStatus.PENDING
    )
    due = OutgoingEmail.objects.due(stale_after=EMAIL_CLAIM_STALE_AFTER).order_by("next_attempt_at")
    sent = 0
    for pk in due.values_list("pk", flat=True)[:limit]:
        if email_deliver(outgoing_email_id=pk) == EmailStatus.SENT:
            sent += 1
    return sent
