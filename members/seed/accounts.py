"""The accounts of the demo and of the load-test data set (`manage.py seed`).

Every seeded account has the one shared demo password and a verified primary address
under @demo.entrepairs.fr, so that any of them can log in. The fixed demo logins (one per
role, readable addresses) exist in both sizes; those whose role requires two-factor get an
authenticator app and recovery codes. TOTP secrets and recovery codes come from the `rng`
given, so that the same seed prints the same ones.
"""

import base64
import random
from datetime import timedelta
from typing import TypedDict

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import encrypt
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from members.enums import Role
from members.models import Invitation, User

DEMO_DOMAIN = "demo.entrepairs.fr"
# Public on purpose: printed by `manage.py seed` so that anyone trying the demo logs in.
DEMO_PASSWORD = "demo-entrepairs-2026"  # noqa: S105

# One fixed, readable login per role.
DEMO_LOGINS: dict[Role, str] = {
    Role.ADMINISTRATOR: f"admin@{DEMO_DOMAIN}",
    Role.COORDINATOR: f"coordination@{DEMO_DOMAIN}",
    Role.ENTREPRENEUR: f"entrepreneur@{DEMO_DOMAIN}",
    Role.PEER_SUPPORT_LEAD: f"pair-aidance@{DEMO_DOMAIN}",
    Role.ACCOUNTANT: f"comptabilite@{DEMO_DOMAIN}",
    Role.FUNDER: f"financeur@{DEMO_DOMAIN}",
    Role.RESEARCHER: f"recherche@{DEMO_DOMAIN}",
}

# Accounts per role, the fixed demo login included.
ACCOUNTS_PER_ROLE: dict[str, dict[Role, int]] = {
    # A small cooperative: about forty people.
    "demo": {
        Role.ADMINISTRATOR: 1,
        Role.COORDINATOR: 3,
        Role.ENTREPRENEUR: 32,
        Role.PEER_SUPPORT_LEAD: 1,
        Role.ACCOUNTANT: 1,
        Role.FUNDER: 2,
        Role.RESEARCHER: 1,
    },
    # DESIGN.md, "Scale to plan for": a large CAE network.
    "large": {
        Role.ADMINISTRATOR: 5,
        Role.COORDINATOR: 60,
        Role.ENTREPRENEUR: 2000,
        Role.PEER_SUPPORT_LEAD: 10,
        Role.ACCOUNTANT: 10,
        Role.FUNDER: 30,
        Role.RESEARCHER: 20,
    },
}
SIZES = tuple(ACCOUNTS_PER_ROLE)

# How far back accounts were opened.
HISTORY_DAYS = {"demo": 3 * 365, "large": 10 * 365}
PENDING_INVITATIONS = 3
BATCH_SIZE = 500
# The sizes allauth itself draws (generate_totp_secret, RecoveryCodes.generate_seed).
TOTP_SECRET_BYTES = 20
RECOVERY_SEED_BYTES = 40


class DemoLogin(TypedDict):
    role: Role
    email: str
    password: str
    name: str
    totp_secret: str | None
    recovery_codes: list[str]


def seed_members(
    *, rng: random.Random, faker: Faker, size: str, scale: float = 1.0
) -> list[DemoLogin]:
    """Create the accounts of a data set of this size (`demo` or `large`), their
    verified addresses, two-factor for the fixed demo logins that need it, and a few
    invitations pending from the demo coordinator. Returns the fixed demo logins, in the
    order of `Role`.

    `scale` shrinks every role's count (at least one each) so that tests can run the
    large data set's code path quickly.
    """
    if size not in ACCOUNTS_PER_ROLE:
        raise ValueError(f"Unknown size {size!r}: choose one of {', '.join(SIZES)}.")
    if scale <= 0:
        raise ValueError("scale must be positive.")
    now = timezone.now()
    # One hash for every account: hashing thousands of passwords would take minutes.
    password_hash = make_password(DEMO_PASSWORD)
    taken_emails = set(DEMO_LOGINS.values())

    users = []
    for role in Role:
        count = max(1, round(ACCOUNTS_PER_ROLE[size][role] * scale))
        for index in range(count):
            first_name, last_name = faker.first_name(), faker.last_name()
            if index == 0:
                email = DEMO_LOGINS[role]
            else:
                email = unique_email(first_name, last_name, taken_emails)
            users.append(
                User(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    role=role,
                    password=password_hash,
                    date_joined=now - timedelta(days=rng.randint(0, HISTORY_DAYS[size])),
                )
            )
    # bulk_create sets the primary keys on SQLite and PostgreSQL alike.
    User.objects.bulk_create(users, batch_size=BATCH_SIZE)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users],
        batch_size=BATCH_SIZE,
    )

    by_email = {user.email: user for user in users}
    logins = [_demo_login(by_email[email], rng=rng) for email in DEMO_LOGINS.values()]
    _invite(by_email[DEMO_LOGINS[Role.COORDINATOR]], faker=faker, rng=rng, taken=taken_emails)
    return logins


def unique_email(first_name: str, last_name: str, taken: set[str]) -> str:
    local = f"{slugify(first_name)}.{slugify(last_name)}"
    email, number = f"{local}@{DEMO_DOMAIN}", 1
    while email in taken:
        number += 1
        email = f"{local}{number}@{DEMO_DOMAIN}"
    taken.add(email)
    return email


def _demo_login(user: User, *, rng: random.Random) -> DemoLogin:
    login = DemoLogin(
        role=Role(user.role),
        email=user.email,
        password=DEMO_PASSWORD,
        name=user.get_full_name(),
        totp_secret=None,
        recovery_codes=[],
    )
    if user.requires_two_factor:
        secret = base64.b32encode(rng.randbytes(TOTP_SECRET_BYTES)).decode("ascii")
        TOTP.activate(user, secret)
        login["totp_secret"] = secret
        login["recovery_codes"] = _activate_recovery_codes(user, rng=rng).get_unused_codes()
    return login


def _activate_recovery_codes(user: User, *, rng: random.Random) -> RecoveryCodes:
    """RecoveryCodes.activate with a seed drawn from `rng` instead of `secrets`, so that
    the printed codes are the same on every run."""
    instance = Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.RECOVERY_CODES,
        data={"seed": encrypt(rng.randbytes(RECOVERY_SEED_BYTES).hex()), "used_mask": 0},
    )
    return RecoveryCodes(instance)


def _invite(coordinator: User, *, faker: Faker, rng: random.Random, taken: set[str]) -> None:
    """A few people invited in the last days who have not chosen their password yet."""
    for _ in range(PENDING_INVITATIONS):
        first_name, last_name = faker.first_name(), faker.last_name()
        invitation = Invitation(
            email=unique_email(first_name, last_name, taken),
            first_name=first_name,
            last_name=last_name,
            role=Role.ENTREPRENEUR,
            invited_by=coordinator,
        )
        # The link's token is thrown away: the coordinator can resend the invitation.
        invitation.set_new_token()
        invitation.created_at = timezone.now() - timedelta(days=rng.randint(0, 5))
        invitation.expires_at = invitation.created_at + Invitation.VALIDITY
        invitation.save()
