import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from members import services
from members.enums import AccessAction, ConsentScope, Role
from members.models import AccessLog, Document, SensitiveProfile
from tests.members.factories import MemberFactory, UserFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 22)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _consent(member, scope=ConsentScope.HEALTH_PROFILE):
    return services.consent_record(
        actor=member.coordinator,
        member=member,
        scope=scope,
        given_on=TODAY,
        explanation="Le profil sert à adapter l'accompagnement ; il n'est vu que par l'équipe.",
    )


def test_sensitive_profile_needs_the_consent():
    member = MemberFactory()
    with pytest.raises(ValidationError) as error:
        services.sensitive_profile_set(
            actor=member.coordinator, member=member, is_former_service_user=True
        )
    assert "consentement" in error.value.messages[0]
    _consent(member)
    services.sensitive_profile_set(
        actor=member.coordinator, member=member, is_former_service_user=True
    )
    assert SensitiveProfile.objects.get(member=member).is_former_service_user


def test_every_read_is_in_the_access_log():
    member = MemberFactory()
    _consent(member)
    services.sensitive_profile_set(
        actor=member.coordinator, member=member, is_former_service_user=True
    )
    reader = UserFactory(role=Role.COORDINATOR)
    assert services.sensitive_profile_read(actor=reader, member=member).is_former_service_user
    assert services.sensitive_profile_read(actor=member.user, member=member).is_former_service_user
    views = AccessLog.objects.filter(action=AccessAction.VIEW, member=member)
    assert [log.actor for log in views.order_by("at", "pk")] == [reader, member.user]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.COORDINATOR])
def test_nobody_else_reads_it(role):
    member = MemberFactory()
    with pytest.raises(PermissionDenied):
        services.sensitive_profile_read(actor=UserFactory(role=role), member=member)
    assert not AccessLog.objects.exists()


def test_withdrawing_the_consent_erases_the_health_data():
    member = MemberFactory()
    consent = _consent(member)
    services.sensitive_profile_set(
        actor=member.coordinator, member=member, is_former_service_user=True
    )
    services.consent_withdraw(actor=member.coordinator, consent=consent, on=TODAY)
    assert not SensitiveProfile.objects.filter(member=member).exists()
    consent.refresh_from_db()
    assert consent.withdrawn_on == TODAY
    with pytest.raises(ValidationError):
        services.consent_withdraw(actor=member.coordinator, consent=consent, on=TODAY)
    _consent(member)  # it can be given again


def test_a_consent_in_force_is_not_recorded_twice():
    member = MemberFactory()
    _consent(member, ConsentScope.RESEARCH)
    with pytest.raises(ValidationError):
        _consent(member, ConsentScope.RESEARCH)


def test_document_types_are_checked_by_content(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    member = MemberFactory()
    add = lambda upload: services.document_add(  # noqa: E731
        actor=member.coordinator,
        member=member,
        kind="contract",
        title="CAPE signé",
        uploaded_file=upload,
    )
    document = add(SimpleUploadedFile("contrat.PDF", PDF, content_type="application/pdf"))
    assert document.content_type == "application/pdf"
    assert document.file.name.startswith(f"private/members/{member.pk}/")
    assert document.file.name.endswith(".pdf")
    with pytest.raises(ValidationError) as error:
        add(
            SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
        )
    assert "PDF, JPEG et PNG" in error.value.messages[0]
    with pytest.raises(ValidationError) as error:
        add(
            SimpleUploadedFile(
                "gros.pdf", PDF + b"0" * Document.MAX_SIZE, content_type="application/pdf"
            )
        )
    assert "10 Mo au plus" in error.value.messages[0]
    assert Document.objects.count() == 1


def test_workshop_capacity_is_kept():
    workshop = WorkshopFactory(capacity=2)
    first, second, third = MemberFactory.create_batch(3)
    services.workshop_register(actor=first.user, workshop=workshop, member=first)
    services.workshop_register(actor=second.user, workshop=workshop, member=second)
    with pytest.raises(ValidationError) as error:
        services.workshop_register(actor=third.user, workshop=workshop, member=third)
    assert "complet" in error.value.messages[0]
    with pytest.raises(ValidationError):
        services.workshop_register(actor=first.user, workshop=workshop, member=first)


def test_past_workshops_take_no_registration():
    workshop = WorkshopFactory(date=datetime.date(2020, 1, 6))
    member = MemberFactory()
    with pytest.raises(ValidationError) as error:
        services.workshop_register(actor=member.user, workshop=workshop, member=member)
    assert "passé" in error.value.messages[0]
