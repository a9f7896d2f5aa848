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
