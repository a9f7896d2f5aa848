"""Factories for the records of the member page: skills, trainings, consents, the
sensitive profile, documents, path history and workshop registrations."""

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from members.enums import Role
from tests.members.factories import MemberFactory, UserFactory, WorkshopFactory

# The smallest files each accepted type starts with (what the service checks).
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 32


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "members.Skill"
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Compétence {n}")


class TrainingFactory(factory.django.DjangoModelFactory):
    """A DU obtained a year ago, without expiry. `expires_in=days` sets an expiry."""

    class Meta:
        model = "members.Training"
        exclude = ["expires_in"]

    member = factory.SubFactory(MemberFactory)
    kind = "peer_support_du"
    title = "DU Pair-aidance & savoirs expérientiels"
    organisation = "Université Sorbonne Paris Nord"
    obtained_on = factory.LazyFunction(lambda: timezone.localdate() - timezone.timedelta(days=365))
    expires_in = None
    expires_on = factory.LazyAttribute(
        lambda o: (
            None
            if o.expires_in is None
            else timezone.localdate() + timezone.timedelta(days=o.expires_in)
        )
    )


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "members.Consent"

    member = factory.SubFactory(MemberFactory)
    scope = "health_profile"
    given_on = factory.LazyFunction(lambda: timezone.localdate() - timezone.timedelta(days=30))
    explanation = "Le profil sert à l'accompagnement ; seul·es les chargé·es le voient."
    recorded_by = factory.LazyAttribute(lambda o: o.member.coordinator)


class SensitiveProfileFactory(factory.django.DjangoModelFactory):
    """A former service user, with the consent that allows recording it."""

    class Meta:
        model = "members.SensitiveProfile"
        skip_postgeneration_save = True

    member = factory.SubFactory(MemberFactory)
    is_former_service_user = True

    @factory.post_generation
    def consent(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            ConsentFactory(member=obj.member)


def document_create(member, *, title="Contrat CAPE signé", content=PDF_BYTES, name="cape.pdf"):
    """A document stored through the real service (MEDIA_ROOT must point at a temporary
    folder: use the `private_media` fixture)."""
    from members import services

    return services.document_add(
        actor=member.coordinator,
        member=member,
        kind="contract",
        title=title,
        uploaded_file=SimpleUploadedFile(name, content, content_type="application/pdf"),
    )


class WorkshopRegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "members.WorkshopRegistration"

    workshop = factory.SubFactory(WorkshopFactory)
    member = factory.SubFactory(MemberFactory)


class PathStepNoteFactory(factory.django.DjangoModelFactory):
    """An extra dated line in a member's history (to make it long in query-count tests)."""

    class Meta:
        model = "members.PathStep"

    member = factory.SubFactory(MemberFactory)
    stage = factory.LazyAttribute(lambda o: o.member.stage)
    on = factory.LazyAttribute(lambda o: o.member.stage_since)
    note = "Point d'étape"
    recorded_by = factory.SubFactory(UserFactory, role=Role.COORDINATOR)
