"""Logging in, rate limits, password reset, e-mail verification and two-factor, through
the real allauth pages."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from members.enums import Role
from members.models import User
from tests.conftest import totp_code
from tests.members.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_entrepreneur_logs_in_with_email_and_password(client):
    user = UserFactory(email="lea@exemple.fr")
    response = _login(client, "LEA@exemple.fr")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == user


def test_wrong_password_says_so_in_french(client):
    UserFactory(email="lea@exemple.fr")
    response = _login(client, "lea@exemple.fr", "mauvais")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "L’adresse e-mail et/ou le mot de passe que vous avez spécifiés sont incorrects." in html
        or "incorrect" in html
    )
    assert 'value="lea@exemple.fr"' in html


def test_repeated_failed_logins_are_rate_limited(client):
    UserFactory(email="lea@exemple.fr")
    for _ in range(5):
        _login(client, "lea@exemple.fr", "mauvais")
    response = _login(client, "lea@exemple.fr")  # even the right password waits
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives" in response.content.decode()


def test_inactive_account_cannot_log_in(client):
    UserFactory(email="parti@exemple.fr", is_active=False)
    _login(client, "parti@exemple.fr")
    assert "_auth_user_id" not in client.session


def test_there_is_no_open_sign_up(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "moi@exemple.fr", "password1": "une-phrase-42-x", "password2": "une-phrase-42-x"},
    )
    assert not User.objects.filter(email="moi@exemple.fr").exists()
    assert response.status_code == 200
    assert "fermées" in response.content.decode()


def test_password_reset_by_email(client, mailoutbox):
    user = UserFactory(email="lea@exemple.fr")
    client.post(reverse("account_reset_password"), {"email": "lea@exemple.fr"})
    assert len(mailoutbox) == 1
    link = re.search(
        r"https?://testserver(/compte/password/reset/key/\S+/)", mailoutbox[0].body
    ).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = client.post(
        set_url, {"password1": "nouvelle-phrase-77", "password2": "nouvelle-phrase-77"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("nouvelle-phrase-77")


def test_unverified_address_must_be_verified_before_logging_in(client, mailoutbox):
    user = UserFactory(email="nouveau@exemple.fr", verified_email=False)
    response = _login(client, "nouveau@exemple.fr")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    link = re.search(r"https?://testserver(/compte/confirm-email/\S+/)", mailoutbox[0].body).group(
        1
    )
    client.post(link)
    assert user.emailaddress_set.get().verified
    assert _login(client, "nouveau@exemple.fr")["Location"] == reverse("home")


# --- two-factor ---------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(Role.requiring_two_factor()))
def test_privileged_roles_see_no_page_before_two_factor(client, role):
    user = UserFactory(role=role, totp=False)
    client.force_login(user)
    for url in [reverse("home"), reverse("members:my_account"), "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize("role", sorted(set(Role) - Role.requiring_two_factor()))
def test_other_roles_may_work_without_two_factor(client, role):
    client.force_login(UserFactory(role=role, totp=False))
    assert client.get(reverse("home")).status_code == 200


def test_coordinator_sets_up_totp_then_reaches_pages(client):
    user = UserFactory(role=Role.COORDINATOR, totp=False, email="coord@exemple.fr")
    _login(client, "coord@exemple.fr")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert client.get(reverse("home")).status_code == 200


def test_login_with_totp_asks_for_the_code(client):
    user = UserFactory(role=Role.ACCOUNTANT, email="compta@exemple.fr")
    response = _login(client, "compta@exemple.fr")
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(user.totp_secret)})
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
