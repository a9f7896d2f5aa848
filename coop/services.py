import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from coop.enums import EmailStatus
from coop.models import Client, ClientContact, OutgoingEmail
from members.enums import Role

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


# --- the client directory -------------------------------------------------------------


def _require_client_author(actor, *roles: Role) -> None:
    if not actor.is_active or actor.role not in (roles or (Role.COORDINATOR,)):
        raise PermissionDenied


def _check_siret_free(client: Client) -> None:
    """A SIRET names one establishment: the directory holds it once. Said on the field,
    before the database's own constraint would refuse it."""
    if client.siret and Client.objects.exclude(pk=client.pk).filter(siret=client.siret).exists():
        raise ValidationError(
            {"siret": _("Un client a déjà ce numéro SIRET : il est déjà dans l'annuaire.")}
        )


@transaction.atomic
def client_create(*, actor, contact: dict | None = None, **fields) -> Client:
    """A coordinator adds a client to the directory; an entrepreneur adds the client of a
    mission they propose (it is then among the clients they see). `contact`, when given,
    is the client's first contact person."""
    _require_client_author(actor, Role.COORDINATOR, Role.ENTREPRENEUR)
    client = Client(created_by=actor, **fields)
    _check_siret_free(client)
    client.full_clean()
    client.save()
    if contact:
        _contact_create(client, contact)
    return client


@transaction.atomic
def client_update(*, actor, client: Client, **fields) -> Client:
    _require_client_author(actor)
    client = Client.objects.select_for_update().get(pk=client.pk)
    for name, value in fields.items():
        setattr(client, name, value)
    _check_siret_free(client)
    client.full_clean()
    client.save()
    return client


def _contact_create(client: Client, fields: dict) -> ClientContact:
    contact = ClientContact(client=client, **fields)
    contact.full_clean(exclude=["client"])
    contact.save()
    return contact


@transaction.atomic
def client_contact_add(*, actor, client: Client, **fields) -> ClientContact:
    _require_client_author(actor)
    return _contact_create(client, fields)
