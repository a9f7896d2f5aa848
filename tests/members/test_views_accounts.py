import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coop.models import OutgoingEmail
from members.enums import Role
from members.models import Invitation
from tests.members.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT_MANAGERS = [Role.ADMINISTRATOR, Role.COORDINATOR]
OTHERS = [role for role in Role if role not in ACCOUNT_MANAGERS]


# --- the list of accounts -------------------------------------------------------------


def test_account_list_anonymous(client):
    response = client.get(reverse("members:account_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", ACCOUNT_MANAGERS)
def test_account_list_for_managers(client_of_role, role):
    InvitationFactory(email="en-attente@exemple.fr")
    response = client_of_role(role).get(reverse("members:account_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "en-attente@exemple.fr" in html
    assert "Inviter une personne" in html


@pytest.mark.parametrize("role", OTHERS)
def test_account_list_refused_to_other_roles(client_of_role, role):
    assert client_of_role(role).get(reverse("members:account_list")).status_code == 403


def test_account_list_wrong_method(client_of_role):
    assert client_of_role(Role.COORDINATOR).post(reverse("members:account_list")).status_code == 405


@pytest.mark.parametrize("accounts", [5, 40])
def test_account_list_query_count_does_not_grow(
    client_of_role, django_assert_num_queries, accounts
):
    client = client_of_role(Role.COORDINATOR)
    UserFactory.create_batch(accounts)
    InvitationFactory.create_batch(accounts // 5, invited_by=client.user)
    # session, user, two-factor check, count of accounts, the page of accounts (with their
    # two-factor state), the pending invitations with who sent them
    with django_assert_num_queries(6):
        response = client.get(reverse("members:account_list"))
    assert response.status_code == 200


def test_account_list_paginates(client_of_role):
    client = client_of_role(Role.ADMINISTRATOR)
    UserFactory.create_batch(55)
    first = client.get(reverse("members:account_list"))
    assert len(first.context["page"].object_list) == 50
    second = client.get(reverse("members:account_list") + "?page=2")
    assert len(second.context["page"].object_list) == 6
    assert client.get(reverse("members:account_list") + "?page=abc").status_code == 200


# --- inviting -------------------------------------------------------------------------


def _invite(client, **overrides):
    data = {
        "first_name": "Nadia",
        "last_name": "Benali",
        "email": "Nadia.Benali@Exemple.fr",
        "role": Role.ENTREPRENEUR,
    } | overrides
    return client.post(reverse("members:invitation_create"), data)


@pytest.mark.parametrize("role", ACCOUNT_MANAGERS)
def test_invite_form_shows(client_of_role, role):
    assert client_of_role(role).get(reverse("members:invitation_create")).status_code == 200


@pytest.mark.parametrize("role", OTHERS)
def test_invite_refused_to_other_roles(client_of_role, role):
    client = client_of_role(role)
    assert client.get(reverse("members:invitation_create")).status_code == 403
    assert _invite(client).status_code == 403
    assert not Invitation.objects.exists()


def test_invite_anonymous(client):
    assert _invite(client).status_code == 302
    assert not Invitation.objects.exists()


def test_coordinator_invites_an_entrepreneur(client_of_role, settings):
    settings.EMAIL_BACKEND = "coop.mail.OutboxBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = client_of_role(Role.COORDINATOR)
    with pytest.MonkeyPatch.context():
        response = _invite(client)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "nadia.benali@exemple.fr"
    assert invitation.invited_by == client.user
    assert invitation.role == Role.ENTREPRENEUR
    stored = OutgoingEmail.objects.get()
    assert stored.to == ["nadia.benali@exemple.fr"]


def test_invitation_email_carries_the_link(client_of_role, mailoutbox):
    _invite(client_of_role(Role.COORDINATOR))
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject == "Votre invitation sur Entrepairs"
    assert "http://testserver/invitation/" in message.body
    assert "Nadia" in message.body


def test_coordinator_cannot_give_a_wide_role(client_of_role):
    response = _invite(client_of_role(Role.COORDINATOR), role=Role.ACCOUNTANT)
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_administrator_may_invite_a_coordinator(client_of_role):
    response = _invite(client_of_role(Role.ADMINISTRATOR), role=Role.COORDINATOR)
    assert response.status_code == 302
    assert Invitation.objects.get().role == Role.COORDINATOR


def test_bad_input_keeps_what_was_typed(client_of_role):
    response = _invite(client_of_role(Role.COORDINATOR), email="pas-une-adresse")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saisissez une adresse de courriel valide." in html
    assert 'value="Nadia"' in html and 'value="Benali"' in html
    assert 'value="pas-une-adresse"' in html
    assert "Ce que vous avez saisi est conservé" in html


def test_existing_account_is_refused_with_a_message(client_of_role):
    UserFactory(email="nadia.benali@exemple.fr")
    response = _invite(client_of_role(Role.COORDINATOR))
    assert response.status_code == 200
    assert "Un compte existe déjà avec cette adresse e-mail." in response.content.decode()


def test_a_second_invitation_replaces_the_first(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    _invite(client)
    _invite(client, first_name="Nadia-Marie")
    assert Invitation.objects.pending().get().first_name == "Nadia-Marie"
    assert Invitation.objects.filter(revoked_at__isnull=False).count() == 1


# --- resend and revoke ----------------------------------------------------------------


@pytest.mark.parametrize("action", ["members:invitation_resend", "members:invitation_revoke"])
def test_invitation_actions_by_manager(client_of_role, mailoutbox, action):
    client = client_of_role(Role.COORDINATOR)
    invitation = InvitationFactory(invited_by=client.user)
    old_hash = invitation.token_hash
    response = client.post(reverse(action, args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    if action.endswith("resend"):
        assert invitation.token_hash != old_hash
        assert len(mailoutbox) == 1
    else:
        assert invitation.revoked_at is not None


@pytest.mark.parametrize("action", ["members:invitation_resend", "members:invitation_revoke"])
@pytest.mark.parametrize("role", OTHERS)
def test_invitation_actions_other_roles_get_404(client_of_role, role, action):
    invitation = InvitationFactory()
    assert client_of_role(role).post(reverse(action, args=[invitation.pk])).status_code == 404


@pytest.mark.parametrize("action", ["members:invitation_resend", "members:invitation_revoke"])
def test_coordinator_cannot_touch_an_accountant_invitation(client_of_role, action):
    invitation = InvitationFactory(role=Role.ACCOUNTANT)
    client = client_of_role(Role.COORDINATOR)
    assert client.post(reverse(action, args=[invitation.pk])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_invitation_actions_unknown_id_and_get(client_of_role):
    client = client_of_role(Role.ADMINISTRATOR)
    assert client.post(reverse("members:invitation_revoke", args=[999999])).status_code == 404
    invitation = InvitationFactory()
    assert client.get(reverse("members:invitation_revoke", args=[invitation.pk])).status_code == 405


def test_accepted_invitation_cannot_be_revoked(client_of_role):
    invitation = InvitationFactory()
    invitation.user = UserFactory(email=invitation.email)
    invitation.accepted_at = timezone.now()
    invitation.save()
    client = client_of_role(Role.ADMINISTRATOR)
    assert (
        client.post(reverse("members:invitation_revoke", args=[invitation.pk])).status_code == 404
    )
    assert len(mail.outbox) == 0
