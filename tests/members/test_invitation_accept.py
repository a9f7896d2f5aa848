import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from members.enums import Role
from members.models import Invitation, User
from tests.members.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "first_name": "Nadia",
    "last_name": "Benali",
    "password1": "une-phrase-secrete-42",
    "password2": "une-phrase-secrete-42",
}


def _url(invitation):
    return reverse("members:invitation_accept", args=[invitation.token])


def test_the_whole_journey_from_invitation_to_first_page(client, client_of_role, mailoutbox):
    coordinator_client = client_of_role(Role.COORDINATOR)
    coordinator_client.post(
        reverse("members:invitation_create"),
        {
            "first_name": "Nadia",
            "last_name": "Benali",
            "email": "nadia@exemple.fr",
            "role": Role.ENTREPRENEUR,
        },
    )
    coordinator_client.logout()
    link = re.search(r"http://testserver(/invitation/\S+/)", mailoutbox[0].body).group(1)

    page = client.get(link)
    assert page.status_code == 200
    assert "nadia@exemple.fr" in page.content.decode()
    assert page.context["form"]["first_name"].value() == "Nadia"

    response = client.post(link, GOOD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = User.objects.get(email="nadia@exemple.fr")
    assert user.role == Role.ENTREPRENEUR
    assert user.check_password(GOOD["password1"])
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("home")).status_code == 200  # logged in
    client.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert "déjà servi" in again.content.decode()


def test_weak_password_is_refused_and_names_are_kept(client):
    invitation = InvitationFactory()
    weak = {"first_name": "Aïcha", "password1": "12345678", "password2": "12345678"}
    response = client.post(_url(invitation), GOOD | weak)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Aïcha"' in html
    assert "trop court" in html or "entièrement numérique" in html
    assert not User.objects.filter(email=invitation.email).exists()


def test_mismatched_passwords(client):
    invitation = InvitationFactory()
    response = client.post(_url(invitation), GOOD | {"password2": "autre-chose-encore-99"})
    assert "Les deux mots de passe ne sont pas identiques." in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()


def test_unknown_token_is_404(client):
    response = client.get(reverse("members:invitation_accept", args=["inconnu"]))
    assert response.status_code == 404
    assert "Ce lien ne peut pas être utilisé" in response.content.decode()


def test_expired_invitation_is_410(client):
    invitation = InvitationFactory(expired=True)
    response = client.post(_url(invitation), GOOD)
    assert response.status_code == 410
    assert "expiré" in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()


def test_revoked_invitation_is_410(client, client_of_role):
    invitation = InvitationFactory()
    invitation.revoked_at = invitation.created_at
    invitation.save()
    assert client.get(_url(invitation)).status_code == 410


def test_logged_in_person_cannot_use_an_invitation(client_of_role):
    client = client_of_role(Role.ENTREPRENEUR)
    assert client.get(_url(InvitationFactory())).status_code == 403


def test_address_taken_meanwhile(client):
    invitation = InvitationFactory()
    UserFactory(email=invitation.email)
    response = client.post(_url(invitation), GOOD)
    assert response.status_code == 200
    assert "Un compte existe déjà" in response.content.decode()


def test_privileged_role_is_asked_for_two_factor_right_away(client):
    invitation = InvitationFactory(role=Role.ACCOUNTANT)
    client.post(_url(invitation), GOOD)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_invitation_accept_wrong_method(client):
    assert client.put(_url(InvitationFactory())).status_code == 405


def test_only_a_hash_of_the_token_is_stored():
    invitation = InvitationFactory()
    assert invitation.token not in invitation.token_hash
    assert Invitation.objects.get_by_token(invitation.token) == invitation
