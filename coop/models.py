import base64

from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coop.enums import EmailStatus


class OutgoingEmailQuerySet(models.QuerySet):
    def due(self, *, stale_after: timezone.timedelta):
        """To (re)send: waiting ones, and ones whose sending worker vanished."""
        now = timezone.now()
        return self.filter(
            models.Q(status=EmailStatus.PENDING, next_attempt_at__lte=now)
            | models.Q(status=EmailStatus.SENDING, claimed_at__lte=now - stale_after)
        )


class OutgoingEmail(models.Model):
    """An e-mail as it was asked for, kept until it is delivered. Every message of the
    platform goes through this table, so that a mail server or broker outage delays a
    message but never loses it."""

    MAX_ATTEMPTS = 10

    subject = models.CharField(_("objet"), max_length=998)
    body = models.TextField(_("texte"))
    html_body = models.TextField(_("HTML"), blank=True)
    from_email = models.CharField(_("expéditeur"), max_length=320)
    to = models.JSONField(_("destinataires"), default=list)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # [{"filename": ..., "mimetype": ..., "content": base64}]
    attachments = models.JSONField(default=list, blank=True)

    status = models.CharField(
        _("état"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail sortant")
        verbose_name_plural = _("e-mails sortants")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=EmailStatus.values),
                name="outgoing_email_status_valid",
                violation_error_message=_("État d'e-mail inconnu."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=EmailStatus.SENT) | models.Q(sent_at__isnull=False),
                name="outgoing_email_sent_has_date",
                violation_error_message=_("Un e-mail envoyé a une date d'envoi."),
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"

    @classmethod
    def from_message(cls, message) -> "OutgoingEmail":
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        attachments = []
        for attachment in message.attachments:
            filename, content, mimetype = attachment
            if isinstance(content, str):
                content = content.encode()
            attachments.append(
                {
                    "filename": filename,
                    "mimetype": mimetype or "application/octet-stream",
                    "content": base64.b64encode(content).decode(),
                }
            )
        return cls(
            subject=message.subject,
            body=message.body,
            html_body=html,
            from_email=message.from_email,
            to=list(message.to),
            cc=list(message.cc),
            bcc=list(message.bcc),
            reply_to=list(message.reply_to),
            headers=dict(message.extra_headers),
            attachments=attachments,
        )

    def to_message(self, connection=None) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.body,
            from_email=self.from_email,
            to=self.to,
            cc=self.cc,
            bcc=self.bcc,
            reply_to=self.reply_to,
            headers=self.headers,
            connection=connection,
        )
        if self.html_body:
            message.attach_alternative(self.html_body, "text/html")
        for attachment in self.attachments:
            message.attach(
                attachment["filename"],
                base64.b64decode(attachment["content"]),
                attachment["mimetype"],
            )
        return message


class ProgrammeQuerySet(models.QuerySet):
    def active_on(self, day):
        return self.filter(starts_on__lte=day).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day)
        )


class Programme(models.Model):
    """A funded programme the cooperative runs (e.g. an entrepreneurship experiment funded
    by a foundation, a peer-help collective funded by the regional health agency).
    Appointments, workshops, missions and follow-ups are tagged with it; the research app
    builds its indicators and reports on it."""

    name = models.CharField(pgettext_lazy("programme", "nom"), max_length=200, unique=True)
    funder = models.CharField(_("financeur principal"), max_length=200)
    territory = models.CharField(_("territoire"), max_length=200, blank=True)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"), null=True, blank=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="programme_dates_in_order",
                violation_error_message=_("La fin du programme précède son début."),
            )
        ]

    def __str__(self):
        return self.name
