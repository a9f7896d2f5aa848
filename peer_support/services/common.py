"""What every peer-support service shares: the access log, and the checks of dates and
texts that come from a form."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import User
from peer_support.enums import AccessAction
from peer_support.models import AccessLog, FollowUp

FIELDS_MAX_LENGTH = 300


def access_log_write(
    *,
    actor: User | None,
    action: AccessAction,
    followup: FollowUp,
    record=None,
    fields: Iterable[str] = (),
) -> AccessLog:
    """One row of the access log: who did what with which record of which follow-up.
    `fields` names what changed (never the values)."""
    record = followup if record is None else record
    return AccessLog.objects.create(
        actor=actor,
        action=action,
        followup=followup,
        record_type=record._meta.label_lower,
        record_id=record.pk,
        fields=",".join(sorted(set(fields)))[:FIELDS_MAX_LENGTH],
    )


def access_log_write_many(
    *, actor: User, action: AccessAction, followups: Iterable[FollowUp], record=None
) -> int:
    """The same act on several follow-ups (a list shown, a workshop's attendance read),
    in one INSERT."""
    rows = [
        AccessLog(
            actor=actor,
            action=action,
            followup=followup,
            record_type=(record or followup)._meta.label_lower,
            record_id=(record or followup).pk,
        )
        for followup in followups
    ]
    AccessLog.objects.bulk_create(rows)
    return len(rows)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def check_past(day: datetime.date, field: str, errors: dict, *, what: str) -> None:
    """Follow-ups record what happened: a date in the future is refused."""
    if day > timezone.localdate():
        errors[field] = _("%(what)s ne peut pas être dans le futur.") % {"what": what}


def clean_text(value: str) -> str:
    return (value or "").strip()


def raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)
