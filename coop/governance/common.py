"""What the governance services share: who may act, and how dates are written."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.formats import date_format

from coop.enums import CollectiveKind
from coop.models import Body, Collective
from members.enums import Role

ONE_DAY = datetime.timedelta(days=1)
ZERO = Decimal("0.00")


def fr_date(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def today() -> datetime.date:
    return timezone.localdate()


# --- who may act -----------------------------------------------------------------------


def has_role(user, *roles: Role) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role in roles)


def keeps_register(user) -> bool:
    """Coordinators keep the register of associates and its ledger of shares."""
    return has_role(user, Role.COORDINATOR)


def can_manage_body(user, body: Body) -> bool:
    """Coordinators run every body; the peer-support lead those of peer-help collectives."""
    if has_role(user, Role.COORDINATOR):
        return True
    return (
        has_role(user, Role.PEER_SUPPORT_LEAD) and body.collective.kind == CollectiveKind.PEER_HELP
    )


def can_create_body_in(user, collective: Collective) -> bool:
    if has_role(user, Role.COORDINATOR):
        return True
    return has_role(user, Role.PEER_SUPPORT_LEAD) and collective.kind == CollectiveKind.PEER_HELP


def require_register_keeper(actor) -> None:
    if not keeps_register(actor):
        raise PermissionDenied


def require_body_manager(actor, body: Body) -> None:
    if not can_manage_body(actor, body):
        raise PermissionDenied
