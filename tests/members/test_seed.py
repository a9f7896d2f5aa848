import random
import time
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import validate_totp_code
from allauth.mfa.utils import decrypt
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from faker import Faker

from coop.management.commands import seed as seed_command
from members.enums import Role
from members.models import Invitation, User
from members.seed import DEMO_LOGINS, DEMO_PASSWORD, seed_members
from tests.members.factories import UserFactory


def _seed(seed=2026, size="demo", **kwargs):
    faker = Faker("fr_FR")
    faker.seed_instance(seed)
    return seed_members(rng=random.Random(seed), faker=faker, size=size, **kwargs)


def _seed_and_roll_back(seed):
    """What a seed creates, forgotten at once so that the next run starts from empty."""
    with transaction.atomic():
        logins = _seed(seed)
        emails = sorted(User.objects.values_list("email", flat=True))
        invitations = sorted(Invitation.objects.values_list("email", flat=True))
        transaction.set_rollback(True)
    return logins, emails, invitations


def _role_counts():
    return dict(User.objects.values_list("role").annotate(n=Count("pk")).order_by())


def _wait_for_fresh_totp_period():
    """A code read in the last second of its 30-second period would be stale when posted."""
    if mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD < 2:
        time.sleep(2)


def _demo_totp(email):
    out = StringIO()
    call_command("demo_totp", email, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def _failing_step(**kwargs):
    raise RuntimeError("step failed")


@pytest.mark.django_db
def test_demo_seed_creates_one_login_per_role():
    logins = _seed()

    assert [login["role"] for login in logins] == list(Role)
    assert [login["email"] for login in logins] == list(DEMO_LOGINS.values())
    for login in logins:
        user = User.objects.get(email=login["email"])
        assert user.role == login["role"]
        assert user.check_password(DEMO_PASSWORD)
        assert login["name"] == user.get_full_name() != ""
        has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
        if login["role"] in Role.requiring_two_factor():
            assert decrypt(has_totp.get().data["secret"]) == login["totp_secret"]
            assert len(login["recovery_codes"]) == mfa_settings.RECOVERY_CODE_COUNT
        else:
            assert not has_totp.exists()
            assert login["totp_secret"] is None
            assert login["recovery_codes"] == []


@pytest.mark.django_db
def test_demo_seed_has_about_forty_verified_members_and_pending_invitations():
    _seed()

    assert _role_counts() == {
        Role.ADMINISTRATOR: 1,
        Role.COORDINATOR: 3,
        Role.ENTREPRENEUR: 32,
        Role.PEER_SUPPORT_LEAD: 1,
        Role.ACCOUNTANT: 1,
        Role.FUNDER: 2,
        Role.RESEARCHER: 1,
    }
    assert not User.objects.exclude(email__endswith="@demo.entrepairs.fr").exists()
    # Every account has its address verified and primary: e-mail verification is mandatory.
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 41
    assert not User.objects.filter(emailaddress__isnull=True).exists()
    coordinator = User.objects.get(email=DEMO_LOGINS[Role.COORDINATOR])
    invitations = Invitation.objects.pending()
    assert invitations.count() == 3
    assert set(invitations.values_list("invited_by", "role")) == {
        (coordinator.pk, Role.ENTREPRENEUR)
    }
    assert not User.objects.filter(email__in=invitations.values("email")).exists()


@pytest.mark.django_db
def test_seed_is_deterministic():
    first = _seed_and_roll_back(2026)
    again = _seed_and_roll_back(2026)
    other = _seed_and_roll_back(2027)

    # Same e-mails, names, TOTP secrets and recovery codes for the same seed.
    assert first == again
    assert other[1] != first[1]
    assert [login["totp_secret"] for login in other[0]] != [
        login["totp_secret"] for login in first[0]
    ]


@pytest.mark.django_db
def test_large_seed_at_reduced_scale_keeps_the_role_proportions():
    logins = _seed(size="large", scale=0.1)

    # DESIGN.md's counts times 0.1, at least one account per role.
    assert _role_counts() == {
        Role.ADMINISTRATOR: 1,
        Role.COORDINATOR: 6,
        Role.ENTREPRENEUR: 200,
        Role.PEER_SUPPORT_LEAD: 1,
        Role.ACCOUNTANT: 1,
        Role.FUNDER: 3,
        Role.RESEARCHER: 2,
    }
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 214
    assert len({login["email"] for login in logins}) == len(Role)
    # Only the fixed demo logins get two-factor: the bulk accounts have none.
    assert set(
        Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list(
            "user__email", flat=True
        )
    ) == {DEMO_LOGINS[role] for role in Role.requiring_two_factor()}


@pytest.mark.django_db
def test_seed_members_refuses_an_unknown_size():
    with pytest.raises(ValueError, match="Unknown size"):
        _seed(size="huge")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_command_prints_the_demo_logins():
    out = StringIO()
    call_command("seed", stdout=out)

    output = out.getvalue()
    for email in DEMO_LOGINS.values():
        assert email in output
    assert DEMO_PASSWORD in output
    for authenticator in Authenticator.objects.filter(type=Authenticator.Type.TOTP):
        assert decrypt(authenticator.data["secret"]) in output
    assert ".venv/bin/python manage.py demo_totp EMAIL" in output
    assert User.objects.count() == 41


@pytest.mark.django_db
def test_seed_command_refuses_a_database_with_accounts():
    UserFactory()

    with pytest.raises(CommandError, match="already holds accounts"):
        call_command("seed", stdout=StringIO())
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_seed_command_keeps_nothing_when_a_step_fails(monkeypatch):
    monkeypatch.setattr(
        seed_command, "STEPS", [*seed_command.STEPS, "tests.members.test_seed._failing_step"]
    )

    with pytest.raises(RuntimeError, match="step failed"):
        call_command("seed", stdout=StringIO())
    assert not User.objects.exists()
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_demo_totp_prints_a_code_that_allauth_accepts(settings):
    settings.DEBUG = True
    logins = {login["role"]: login for login in _seed()}
    secret = logins[Role.COORDINATOR]["totp_secret"]
    _wait_for_fresh_totp_period()

    code = _demo_totp("Coordination@demo.entrepairs.fr")

    assert len(code) == 6
    assert code.isdigit()
    assert validate_totp_code(secret, code)


@pytest.mark.django_db
def test_demo_totp_refuses_without_debug(settings):
    settings.DEBUG = False
    _seed()

    with pytest.raises(CommandError, match="DEBUG=1"):
        _demo_totp(DEMO_LOGINS[Role.COORDINATOR])


@pytest.mark.django_db
def test_demo_totp_refuses_an_unknown_address(settings):
    settings.DEBUG = True

    with pytest.raises(CommandError, match="No account"):
        _demo_totp("personne@demo.entrepairs.fr")


@pytest.mark.django_db
def test_demo_totp_refuses_an_account_without_authenticator(settings):
    settings.DEBUG = True
    _seed()

    with pytest.raises(CommandError, match="no authenticator"):
        _demo_totp(DEMO_LOGINS[Role.ENTREPRENEUR])


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_demo_login_logs_in_through_the_real_views(client, settings, role):
    """Password, then (for the roles that require it) the code that demo_totp prints."""
    settings.DEBUG = True
    _seed()
    email = DEMO_LOGINS[role]
    _wait_for_fresh_totp_period()

    response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})

    if role in Role.requiring_two_factor():
        assert response.status_code == 302
        assert response.url == reverse("mfa_authenticate")
        assert "_auth_user_id" not in client.session
        response = client.post(reverse("mfa_authenticate"), {"code": _demo_totp(email)})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)
