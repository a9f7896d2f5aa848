"""Collectives: the cooperative itself, and each peer-help collective it hosts (*collectif
d'entraide et d'insertion* on the Clubhouse model). A collective has members, a charter
each member signs, governance bodies (coop.models.governance) and, for a collective, its
daily life (coop.models.clubhouse).

A member of a collective stays a member without time limit: inactive is not closed, and
coming back is immediate. Only the person's own decision to leave ends a membership."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coop.enums import CollectiveKind
from members.enums import Role


def _is_active_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def manages_collectives(user) -> bool:
    """Coordinators run the cooperative's life; the peer-support lead the peer-help
    collectives with their members; administrators read."""
    return _is_active_user(user) and user.role in (
        Role.COORDINATOR,
        Role.PEER_SUPPORT_LEAD,
        Role.ADMINISTRATOR,
    )


class CollectiveQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Managers see every collective; anyone else the collectives they belong to."""
        if not _is_active_user(user):
            return self.none()
        if manages_collectives(user):
            return self.all()
        return self.filter(people__user=user, people__left_on__isnull=True).distinct()


class Collective(models.Model):
    name = models.CharField(pgettext_lazy("collective", "nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=16, choices=CollectiveKind.choices)
    description = models.TextField(_("présentation"), blank=True)
    requires_elected_majority = models.BooleanField(
        _("élu·es majoritaires"),
        default=False,
        help_text=_(
            "Les membres élus tiennent au moins la moitié des sièges de ses instances "
            "(cahier des charges national des collectifs d'entraide, 2022)."
        ),
    )
    founded_on = models.DateField(_("créé le"))
    programme = models.ForeignKey(
        "coop.Programme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme"),
    )

    objects = CollectiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("collectif")
        verbose_name_plural = _("collectifs")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind=CollectiveKind.COOPERATIVE),
                name="collective_one_cooperative",
                violation_error_message=_("La coopérative elle-même n'existe qu'une fois."),
            ),
        ]

    def __str__(self):
        return self.name


class CollectivePersonQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Managers see every membership; a person sees their own."""
        if not _is_active_user(user):
            return self.none()
        if manages_collectives(user):
            return self.all()
        return self.filter(user=user)

    def current(self):
        """Members today: joined and not left. Inactive members are current members."""
        return self.filter(left_on__isnull=True)


class CollectivePerson(models.Model):
    """A person's membership of a collective. For the cooperative, an associate or an
    entrepreneur (linked to their member record); for a peer-help collective, anyone who
    joined, without prior referral."""

    collective = models.ForeignKey(Collective, on_delete=models.PROTECT, related_name="people")
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collective_memberships",
        verbose_name=_("membre de la coopérative"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collective_memberships",
        verbose_name=_("compte"),
    )
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    joined_on = models.DateField(_("membre depuis"))
    left_on = models.DateField(_("parti·e le"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CollectivePersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("membre du collectif")
        verbose_name_plural = _("membres du collectif")
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collective", "member"],
                condition=models.Q(member__isnull=False, left_on__isnull=True),
                name="collective_person_member_once",
                violation_error_message=_("Cette personne est déjà membre du collectif."),
            ),
            models.UniqueConstraint(
                fields=["collective", "user"],
                condition=models.Q(user__isnull=False, left_on__isnull=True),
                name="collective_person_user_once",
                violation_error_message=_("Ce compte est déjà membre du collectif."),
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("joined_on")),
                name="collective_person_dates_in_order",
                violation_error_message=_("Le départ précède l'arrivée."),
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class Charter(models.Model):
    """A version of a collective's charter. Each member accepts the version in force; a
    new version asks everyone again."""

    collective = models.ForeignKey(Collective, on_delete=models.PROTECT, related_name="charters")
    version = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("texte"))
    effective_on = models.DateField(_("en vigueur le"))
    adopted_by = models.CharField(
        _("adoptée par"), max_length=200, blank=True, help_text=_("L'instance qui l'a adoptée.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("charte")
        verbose_name_plural = _("chartes")
        ordering = ["collective", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["collective", "version"],
                name="charter_version_once",
                violation_error_message=_("Cette version de la charte existe déjà."),
            ),
        ]

    def __str__(self):
        return _("Charte de %(collective)s, version %(version)s") % {
            "collective": self.collective,
            "version": self.version,
        }


class CharterAcceptance(models.Model):
    """A member's dated signature of one version of the charter. Kept: PROTECT."""

    charter = models.ForeignKey(Charter, on_delete=models.PROTECT, related_name="acceptances")
    person = models.ForeignKey(
        CollectivePerson, on_delete=models.PROTECT, related_name="charter_acceptances"
    )
    accepted_on = models.DateField(_("signée le"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("signature de la charte")
        verbose_name_plural = _("signatures de la charte")
        constraints = [
            models.UniqueConstraint(
                fields=["charter", "person"],
                name="charter_accepted_once",
                violation_error_message=_("Cette personne a déjà signé cette version."),
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.charter}"
