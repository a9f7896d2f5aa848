import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone

from members.enums import Role
from tests.members.factories import UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for this secret."""
    counter = int(timezone.now().timestamp()) // 30
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture
def user_of_role(db):
    """Make an account of the given role (with two-factor set up where the role needs it)."""

    def make(role: Role, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def client_of_role(client, user_of_role):
    """A test client logged in with a fresh account of the given role."""

    def make(role: Role, **kwargs):
        user = user_of_role(role, **kwargs)
        client.force_login(user)
        client.user = user
        return client

    return make


ALL_ROLES = list(Role)
