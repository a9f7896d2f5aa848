from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.enums import InvitationStatus, Role
from members.models import Invitation, User
from members.perms import can_manage_invitation, invitable_roles


def _send_invitation_email(invitation: Invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "accept_url": settings.SITE_URL + reverse("members:invitation_accept", args=[token]),
        "expires_at": invitation.expires_at,
    }
    send_mail(
        subject=render_to_string("members/email/invitation_subject.txt", context).strip(),
        message=render_to_string("members/email/invitation_message.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_create(
    *, actor: User, email: str, first_name: str, last_name: str, role: Role
) -> Invitation:
    """Invite a person by e-mail. An open invitation to the same address is replaced."""
    if Role(role) not in invitable_roles(actor):
        raise PermissionDenied
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Un compte existe déjà avec cette adresse e-mail.")})
    Invitation.objects.open().filter(email__iexact=email).update(revoked_at=timezone.now())
    invitation = Invitation(
        email=email, first_name=first_name, last_name=last_name, role=role, invited_by=actor
    )
    token = invitation.set_new_token()
    invitation.save()
    _send_invitation_email(invitation, token)
    return invitation


@transaction.atomic
def invitation_resend(*, actor: User, invitation: Invitation) -> Invitation:
    """Send a new link (the old one stops working) valid for another week."""
    if not can_manage_invitation(actor, invitation):
        raise PermissionDenied
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(_("Cette invitation n'est plus en cours."))
    token = invitation.set_new_token()
    invitation.save(update_fields=["token_hash", "expires_at"])
    _send_invitation_email(invitation, token)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    if not can_manage_invitation(actor, invitation):
        raise PermissionDenied
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(_("Cette invitation n'est plus en cours."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, first_name: str, last_name: str, password: str
) -> User:
    """The invited person chooses a password: the account is created with the invited
    role, and the address is verified (the link reached it)."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError(_("Ce lien d'invitation n'est plus valable."))
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("Un compte existe déjà avec cette adresse e-mail."))
    user = User.objects.create_user(
        invitation.email,
        password,
        first_name=first_name,
        last_name=last_name,
        role=invitation.role,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    invitation.accepted_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["accepted_at", "user"])
    return user
