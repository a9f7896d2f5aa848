import hashlib
import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.enums import InvitationStatus, Role


class UserQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def with_role(self, *roles: Role):
        return self.filter(role__in=roles)

    def visible_to(self, user):
        """Administrators and coordinators see every account; anyone else only their own."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in (Role.ADMINISTRATOR, Role.COORDINATOR):
            return self.all()
        return self.filter(pk=user.pk)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        """`createsuperuser` makes an administrator: rights come from the role, never
        from a superuser flag that would bypass the health-data rules."""
        fields.setdefault("role", Role.ADMINISTRATOR)
        return self.create_user(email, password, **fields)


class User(PermissionsMixin, AbstractBaseUser):
    """An account, logged into with its e-mail address."""

    # Stored in lower case (UserManager); the constraint below also refuses case variants.
    email = models.EmailField(_("adresse e-mail"), max_length=254, unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    role = models.CharField(_("rôle"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(
        _("actif"),
        default=True,
        help_text=_("Décocher plutôt que supprimer : l'historique de la personne est gardé."),
    )
    date_joined = models.DateTimeField(_("date d'arrivée"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ci",
                violation_error_message=_("Un compte existe déjà avec cette adresse e-mail."),
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="user_role_valid",
                violation_error_message=_("Ce rôle n'existe pas."),
            ),
            models.CheckConstraint(
                condition=models.Q(is_superuser=False),
                name="user_never_superuser",
                violation_error_message=_(
                    "Aucun compte n'est super-utilisateur : les droits viennent du rôle."
                ),
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_staff(self) -> bool:
        """Only administrators reach the Django admin site."""
        return self.is_active and self.role == Role.ADMINISTRATOR

    @property
    def requires_two_factor(self) -> bool:
        return self.role in Role.requiring_two_factor()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Neither accepted nor revoked (it may have expired)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self):
        return self.open().filter(expires_at__gt=timezone.now())

    def visible_to(self, user):
        """Administrators and coordinators see the invitations; nobody else does."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in (Role.ADMINISTRATOR, Role.COORDINATOR):
            return self.all()
        return self.none()

    def get_by_token(self, token: str) -> "Invitation":
        return self.get(token_hash=_hash_token(token))


class Invitation(models.Model):
    """The only way in: a coordinator or administrator invites a person by e-mail, and
    the link in the e-mail lets that person choose a password. Only a hash of the link's
    token is stored."""

    VALIDITY = timezone.timedelta(days=7)

    email = models.EmailField(_("adresse e-mail"))
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    role = models.CharField(_("rôle"), max_length=32, choices=Role.choices)
    # PROTECT: who let a person in must stay known.
    invited_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="invitations_sent", verbose_name=_("par")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    user = models.OneToOneField(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitation",
        verbose_name=_("compte créé"),
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
                violation_error_message=_("Une invitation est déjà en cours pour cette adresse."),
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(user__isnull=False),
                name="invitation_accepted_has_user",
                violation_error_message=_("Une invitation acceptée crée un compte."),
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name} <{self.email}>"

    @property
    def status(self) -> InvitationStatus:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    def set_new_token(self) -> str:
        """Give the invitation a fresh secret; returns it (to put in the e-mail only)."""
        token = secrets.token_urlsafe(32)
        self.token_hash = _hash_token(token)
        self.expires_at = timezone.now() + self.VALIDITY
        return token
