"""Consents, the sensitive profile (health data), documents, and the access log."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from members.enums import AccessAction, ConsentScope, DocumentKind, Role
from members.models import AccessLog, Consent, Document, Member, SensitiveProfile, User

# The first bytes of each file type we accept: the name and the browser's word are not
# trusted.
_SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


def can_read_sensitive_profile(user, member: Member) -> bool:
    """Being a former service user is seen by coordinators and by the member alone."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == Role.COORDINATOR:
        return True
    return member.user_id is not None and member.user_id == user.pk


def access_log_write(*, actor: User, action: AccessAction, record, member: Member | None) -> None:
    AccessLog.objects.create(
        actor=actor,
        action=action,
        record_type=record._meta.label_lower,
        record_id=record.pk,
        member=member,
    )


def sensitive_profile_read(*, actor: User, member: Member) -> SensitiveProfile | None:
    """Read the member's health data, writing the read to the access log."""
    if not can_read_sensitive_profile(actor, member):
        raise PermissionDenied
    profile = SensitiveProfile.objects.filter(member=member).first()
    if profile is not None:
        access_log_write(actor=actor, action=AccessAction.VIEW, record=profile, member=member)
    return profile


@transaction.atomic
def sensitive_profile_set(
    *, actor: User, member: Member, is_former_service_user: bool
) -> SensitiveProfile:
    """Record it only with the member's consent to this processing in force."""
    if not can_read_sensitive_profile(actor, member) or actor.role != Role.COORDINATOR:
        raise PermissionDenied
    if (
        is_former_service_user
        and not member.consents.in_force().filter(scope=ConsentScope.HEALTH_PROFILE).exists()
    ):
        raise ValidationError(
            _("Enregistrez d'abord le consentement de la personne au traitement de ce profil.")
        )
    profile, _created = SensitiveProfile.objects.update_or_create(
        member=member, defaults={"is_former_service_user": is_former_service_user}
    )
    access_log_write(actor=actor, action=AccessAction.CHANGE, record=profile, member=member)
    return profile


@transaction.atomic
def consent_record(
    *, actor: User, member: Member, scope: ConsentScope, given_on: datetime.date, explanation: str
) -> Consent:
    if member.consents.in_force().filter(scope=scope).exists():
        raise ValidationError(_("Ce consentement est déjà en vigueur."))
    if not explanation.strip():
        raise ValidationError({"explanation": _("Notez ce qui a été expliqué à la personne.")})
    return Consent.objects.create(
        member=member, scope=scope, given_on=given_on, explanation=explanation, recorded_by=actor
    )


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent, on: datetime.date) -> Consent:
    """Withdrawing the consent to the profile's processing erases the health data it
    covered; the consent itself stays, dated, as the trace of what was agreed."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("Ce consentement est déjà retiré."))
    if on < consent.given_on:
        raise ValidationError({"on": _("Un consentement est retiré après avoir été donné.")})
    consent.withdrawn_on = on
    consent.save(update_fields=["withdrawn_on"])
    if consent.scope == ConsentScope.HEALTH_PROFILE:
        profile = SensitiveProfile.objects.filter(member_id=consent.member_id).first()
        if profile is not None:
            access_log_write(
                actor=actor, action=AccessAction.CHANGE, record=profile, member=consent.member
            )
            profile.delete()
    return consent


def detect_content_type(uploaded_file) -> str:
    """The real type of an uploaded file, or a French ValidationError saying why not."""
    if uploaded_file.size > Document.MAX_SIZE:
        raise ValidationError(
            _("Le fichier pèse %(size)s Mo : 10 Mo au plus.")
            % {"size": f"{uploaded_file.size / 1024 / 1024:.1f}".replace(".", ",")}
        )
    if uploaded_file.size == 0:
        raise ValidationError(_("Le fichier est vide."))
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    for signature, content_type in _SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    raise ValidationError(_("Seuls les fichiers PDF, JPEG et PNG sont acceptés."))


@transaction.atomic
def document_add(
    *, actor: User, member: Member, kind: DocumentKind, title: str, uploaded_file
) -> Document:
    content_type = detect_content_type(uploaded_file)
    document = Document(
        member=member,
        kind=kind,
        title=title,
        content_type=content_type,
        size=uploaded_file.size,
        original_name=uploaded_file.name[:255],
        uploaded_by=actor,
    )
    document.file.save(uploaded_file.name, uploaded_file, save=False)
    document.save()
    return document
