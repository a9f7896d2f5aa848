"""The cooperative's associates and their shares (*parts sociales*).

A cooperative is owned by its associates: one person, one vote, whatever the shares they
hold. Shares move only through an append-only ledger (subscription, payment, transfer,
refund); each movement carries the associate's balances after it, and the database
refuses to change or delete one (migration coop.0008). Accountants read the register,
since shares are capital."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from localflavor.fr.models import FRSIRENField

from coop.enums import (
    AssociateCategory,
    AssociateExit,
    CollectiveKind,
    ShareMovementKind,
)
from coop.models.collective import Collective, CollectivePerson
from members.enums import Role

CAPITAL = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")
# The law on cooperatives caps the delay of refunding a leaving associate at five years
# (loi du 10 septembre 1947, art. 18).
MAX_REFUND_DELAY_MONTHS = 60


def _is_active_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def reads_register(user) -> bool:
    """The register of associates and shares: coordinators keep it, administrators read
    it, and accountants read it because shares are capital."""
    return _is_active_user(user) and user.role in (
        Role.COORDINATOR,
        Role.ADMINISTRATOR,
        Role.ACCOUNTANT,
    )


def outside_governance(user) -> bool:
    """Funders and researchers see nothing of the cooperative's governance; accountants
    see the register of associates only."""
    return user.role in (Role.FUNDER, Role.RESEARCHER, Role.ACCOUNTANT)


# --- shares ----------------------------------------------------------------------------


class ShareTerms(models.Model):
    """What the statutes say of the cooperative's shares: their nominal value, how many an
    associate subscribes at least, and the delay within which a leaving associate is
    refunded. One row, for the cooperative."""

    collective = models.OneToOneField(
        Collective,
        on_delete=models.PROTECT,
        related_name="share_terms",
        limit_choices_to={"kind": CollectiveKind.COOPERATIVE},
    )
    nominal_value = models.DecimalField(
        _("valeur nominale d'une part (€)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    minimum_shares = models.PositiveSmallIntegerField(
        _("parts à souscrire au minimum"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Le nombre de parts qu'un·e nouvel·le associé·e souscrit au moins."),
    )
    refund_delay_months = models.PositiveSmallIntegerField(
        _("délai statutaire de remboursement (mois)"),
        default=MAX_REFUND_DELAY_MONTHS,
        validators=[MaxValueValidator(MAX_REFUND_DELAY_MONTHS)],
        help_text=_(
            "Le délai dans lequel les parts d'un·e associé·e qui part lui sont "
            "remboursées : cinq ans au plus (loi du 10 septembre 1947, art. 18)."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("conditions des parts sociales")
        verbose_name_plural = _("conditions des parts sociales")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nominal_value__gt=0),
                name="share_terms_nominal_positive",
                violation_error_message=_("La valeur nominale d'une part est positive."),
            ),
            models.CheckConstraint(
                condition=models.Q(minimum_shares__gte=1),
                name="share_terms_minimum_one",
                violation_error_message=_("Un·e associé·e souscrit au moins une part."),
            ),
            models.CheckConstraint(
                condition=models.Q(refund_delay_months__lte=MAX_REFUND_DELAY_MONTHS),
                name="share_terms_refund_within_five_years",
                violation_error_message=_("Le délai de remboursement est de cinq ans au plus."),
            ),
        ]

    def __str__(self):
        return str(_("Parts sociales de %(collective)s") % {"collective": self.collective})


class AssociateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The register's readers see every associate; anyone else their own record."""
        if not _is_active_user(user):
            return self.none()
        if reads_register(user):
            return self.all()
        if outside_governance(user):
            return self.none()
        return self.filter(person__user=user)

    def current(self, on=None):
        """Associates on that day (today by default): admitted, not yet left."""
        on = on or timezone.localdate()
        return self.filter(admitted_on__lte=on).filter(
            models.Q(left_on__isnull=True) | models.Q(left_on__gt=on)
        )

    def legal_persons(self):
        return self.filter(person__isnull=True)


class Associate(models.Model):
    """An associate of the cooperative: one of the people of its collective, or a legal
    person (a local authority, an association, a company) represented by someone. The
    share balances are those of the last movement of the ledger, kept here to list and
    total the register without reading the whole ledger."""

    collective = models.ForeignKey(
        Collective,
        on_delete=models.PROTECT,
        related_name="associates",
        limit_choices_to={"kind": CollectiveKind.COOPERATIVE},
    )
    number = models.PositiveIntegerField(_("n° d'inscription au registre"))
    person = models.ForeignKey(
        CollectivePerson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="associate_records",
        verbose_name=_("personne"),
    )
    legal_name = models.CharField(_("raison sociale (personne morale)"), max_length=200, blank=True)
    siren = FRSIRENField(_("SIREN"), blank=True)
    representative = models.CharField(
        _("représentée par"), max_length=200, blank=True, help_text=_("Nom et fonction.")
    )
    email = models.EmailField(
        _("adresse e-mail"),
        blank=True,
        help_text=_("Pour une personne morale : l'adresse où envoyer les convocations."),
    )
    address = models.CharField(_("adresse"), max_length=300)
    postcode = models.CharField(_("code postal"), max_length=5)
    commune = models.CharField(_("commune"), max_length=120)
    category = models.CharField(_("catégorie"), max_length=20, choices=AssociateCategory.choices)
    admitted_on = models.DateField(_("associé·e depuis"))
    left_on = models.DateField(_("parti·e le"), null=True, blank=True)
    exit_reason = models.CharField(
        _("motif du départ"), max_length=20, choices=AssociateExit.choices, blank=True
    )
    shares = models.PositiveIntegerField(_("parts détenues"), default=0, editable=False)
    subscribed = models.DecimalField(_("capital souscrit"), default=ZERO, editable=False, **CAPITAL)
    paid = models.DecimalField(_("capital libéré"), default=ZERO, editable=False, **CAPITAL)
    refund_due = models.DecimalField(_("remboursement dû"), default=ZERO, editable=False, **CAPITAL)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = AssociateQuerySet.as_manager()

    class Meta:
        verbose_name = _("associé·e")
        verbose_name_plural = _("associé·es")
        ordering = ["collective", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["collective", "number"],
                name="associate_number_once",
                violation_error_message=_("Ce numéro d'inscription est déjà pris."),
            ),
            models.UniqueConstraint(
                fields=["collective", "person"],
                condition=models.Q(person__isnull=False, left_on__isnull=True),
                name="associate_person_once",
                violation_error_message=_("Cette personne est déjà associée."),
            ),
            models.CheckConstraint(
                condition=(models.Q(person__isnull=False) & models.Q(legal_name=""))
                | (models.Q(person__isnull=True) & ~models.Q(legal_name="")),
                name="associate_person_or_legal_person",
                violation_error_message=_(
                    "Un·e associé·e est une personne du collectif ou une personne morale."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | (models.Q(left_on__gte=models.F("admitted_on")) & ~models.Q(exit_reason="")),
                name="associate_exit_dated_with_reason",
                violation_error_message=_("Un départ a une date, après l'entrée, et un motif."),
            ),
            models.CheckConstraint(
                condition=models.Q(paid__gte=0)
                & models.Q(paid__lte=models.F("subscribed"))
                & models.Q(refund_due__gte=0),
                name="associate_capital_consistent",
                violation_error_message=_("Le capital libéré ne dépasse pas le capital souscrit."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        if self.person_id:
            return str(self.person)
        return self.legal_name

    @property
    def is_legal_person(self) -> bool:
        return self.person_id is None

    @property
    def contact_email(self) -> str:
        return self.person.email if self.person_id else self.email

    @property
    def unpaid(self) -> Decimal:
        return self.subscribed - self.paid

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.admitted_on <= on and (self.left_on is None or self.left_on > on)


class ShareMovement(models.Model):
    """One line of the ledger of shares. `shares` is the change of the number of shares
    held (negative when they leave), `amount` the money concerned (always positive); the
    four balances are the associate's after this line."""

    associate = models.ForeignKey(Associate, on_delete=models.PROTECT, related_name="movements")
    sequence = models.PositiveIntegerField(_("n°"))
    kind = models.CharField(_("opération"), max_length=16, choices=ShareMovementKind.choices)
    on = models.DateField(_("date"))
    shares = models.IntegerField(_("parts"), default=0)
    amount = models.DecimalField(_("montant"), default=ZERO, **CAPITAL)
    unit_value = models.DecimalField(
        _("valeur nominale"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    counterpart = models.ForeignKey(
        Associate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contrepartie de la cession"),
    )
    due_on = models.DateField(_("à rembourser au plus tard le"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    shares_balance = models.PositiveIntegerField(_("parts après"))
    subscribed_balance = models.DecimalField(_("souscrit après"), **CAPITAL)
    paid_balance = models.DecimalField(_("libéré après"), **CAPITAL)
    refund_due_balance = models.DecimalField(_("remboursement dû après"), **CAPITAL)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("mouvement de parts sociales")
        verbose_name_plural = _("mouvements de parts sociales")
        ordering = ["associate", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["associate", "sequence"],
                name="share_movement_sequence_once",
                violation_error_message=_("Ce mouvement est déjà inscrit."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ShareMovementKind.values),
                name="share_movement_kind_valid",
                violation_error_message=_("Opération inconnue."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="share_movement_amount_positive",
                violation_error_message=_("Un montant est positif."),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=ShareMovementKind.REFUND) | models.Q(due_on__isnull=False),
                name="share_movement_refund_has_due_date",
                violation_error_message=_("Un retrait porte sa date limite de remboursement."),
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    kind__in=[ShareMovementKind.TRANSFER_OUT, ShareMovementKind.TRANSFER_IN]
                )
                | models.Q(counterpart__isnull=False),
                name="share_movement_transfer_has_counterpart",
                violation_error_message=_("Une cession nomme l'autre associé·e."),
            ),
            models.CheckConstraint(
                condition=models.Q(paid_balance__lte=models.F("subscribed_balance")),
                name="share_movement_paid_within_subscribed",
                violation_error_message=_("Le capital libéré ne dépasse pas le capital souscrit."),
            ),
        ]

    def __str__(self):
        return f"{self.associate} — {self.get_kind_display()} — {self.on}"
