from celery import shared_task

from coop import ledger
from coop.enums import EmailStatus
from coop.models import OutgoingEmail
from coop.services import email_deliver, email_deliver_due, email_retry_delay


@shared_task(bind=True, max_retries=OutgoingEmail.MAX_ATTEMPTS)
def email_send(self, outgoing_email_id: int) -> str | None:
    status = email_deliver(outgoing_email_id=outgoing_email_id)
    if status == EmailStatus.PENDING and not self.request.is_eager:
        delay = email_retry_delay(self.request.retries + 1)
        raise self.retry(countdown=delay.total_seconds())
    return status


@shared_task
def email_send_pending() -> int:
    return email_deliver_due()


@shared_task
def invoice_reminders_send() -> dict:
    """The automatic reminders of overdue invoices (beat: every morning). Safe to run
    twice: each reminder step of an invoice is claimed once (coop.ledger)."""
    run = ledger.reminders_send_due()
    return {"sent": run.sent, "without_address": run.without_address, "failed": run.failed}
