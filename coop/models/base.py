import base64

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from localflavor.fr.models import FRSIRETField

from coop.enums import ClientKind, EmailStatus


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

    def running_between(self, start, end):
        """Programmes running on at least one day from `start` to `end`."""
        return self.filter(starts_on__lte=end).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=start)
        )

    def visible_to(self, user):
        """Coordinators and administrators see every programme; a funder's or a
        researcher's account sees the programmes it is attached to; nobody else any."""
        from members.enums import Role

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in (Role.COORDINATOR, Role.ADMINISTRATOR):
            return self.all()
        if user.role in (Role.FUNDER, Role.RESEARCHER):
            return self.filter(readers=user)
        return self.none()


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
    description = models.TextField(_("présentation"), blank=True)
    # Research outputs (rule 3 of DESIGN.md): a cell of fewer people than the threshold
    # is hidden, and an extract is refused below k people per combination.
    disclosure_threshold = models.PositiveSmallIntegerField(
        _("seuil de secret statistique"),
        default=11,
        help_text=_("Une case de moins de personnes que ce seuil est masquée (5 au minimum)."),
    )
    k_anonymity = models.PositiveSmallIntegerField(
        _("k-anonymat des extractions"),
        default=11,
        help_text=_(
            "Une extraction est refusée si une combinaison est partagée par moins de k "
            "personnes (5 au minimum)."
        ),
    )
    # Codes of the indicators the programme reports on (research.indicators); empty: all.
    indicators = models.JSONField(_("indicateurs suivis"), default=list, blank=True)
    # Funder and researcher accounts that read this programme's anonymous outputs.
    readers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="programmes_read",
        verbose_name=_("lecteurs (financeurs, chercheur·es)"),
    )

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
            ),
            models.CheckConstraint(
                condition=models.Q(disclosure_threshold__gte=5),
                name="programme_disclosure_threshold_at_least_5",
                violation_error_message=_("Le seuil de secret statistique est d'au moins 5."),
            ),
            models.CheckConstraint(
                condition=models.Q(k_anonymity__gte=5),
                name="programme_k_anonymity_at_least_5",
                violation_error_message=_("Le k-anonymat est d'au moins 5."),
            ),
        ]

    def __str__(self):
        return self.name


class ClientQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators, administrators and accountants see the whole directory; an
        entrepreneur sees the clients of their missions and those they proposed."""
        from members.enums import Role

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in (Role.COORDINATOR, Role.ADMINISTRATOR, Role.ACCOUNTANT):
            return self.all()
        if user.role == Role.ENTREPRENEUR:
            return self.filter(
                models.Q(missions__entrepreneurs__user=user) | models.Q(created_by=user)
            ).distinct()
        return self.none()


class Client(models.Model):
    """A client of the cooperative: a school, a local authority, a company, an
    association, a health or social establishment, or a private person. Public clients
    are invoiced through Chorus Pro."""

    name = models.CharField(pgettext_lazy("client", "nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=32, choices=ClientKind.choices)
    siret = FRSIRETField(_("SIRET"), blank=True)
    is_public = models.BooleanField(
        _("client public"),
        default=False,
        help_text=_("État, collectivité, établissement public : facturé par Chorus Pro."),
    )
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    commune = models.CharField(_("commune"), max_length=120, blank=True)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["siret"],
                condition=~models.Q(siret=""),
                name="client_siret_unique",
                violation_error_message=_("Un client a déjà ce numéro SIRET."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind="individual") | ~models.Q(name=""),
                name="client_has_name",
                violation_error_message=_("Un client a un nom."),
            ),
            models.CheckConstraint(
                condition=models.Q(postcode="") | models.Q(postcode__regex=r"^[0-9]{5}$"),
                name="client_postcode_five_digits",
                violation_error_message=_("Le code postal a cinq chiffres."),
            ),
        ]

    def __str__(self):
        return self.name


class ClientContact(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(pgettext_lazy("person", "nom"), max_length=200)
    job_title = models.CharField(_("fonction"), max_length=200, blank=True)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]

    def __str__(self):
        return self.name
