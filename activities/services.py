"""Writes of the activities app: missions, delivered sessions, expenses, calendar feeds."""

import datetime
import hashlib
import secrets
import uuid
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.enums import AudienceKind, ExpenseStatus, MissionStatus, SessionStatus, Theme
from activities.models import (
    CalendarFeed,
    Expense,
    Mission,
    MissionTheme,
    Session,
    SessionAudience,
    SessionTheme,
)
from coop.geo import department_from_postcode
from coop.models import Client
from coop.services import client_create
from members.enums import Role, Stage
from members.models import Member, User
from members.services.people import detect_content_type

# Moves a coordinator makes by hand; "invoiced" is set by invoicing, "refused" by
# mission_refuse.
MISSION_MOVES = {
    MissionStatus.PLANNED: {MissionStatus.IN_PROGRESS},
    MissionStatus.IN_PROGRESS: {MissionStatus.DELIVERED},
    MissionStatus.DELIVERED: {MissionStatus.IN_PROGRESS},
}


def _require_role(user: User, *roles: Role) -> None:
    if not user.is_active or user.role not in roles:
        raise PermissionDenied


def _set_themes(owner, through_model, themes, field: str) -> None:
    through_model.objects.filter(**{field: owner}).delete()
    through_model.objects.bulk_create(
        through_model(**{field: owner}, theme=Theme(theme)) for theme in dict.fromkeys(themes)
    )


@transaction.atomic
def mission_create(
    *,
    actor: User,
    entrepreneurs: list[Member],
    themes: list[str],
    **fields,
) -> Mission:
    """A coordinator creates a planned mission. An entrepreneur proposes one for a client
    they found: it waits, proposed, for a coordinator's validation, and they are on it."""
    _require_role(actor, Role.COORDINATOR, Role.ENTREPRENEUR)
    if actor.role == Role.ENTREPRENEUR:
        own = Member.objects.filter(user=actor).exclude(stage=Stage.EXITED).first()
        if own is None:
            raise ValidationError(_("Votre fiche de membre n'est pas encore ouverte."))
        entrepreneurs, status = [own], MissionStatus.PROPOSED
    else:
        status = MissionStatus.PLANNED
    if not entrepreneurs:
        raise ValidationError({"entrepreneurs": _("Choisissez au moins un·e entrepreneur·e.")})
    mission = Mission(status=status, proposed_by=actor, **fields)
    mission.full_clean(exclude=["entrepreneurs"])
    mission.save()
    mission.entrepreneurs.set(entrepreneurs)
    _set_themes(mission, MissionTheme, themes, "mission")
    return mission


class NewClientRefused(ValidationError):
    """A refusal about the new client typed with a mission proposal."""


@transaction.atomic
def mission_propose(
    *,
    actor: User,
    client: Client | None,
    new_client: dict | None = None,
    contact: dict | None = None,
    **fields,
) -> Mission:
    """An entrepreneur proposes a mission for a client they found: an existing one, or
    a new one created with it (with its first contact), together or not at all."""
    if client is None:
        try:
            client = client_create(actor=actor, contact=contact, **(new_client or {}))
        except ValidationError as error:
            raise NewClientRefused(error) from None
    return mission_create(actor=actor, entrepreneurs=[], client=client, **fields)


@transaction.atomic
def mission_update(
    *, actor: User, mission: Mission, entrepreneurs: list[Member], themes: list[str], **fields
) -> Mission:
    _require_role(actor, Role.COORDINATOR)
    mission = Mission.objects.select_for_update().get(pk=mission.pk)
    if mission.status in (MissionStatus.INVOICED, MissionStatus.REFUSED):
        raise ValidationError(_("Une mission facturée ou refusée ne se modifie plus."))
    if not entrepreneurs:
        raise ValidationError({"entrepreneurs": _("Choisissez au moins un·e entrepreneur·e.")})
    for name, value in fields.items():
        setattr(mission, name, value)
    mission.full_clean(exclude=["entrepreneurs"])
    mission.save()
    mission.entrepreneurs.set(entrepreneurs)
    _set_themes(mission, MissionTheme, themes, "mission")
    return mission


@transaction.atomic
def mission_accept(*, actor: User, mission: Mission) -> Mission:
    """A coordinator validates a mission an entrepreneur proposed: it is planned."""
    _require_role(actor, Role.COORDINATOR)
    mission = Mission.objects.select_for_update().get(pk=mission.pk)
    if mission.status != MissionStatus.PROPOSED:
        raise ValidationError(_("Seule une mission proposée peut être validée."))
    mission.status = MissionStatus.PLANNED
    mission.save(update_fields=["status"])
    return mission


@transaction.atomic
def mission_refuse(*, actor: User, mission: Mission, reason: str) -> Mission:
    _require_role(actor, Role.COORDINATOR)
    mission = Mission.objects.select_for_update().get(pk=mission.pk)
    if mission.status != MissionStatus.PROPOSED:
        raise ValidationError(_("Seule une mission proposée peut être refusée."))
    if not reason.strip():
        raise ValidationError({"reason": _("Dites pourquoi la mission est refusée.")})
    mission.status = MissionStatus.REFUSED
    mission.refusal_reason = reason.strip()
    mission.save(update_fields=["status", "refusal_reason"])
    return mission


@transaction.atomic
def mission_move(*, actor: User, mission: Mission, status: MissionStatus) -> Mission:
    _require_role(actor, Role.COORDINATOR)
    mission = Mission.objects.select_for_update().get(pk=mission.pk)
    if status not in MISSION_MOVES.get(mission.status, set()):
        raise ValidationError(
            _("Une mission « %(current)s » ne peut pas passer à « %(wanted)s ».")
            % {
                "current": mission.get_status_display(),
                "wanted": MissionStatus(status).label,
            }
        )
    mission.status = status
    mission.save(update_fields=["status"])
    return mission


def mission_mark_invoiced(*, mission: Mission) -> Mission:
    """Issuing an invoice for a mission marks it invoiced (called by coop's invoicing)."""
    if mission.status != MissionStatus.INVOICED:
        mission.status = MissionStatus.INVOICED
        mission.save(update_fields=["status"])
    return mission


def mission_reopen_after_credit(*, mission: Mission) -> Mission:
    """A credit note that cancels what was invoiced gives the mission back to "delivered",
    ready to be invoiced again."""
    if mission.status == MissionStatus.INVOICED:
        mission.status = MissionStatus.DELIVERED
        mission.save(update_fields=["status"])
    return mission


def _check_session_fields(
    *, date: datetime.date, is_remote: bool, postcode: str, audiences: dict
) -> None:
    errors = {}
    if date > timezone.localdate():
        errors["date"] = _("Une séance se note une fois faite : la date est dans le futur.")
    if not is_remote and not (len(postcode) == 5 and postcode.isdigit()):
        errors["postcode"] = _("Indiquez le code postal du lieu (5 chiffres), ou « à distance ».")
    if not any(count for count in audiences.values()):
        errors["audiences"] = _("Indiquez combien de personnes étaient là.")
    if errors:
        raise ValidationError(errors)


def _write_session_details(session: Session, audiences: dict, themes: list[str]) -> None:
    SessionAudience.objects.filter(session=session).delete()
    SessionAudience.objects.bulk_create(
        SessionAudience(session=session, kind=AudienceKind(kind), count=count)
        for kind, count in audiences.items()
        if count
    )
    _set_themes(session, SessionTheme, themes, "session")


@transaction.atomic
def session_log(
    *,
    actor: User,
    mission: Mission,
    client_token: uuid.UUID,
    date: datetime.date,
    start_time: datetime.time,
    duration_minutes: int,
    is_remote: bool,
    commune: str,
    postcode: str,
    audiences: dict[str, int],
    themes: list[str],
    kilometres: Decimal,
    note: str,
) -> tuple[Session, bool]:
    """An entrepreneur logs a session they delivered. Sent twice with the same
    client_token (the network dropped after the server got it), it is saved once:
    returns (session, created)."""
    existing = Session.objects.filter(client_token=client_token).first()
    if existing is not None:
        if existing.entrepreneur.user_id != actor.pk:
            raise PermissionDenied
        return existing, False
    member = Member.objects.filter(user=actor).first()
    if member is None or not mission.entrepreneurs.filter(pk=member.pk).exists():
        raise PermissionDenied
    if member.stage == Stage.EXITED:
        raise ValidationError(
            _("Vous avez quitté la coopérative : les séances ne se notent plus ici.")
        )
    mission = Mission.objects.select_for_update().get(pk=mission.pk)
    if mission.status not in (MissionStatus.PLANNED, MissionStatus.IN_PROGRESS):
        raise ValidationError(
            _("Cette mission est « %(status)s » : on n'y note plus de séance.")
            % {"status": mission.get_status_display()}
        )
    _check_session_fields(date=date, is_remote=is_remote, postcode=postcode, audiences=audiences)
    session = Session.objects.create(
        client_token=client_token,
        mission=mission,
        entrepreneur=member,
        date=date,
        start_time=start_time,
        duration_minutes=duration_minutes,
        is_remote=is_remote,
        commune="" if is_remote else commune,
        postcode="" if is_remote else postcode,
        department="" if is_remote else department_from_postcode(postcode),
        kilometres=kilometres,
        note=note,
    )
    _write_session_details(session, audiences, themes)
    if mission.status == MissionStatus.PLANNED:
        mission.status = MissionStatus.IN_PROGRESS
        mission.save(update_fields=["status"])
    return session, True


@transaction.atomic
def session_correct(
    *,
    actor: User,
    session: Session,
    audiences: dict[str, int],
    themes: list[str],
    **fields,
) -> Session:
    """The entrepreneur corrects a session not yet validated (after a return, say); it
    goes back to the coordinator. A validated session is locked."""
    session = Session.objects.select_for_update().select_related("entrepreneur").get(pk=session.pk)
    if session.entrepreneur.user_id != actor.pk:
        raise PermissionDenied
    if session.is_locked:
        raise ValidationError(_("Cette séance est validée : elle ne se modifie plus."))
    _check_session_fields(
        date=fields["date"],
        is_remote=fields["is_remote"],
        postcode=fields.get("postcode", ""),
        audiences=audiences,
    )
    for name, value in fields.items():
        setattr(session, name, value)
    if session.is_remote:
        session.commune = session.postcode = ""
    session.department = department_from_postcode(session.postcode)
    session.status = SessionStatus.LOGGED
    session.return_reason = ""
    session.full_clean(exclude=["mission", "entrepreneur", "reviewed_by"])
    session.save()
    _write_session_details(session, audiences, themes)
    return session


@transaction.atomic
def session_validate(*, actor: User, session: Session) -> Session:
    """Validated, the session is locked and becomes billable."""
    _require_role(actor, Role.COORDINATOR)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != SessionStatus.LOGGED:
        raise ValidationError(_("Seule une séance à valider peut être validée."))
    session.status = SessionStatus.VALIDATED
    session.reviewed_by = actor
    session.reviewed_at = timezone.now()
    session.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return session


@transaction.atomic
def session_return(*, actor: User, session: Session, reason: str) -> Session:
    """Sent back to the entrepreneur, with the reason, to be corrected."""
    _require_role(actor, Role.COORDINATOR)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != SessionStatus.LOGGED:
        raise ValidationError(_("Seule une séance à valider peut être renvoyée."))
    if not reason.strip():
        raise ValidationError({"reason": _("Dites ce qu'il faut corriger.")})
    session.status = SessionStatus.RETURNED
    session.return_reason = reason.strip()
    session.reviewed_by = actor
    session.reviewed_at = timezone.now()
    session.save(update_fields=["status", "return_reason", "reviewed_by", "reviewed_at"])
    return session


@transaction.atomic
def expense_add(
    *, actor: User, session: Session, kind: str, amount: Decimal, receipt=None
) -> Expense:
    """An expense of the session, with the photo (or PDF) of its receipt."""
    session = Session.objects.select_for_update().select_related("entrepreneur").get(pk=session.pk)
    if session.entrepreneur.user_id != actor.pk:
        raise PermissionDenied
    if session.is_locked:
        raise ValidationError(_("Cette séance est validée : ajoutez plutôt une nouvelle séance."))
    expense = Expense(session=session, kind=kind, amount=amount)
    expense.full_clean(exclude=["session", "receipt"])
    if receipt is not None:
        try:
            expense.receipt_content_type = detect_content_type(receipt)
        except ValidationError as error:
            raise ValidationError({"receipt": error.messages}) from None
        # Written last: a refusal above leaves no file behind.
        expense.receipt.save(receipt.name, receipt, save=False)
    expense.save()
    return expense


@transaction.atomic
def expense_review(
    *, actor: User, expense: Expense, status: ExpenseStatus, reason: str = ""
) -> Expense:
    """A coordinator validates an expense or sends it back with a reason."""
    _require_role(actor, Role.COORDINATOR)
    expense = Expense.objects.select_for_update().get(pk=expense.pk)
    if expense.status != ExpenseStatus.PENDING:
        raise ValidationError(_("Ce frais a déjà été traité."))
    if status == ExpenseStatus.RETURNED and not reason.strip():
        raise ValidationError({"reason": _("Dites ce qu'il faut corriger.")})
    expense.status = status
    expense.return_reason = reason.strip() if status == ExpenseStatus.RETURNED else ""
    expense.save(update_fields=["status", "return_reason"])
    return expense


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_renew(*, user: User) -> str:
    """A new secret address for the person's calendar feed; the old one stops working.
    Returns the secret, to show once."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"token_hash": _hash(token), "created_at": timezone.now()}
    )
    return token


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def calendar_feed_owner(token: str) -> User | None:
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=_hash(token), user__is_active=True)
        .first()
    )
    return feed.user if feed else None
