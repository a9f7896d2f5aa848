"""The e-mail backend of the platform: it stores each message, then a task delivers it."""

from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction


class OutboxBackend(BaseEmailBackend):
    """Django's `send_mail` and allauth write here. Inside a transaction, the message is
    stored with it (and vanishes with it on rollback); delivery is queued on commit."""

    def send_messages(self, email_messages):
        from coop.models import OutgoingEmail
        from coop.services import email_schedule_delivery

        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            outgoing = OutgoingEmail.from_message(message)
            outgoing.save()
            transaction.on_commit(lambda pk=outgoing.pk: email_schedule_delivery(pk))
            count += 1
        return count
