import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from members.enums import Role
from members.models import Invitation, User

PASSWORD = "mot-de-passe-de-test-1"


class UserFactory(factory.django.DjangoModelFactory):
    """An active account with a verified address. Roles that require two-factor get a
    TOTP authenticator (its secret in `user.totp_secret`), unless `totp=False`."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    role = Role.ENTREPRENEUR
    password = factory.django.Password(PASSWORD)

    class Params:
        administrator = factory.Trait(role=Role.ADMINISTRATOR)
        coordinator = factory.Trait(role=Role.COORDINATOR)
        entrepreneur = factory.Trait(role=Role.ENTREPRENEUR)
        peer_support_lead = factory.Trait(role=Role.PEER_SUPPORT_LEAD)
        accountant = factory.Trait(role=Role.ACCOUNTANT)
        funder = factory.Trait(role=Role.FUNDER)
        researcher = factory.Trait(role=Role.RESEARCHER)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)

    @factory.post_generation
    def totp(obj, create, extracted, **kwargs):
        obj.totp_secret = None
        wanted = extracted if extracted is not None else obj.requires_two_factor
        if create and wanted:
            obj.totp_secret = generate_totp_secret()
            TOTP.activate(obj, obj.totp_secret)


class InvitationFactory(factory.django.DjangoModelFactory):
    """An invitation pending for a week; `invitation.token` holds its secret."""

    class Meta:
        model = Invitation
        exclude = ["token"]

    email = factory.Sequence(lambda n: f"invite{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    role = Role.ENTREPRENEUR
    invited_by = factory.SubFactory(UserFactory, coordinator=True)

    class Params:
        expired = factory.Trait(
            expires_at=factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1))
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        expires_at = kwargs.pop("expires_at", None)
        invitation = model_class(*args, **kwargs)
        invitation.token = invitation.set_new_token()
        if expires_at is not None:
            invitation.expires_at = expires_at
        invitation.save()
        return invitation


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coop.Programme"

    name = factory.Sequence(lambda n: f"Programme {n}")
    funder = "Fondation de France"
    territory = "Seine-Saint-Denis"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timezone.timedelta(days=365))


class MemberFactory(factory.django.DjangoModelFactory):
    """A member at the welcome stage, with an entrepreneur account. Use the traits to
    put them further along the path (through the real services, so the history and the
    contracts are what the platform would have written)."""

    class Meta:
        model = "members.Member"
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.ENTREPRENEUR)
    first_name = factory.LazyAttribute(lambda o: o.user.first_name if o.user else "Camille")
    last_name = factory.LazyAttribute(lambda o: o.user.last_name if o.user else "Martin")
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "")
    activity = "prevention"
    coordinator = factory.SubFactory(UserFactory, role=Role.COORDINATOR)
    information_meeting_on = factory.LazyFunction(
        lambda: timezone.localdate() - timezone.timedelta(days=400)
    )
    stage_since = factory.LazyAttribute(lambda o: o.information_meeting_on)
    commune = "Montreuil"
    postcode = "93100"

    class Params:
        candidate = factory.Trait(user=None)

    @factory.post_generation
    def path(obj, create, extracted, **kwargs):
        """`path="cape"`, `"cesa"`, `"associate"` or `"exited"` moves the member along."""
        if not create:
            return
        from members import services
        from members.models import PathStep

        PathStep.objects.create(
            member=obj, stage="welcome", on=obj.information_meeting_on, recorded_by=obj.coordinator
        )
        if not extracted:
            return

        actor = obj.coordinator
        start = obj.information_meeting_on + timezone.timedelta(days=14)
        services.cape_start(
            actor=actor,
            member=obj,
            start_date=start,
            planned_end_date=start + timezone.timedelta(days=300),
        )
        if extracted in ("cesa", "associate", "exited"):
            services.cesa_start(
                actor=actor, member=obj, start_date=start + timezone.timedelta(days=200)
            )
        if extracted in ("associate", "exited"):
            services.associate_join(
                actor=actor, member=obj, on=start + timezone.timedelta(days=300)
            )
        if extracted == "exited":
            services.member_exit(
                actor=actor,
                member=obj,
                on=start + timezone.timedelta(days=350),
                reason="employment",
            )
        obj.refresh_from_db()


class WorkshopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "members.Workshop"
        skip_postgeneration_save = True

    subject = "Construire son offre de prévention"
    date = factory.LazyFunction(lambda: timezone.localdate() + timezone.timedelta(days=7))
    place = "Maison des associations, Montreuil"
    capacity = 12
    coordinator = factory.SubFactory(UserFactory, role=Role.COORDINATOR)

    @factory.post_generation
    def slots(obj, create, extracted, **kwargs):
        import datetime

        if create and extracted is not False:
            obj.slots.create(starts_at=datetime.time(9, 30), ends_at=datetime.time(12, 0))
            obj.slots.create(starts_at=datetime.time(14, 0), ends_at=datetime.time(16, 30))


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "members.Appointment"

    member = factory.SubFactory(MemberFactory)
    coordinator = factory.LazyAttribute(lambda o: o.member.coordinator)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=2))
    mode = "in_person"
