"""Goals and their progress, meetings, referrals (with their reminders) and workshops.
Each function is one transaction and writes the access log of the follow-ups it
touches."""

import datetime
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from activities.models import Mission
from coop.models import Programme
from members.models import Member, User
from peer_support import perms
from peer_support.enums import (
    AccessAction,
    GoalKind,
    GoalStatus,
    MeetingMode,
    PartnerKind,
    ReferralStatus,
    WorkshopKind,
)
from peer_support.models import (
    FollowUp,
    Goal,
    GoalProgress,
    Meeting,
    PeerWorkshop,
    Referral,
    WorkshopAttendance,
    WorkshopFacilitator,
)
from peer_support.models.work import OPEN_GOAL_STATUSES
from peer_support.services.common import (
    access_log_write,
    access_log_write_many,
    check_past,
    clean_text,
    raise_if,
    require,
)

GOAL_TEXT_MAX_LENGTH = 200
PARTNER_NAME_MAX_LENGTH = 200
MEETING_MINUTES = (5, 480)
WORKSHOP_MINUTES = (15, 480)
WORKSHOP_TEXT_MAX_LENGTH = 200


# --- Goals ----------------------------------------------------------------------------


@transaction.atomic
def goal_set(
    *,
    actor: User,
    followup: FollowUp,
    kind: str,
    set_on: datetime.date,
    free_text: str = "",
) -> Goal:
    """A goal set with the person, from the catalogue or in their own words (a free
    goal); it starts "not started". One goal of each catalogue kind is open at a time."""
    require(perms.can_work_on(actor, followup))
    errors: dict = {}
    free_text = clean_text(free_text) if kind == GoalKind.FREE else ""
    if kind not in GoalKind.values:
        errors["kind"] = _("Choisissez un objectif.")
    elif kind == GoalKind.FREE and not free_text:
        errors["free_text"] = _("Écrivez l'objectif avec les mots de la personne.")
    elif len(free_text) > GOAL_TEXT_MAX_LENGTH:
        errors["free_text"] = _("%(max)s caractères au plus.") % {"max": GOAL_TEXT_MAX_LENGTH}
    check_past(set_on, "set_on", errors, what=_("La date"))
    if "set_on" not in errors and set_on < followup.opened_on:
        errors["set_on"] = _("Un objectif se fixe pendant le suivi (commencé le %(date)s).") % {
            "date": f"{followup.opened_on:%d/%m/%Y}"
        }
    raise_if(errors)
    if kind != GoalKind.FREE and Goal.objects.open().filter(followup=followup, kind=kind).exists():
        raise ValidationError({"kind": _("Cet objectif est déjà en cours pour cette personne.")})
    goal = Goal.objects.create(
        followup=followup,
        kind=kind,
        free_text=free_text,
        set_on=set_on,
        status=GoalStatus.NOT_STARTED,
        status_on=set_on,
        set_by=actor,
    )
    GoalProgress.objects.create(
        goal=goal, on=set_on, status=GoalStatus.NOT_STARTED, recorded_by=actor
    )
    access_log_write(actor=actor, action=AccessAction.CREATE, followup=followup, record=goal)
    return goal


@transaction.atomic
def goal_progress_record(
    *, actor: User, goal: Goal, status: str, on: datetime.date, note: str = ""
) -> GoalProgress:
    """Where a goal stands on a day (not started, in progress, reached, abandoned), with
    a short note. The goal's status is the one of its latest step."""
    goal = Goal.objects.select_for_update().select_related("followup").get(pk=goal.pk)
    followup = goal.followup
    require(perms.can_work_on(actor, followup))
    errors: dict = {}
    if status not in GoalStatus.values:
        errors["status"] = _("Choisissez où en est l'objectif.")
    check_past(on, "on", errors, what=_("La date"))
    if "on" not in errors and on < goal.set_on:
        errors["on"] = _("L'objectif a été fixé le %(date)s.") % {"date": f"{goal.set_on:%d/%m/%Y}"}
    raise_if(errors)
    is_latest = on >= goal.status_on
    if (
        is_latest
        and status in OPEN_GOAL_STATUSES
        and goal.kind != GoalKind.FREE
        and Goal.objects.open()
        .filter(followup=followup, kind=goal.kind)
        .exclude(pk=goal.pk)
        .exists()
    ):
        raise ValidationError(
            {
                "status": _("Un autre objectif « %(kind)s » est déjà en cours.")
                % {"kind": goal.get_kind_display()}
            }
        )
    progress = GoalProgress.objects.create(
        goal=goal, on=on, status=status, note=clean_text(note), recorded_by=actor
    )
    if is_latest:
        goal.status, goal.status_on = status, on
        goal.save(update_fields=["status", "status_on"])
    access_log_write(actor=actor, action=AccessAction.CREATE, followup=followup, record=progress)
    return progress


# --- Meetings -------------------------------------------------------------------------


def _check_meeting(
    followup: FollowUp,
    *,
    date: datetime.date,
    duration_minutes: int,
    mode: str,
    goals: Iterable[Goal],
) -> None:
    errors: dict = {}
    check_past(date, "date", errors, what=_("Une rencontre"))
    if "date" not in errors and date < followup.opened_on:
        errors["date"] = _("Le suivi a commencé le %(date)s.") % {
            "date": f"{followup.opened_on:%d/%m/%Y}"
        }
    if followup.closed_on and date > followup.closed_on:
        errors["date"] = _("Le suivi s'est terminé le %(date)s.") % {
            "date": f"{followup.closed_on:%d/%m/%Y}"
        }
    low, high = MEETING_MINUTES
    if not low <= duration_minutes <= high:
        errors["duration_minutes"] = _("Une rencontre dure entre 5 minutes et 8 heures.")
    if mode not in MeetingMode.values:
        errors["mode"] = _("Choisissez où ou comment la rencontre a eu lieu.")
    if any(goal.followup_id != followup.pk for goal in goals):
        errors["goals"] = _("Choisissez parmi les objectifs de cette personne.")
    raise_if(errors)


@transaction.atomic
def meeting_log(
    *,
    actor: User,
    followup: FollowUp,
    client_token: uuid.UUID,
    date: datetime.date,
    duration_minutes: int,
    mode: str,
    is_group: bool = False,
    goals: Iterable[Goal] = (),
    note: str = "",
    next_steps: str = "",
) -> tuple[Meeting, bool]:
    """A mediator who accompanies the person logs a meeting. Sent twice with the same
    client_token (the network dropped after the server got it), it is saved once:
    returns (meeting, created)."""
    existing = Meeting.objects.filter(client_token=client_token).first()
    if existing is not None:
        if existing.logged_by_id != actor.pk:
            raise PermissionDenied
        return existing, False
    require(perms.can_work_on(actor, followup))
    goals = list(goals)
    _check_meeting(followup, date=date, duration_minutes=duration_minutes, mode=mode, goals=goals)
    try:
        # A savepoint: the same form sent twice at once meets the unique token.
        with transaction.atomic():
            meeting = Meeting.objects.create(
                client_token=client_token,
                followup=followup,
                led_by=perms.peer_mediator_member(actor),
                date=date,
                duration_minutes=duration_minutes,
                mode=mode,
                is_group=is_group,
                note=clean_text(note),
                next_steps=clean_text(next_steps),
                logged_by=actor,
            )
    except IntegrityError:
        existing = Meeting.objects.filter(client_token=client_token).first()
        if existing is None or existing.logged_by_id != actor.pk:
            raise
        return existing, False
    if goals:
        # A new meeting has no goals yet: one INSERT, without the look-up set() makes.
        Meeting.goals.through.objects.bulk_create(
            Meeting.goals.through(meeting=meeting, goal=goal) for goal in dict.fromkeys(goals)
        )
    access_log_write(actor=actor, action=AccessAction.CREATE, followup=followup, record=meeting)
    return meeting, True


MEETING_FIELDS = ("date", "duration_minutes", "mode", "is_group", "goals", "note", "next_steps")


@transaction.atomic
def meeting_update(*, actor: User, meeting: Meeting, **fields) -> Meeting:
    """Rectify a meeting (date, duration_minutes, mode, is_group, goals, note,
    next_steps). Only the given fields change; the access log names them."""
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"meeting_update() cannot change {', '.join(sorted(unknown))}")
    meeting = Meeting.objects.select_for_update().select_related("followup").get(pk=meeting.pk)
    followup = meeting.followup
    require(perms.can_rectify(actor, followup))
    goals = list(fields.pop("goals")) if "goals" in fields else None
    for name in ("note", "next_steps"):
        if name in fields:
            fields[name] = clean_text(fields[name])
    _check_meeting(
        followup,
        date=fields.get("date", meeting.date),
        duration_minutes=fields.get("duration_minutes", meeting.duration_minutes),
        mode=fields.get("mode", meeting.mode),
        goals=goals or (),
    )
    changed = [name for name, value in fields.items() if getattr(meeting, name) != value]
    for name in changed:
        setattr(meeting, name, fields[name])
    if changed:
        meeting.save(update_fields=changed)
    if goals is not None and {g.pk for g in goals} != set(
        meeting.goals.values_list("pk", flat=True)
    ):
        meeting.goals.set(goals)
        changed.append("goals")
    if changed:
        access_log_write(
            actor=actor,
            action=AccessAction.CHANGE,
            followup=followup,
            record=meeting,
            fields=changed,
        )
    return meeting


@transaction.atomic
def meeting_delete(*, actor: User, meeting: Meeting) -> None:
    """Remove a meeting logged by mistake (on the wrong person, say): those who may
    rectify the record do it; the access log keeps that it existed and who removed it."""
    meeting = Meeting.objects.select_for_update().select_related("followup").get(pk=meeting.pk)
    followup = meeting.followup
    require(perms.can_rectify(actor, followup))
    access_log_write(actor=actor, action=AccessAction.DELETE, followup=followup, record=meeting)
    meeting.delete()


# --- Referrals ------------------------------------------------------------------------


@transaction.atomic
def referral_send(
    *,
    actor: User,
    followup: FollowUp,
    partner_kind: str,
    partner_name: str,
    consent_given_on: datetime.date,
    shared_info: str,
    sent_on: datetime.date,
) -> Referral:
    """Refer the person to a partner, with their consent to share: the register keeps
    what was shared with whom, and the answer is awaited (reminders if it does not come)."""
    require(perms.can_work_on(actor, followup))
    errors: dict = {}
    partner_name, shared_info = clean_text(partner_name), clean_text(shared_info)
    if partner_kind not in PartnerKind.values:
        errors["partner_kind"] = _("Choisissez le type de partenaire.")
    if not partner_name:
        errors["partner_name"] = _("Indiquez le nom du partenaire (structure ou service).")
    elif len(partner_name) > PARTNER_NAME_MAX_LENGTH:
        errors["partner_name"] = _("%(max)s caractères au plus.") % {"max": PARTNER_NAME_MAX_LENGTH}
    if not shared_info:
        errors["shared_info"] = _("Notez ce qui a été partagé avec le partenaire.")
    check_past(sent_on, "sent_on", errors, what=_("L'envoi"))
    check_past(consent_given_on, "consent_given_on", errors, what=_("L'accord de la personne"))
    if "sent_on" not in errors and sent_on < followup.opened_on:
        errors["sent_on"] = _("Le suivi a commencé le %(date)s.") % {
            "date": f"{followup.opened_on:%d/%m/%Y}"
        }
    if not errors and consent_given_on > sent_on:
        errors["consent_given_on"] = _(
            "La personne donne son accord avant que ses informations soient partagées."
        )
    raise_if(errors)
    referral = Referral.objects.create(
        followup=followup,
        partner_kind=partner_kind,
        partner_name=partner_name,
        consent_given_on=consent_given_on,
        shared_info=shared_info,
        sent_on=sent_on,
        sent_by=actor,
    )
    access_log_write(actor=actor, action=AccessAction.CREATE, followup=followup, record=referral)
    return referral


@transaction.atomic
def referral_answer(
    *,
    actor: User,
    referral: Referral,
    status: str,
    answered_on: datetime.date,
    refusal_reason: str = "",
) -> Referral:
    """The partner's answer: accepted, or refused with its reason. Reminders stop."""
    referral = Referral.objects.select_for_update().select_related("followup").get(pk=referral.pk)
    require(perms.can_rectify(actor, referral.followup))
    if referral.status != ReferralStatus.SENT:
        raise ValidationError(_("Cette orientation a déjà une réponse."))
    errors: dict = {}
    refusal_reason = clean_text(refusal_reason)
    if status not in (ReferralStatus.ACCEPTED, ReferralStatus.REFUSED):
        errors["status"] = _("Choisissez la réponse du partenaire.")
    elif status == ReferralStatus.REFUSED and not refusal_reason:
        errors["refusal_reason"] = _("Notez le motif du refus donné par le partenaire.")
    check_past(answered_on, "answered_on", errors, what=_("La réponse"))
    if "answered_on" not in errors and answered_on < referral.sent_on:
        errors["answered_on"] = _("L'orientation a été envoyée le %(date)s.") % {
            "date": f"{referral.sent_on:%d/%m/%Y}"
        }
    raise_if(errors)
    referral.status = status
    referral.answered_on = answered_on
    referral.refusal_reason = refusal_reason if status == ReferralStatus.REFUSED else ""
    referral.save(update_fields=["status", "answered_on", "refusal_reason"])
    access_log_write(
        actor=actor,
        action=AccessAction.CHANGE,
        followup=referral.followup,
        record=referral,
        fields=["status", "answered_on", "refusal_reason"],
    )
    return referral


def _followup_url(followup: FollowUp) -> str:
    """The person's page, once the pages exist; the home page until then."""
    try:
        return settings.SITE_URL + reverse("peer_support:followup_detail", args=[followup.pk])
    except NoReverseMatch:
        return settings.SITE_URL + reverse("home")


def _reminder_recipient(referral: Referral) -> User | None:
    """Who sent the referral, while they still accompany the person; else the main
    mediator."""
    sender = referral.sent_by
    member = perms.peer_mediator_member(sender) if sender.is_active else None
    if member is not None and (
        referral.followup.mediator_id == member.pk
        or referral.followup.comediations.filter(member=member).exists()
    ):
        return sender
    mediator = referral.followup.mediator
    if mediator.user is not None and mediator.user.is_active:
        return mediator.user
    return None


def referral_remind_due(*, today: datetime.date | None = None) -> int:
    """Remind the mediators of referrals that stay unanswered (see
    REFERRAL_REMIND_AFTER_DAYS). Each referral is claimed by a conditional update, in
    the transaction that stores the e-mail: run twice, or by two workers at once, a
    reminder is sent once. The e-mail names no one: the follow-up's number and the date.
    Returns the number of reminders sent."""
    today = today or timezone.localdate()
    sent = 0
    due = Referral.objects.reminder_due(today=today).order_by("pk")
    for pk, count in list(due.values_list("pk", "reminders_sent")):
        with transaction.atomic():
            claimed = (
                Referral.objects.filter(pk=pk, status=ReferralStatus.SENT, reminders_sent=count)
                .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today))
                .update(reminders_sent=F("reminders_sent") + 1, last_reminded_on=today)
            )
            if not claimed:
                continue
            referral = Referral.objects.select_related("followup__mediator__user", "sent_by").get(
                pk=pk
            )
            recipient = _reminder_recipient(referral)
            if recipient is None:
                continue
            context = {
                "referral": referral,
                "reference": referral.followup.reference,
                "waiting_days": (today - referral.sent_on).days,
                "followup_url": _followup_url(referral.followup),
                "recipient": recipient,
            }
            with override(settings.LANGUAGE_CODE):
                send_mail(
                    subject=render_to_string(
                        "peer_support/email/referral_reminder_subject.txt", context
                    ).strip(),
                    message=render_to_string(
                        "peer_support/email/referral_reminder_message.txt", context
                    ),
                    from_email=None,
                    recipient_list=[recipient.email],
                )
            sent += 1
    return sent


# --- Workshops ------------------------------------------------------------------------


def _check_workshop(fields: dict, *, actor: User, errors: dict) -> None:
    kind = fields["kind"]
    if kind not in WorkshopKind.values:
        errors["kind"] = _("Choisissez le type d'atelier.")
    if not fields["title"]:
        errors["title"] = _("Indiquez le thème de l'atelier.")
    for name in ("title", "place"):
        if len(fields[name]) > WORKSHOP_TEXT_MAX_LENGTH:
            errors[name] = _("%(max)s caractères au plus.") % {"max": WORKSHOP_TEXT_MAX_LENGTH}
    low, high = WORKSHOP_MINUTES
    if not low <= fields["duration_minutes"] <= high:
        errors["duration_minutes"] = _("Un atelier dure entre 15 minutes et 8 heures.")
    if fields["other_participants"] < 0:
        errors["other_participants"] = _("Un nombre de personnes n'est pas négatif.")
    mission = fields.get("mission")
    if mission is not None:
        if kind != WorkshopKind.CARE_TEAM_AWARENESS:
            errors["mission"] = _(
                "Seule une sensibilisation d'équipe soignante se rattache à une mission."
            )
        elif not Mission.objects.visible_to(actor).filter(pk=mission.pk).exists():
            errors["mission"] = _("Choisissez une de vos missions.")
    programme: Programme | None = fields.get("programme")
    if (
        programme is not None
        and not Programme.objects.active_on(fields["date"]).filter(pk=programme.pk).exists()
    ):
        errors["programme"] = _("Ce programme ne court pas à cette date.")


def _check_facilitators(facilitators: list[Member], errors: dict) -> None:
    from members.enums import Stage

    for member in facilitators:
        if not member.is_peer_mediator or member.stage == Stage.EXITED:
            errors["facilitators"] = _(
                "Seul·es des médiateur·rices pairs de la coopérative animent un atelier."
            )


@transaction.atomic
def workshop_create(
    *,
    actor: User,
    kind: str,
    title: str,
    date: datetime.date,
    duration_minutes: int,
    place: str = "",
    programme: Programme | None = None,
    mission: Mission | None = None,
    cofacilitators: Iterable[Member] = (),
    other_participants: int = 0,
    note: str = "",
) -> PeerWorkshop:
    """A peer mediator plans or records a workshop they run (with other mediators):
    a peer-to-peer workshop, or an awareness session for a care team, which may be one
    of their missions (billed to the establishment through activities)."""
    member = perms.peer_mediator_member(actor)
    if member is None:
        raise PermissionDenied
    fields = {
        "kind": kind,
        "title": clean_text(title),
        "date": date,
        "duration_minutes": duration_minutes,
        "place": clean_text(place),
        "programme": programme,
        "mission": mission,
        "other_participants": other_participants,
        "note": clean_text(note),
    }
    facilitators = [member, *(m for m in cofacilitators if m.pk != member.pk)]
    errors: dict = {}
    _check_workshop(fields, actor=actor, errors=errors)
    _check_facilitators(facilitators, errors)
    raise_if(errors)
    workshop = PeerWorkshop.objects.create(created_by=actor, **fields)
    WorkshopFacilitator.objects.bulk_create(
        WorkshopFacilitator(workshop=workshop, member=m) for m in dict.fromkeys(facilitators)
    )
    return workshop


WORKSHOP_FIELDS = (
    "title",
    "date",
    "duration_minutes",
    "place",
    "programme",
    "mission",
    "other_participants",
    "note",
)


@transaction.atomic
def workshop_update(
    *,
    actor: User,
    workshop: PeerWorkshop,
    cofacilitators: Iterable[Member] | None = None,
    **fields,
) -> PeerWorkshop:
    """Change a workshop (its facilitators change it); `cofacilitators` replaces the
    other facilitators. Its kind stays."""
    unknown = set(fields) - set(WORKSHOP_FIELDS)
    if unknown:
        raise TypeError(f"workshop_update() cannot change {', '.join(sorted(unknown))}")
    workshop = PeerWorkshop.objects.select_for_update().get(pk=workshop.pk)
    require(perms.can_change_workshop(actor, workshop))
    for name in ("title", "place", "note"):
        if name in fields:
            fields[name] = clean_text(fields[name])
    merged = {name: fields.get(name, getattr(workshop, name)) for name in WORKSHOP_FIELDS}
    merged["kind"] = workshop.kind
    errors: dict = {}
    _check_workshop(merged, actor=actor, errors=errors)
    member = perms.peer_mediator_member(actor)
    facilitators = None
    if cofacilitators is not None:
        facilitators = [member, *(m for m in cofacilitators if m.pk != member.pk)]
        _check_facilitators(facilitators, errors)
    if workshop.attendances.exists() and merged["date"] > timezone.localdate():
        errors["date"] = _("Des présences sont notées : l'atelier a déjà eu lieu.")
    raise_if(errors)
    for name, value in fields.items():
        setattr(workshop, name, value)
    workshop.save()
    if facilitators is not None:
        WorkshopFacilitator.objects.filter(workshop=workshop).delete()
        WorkshopFacilitator.objects.bulk_create(
            WorkshopFacilitator(workshop=workshop, member=m) for m in dict.fromkeys(facilitators)
        )
    return workshop


@transaction.atomic
def workshop_attendance_set(
    *, actor: User, workshop: PeerWorkshop, followups: Iterable[FollowUp]
) -> None:
    """Who among the people the actor accompanies came to the workshop (once it took
    place). Attendance of people the actor does not accompany is left as it is (another
    facilitator records it). Each person added or removed gets an access-log row."""
    workshop = PeerWorkshop.objects.select_for_update().get(pk=workshop.pk)
    require(perms.can_change_workshop(actor, workshop))
    if workshop.kind != WorkshopKind.PEER_TO_PEER:
        raise ValidationError(
            _("Les présences de personnes accompagnées se notent aux ateliers pair-à-pair.")
        )
    if workshop.date > timezone.localdate():
        raise ValidationError(_("Les présences se notent une fois l'atelier passé."))
    wanted = {followup.pk: followup for followup in followups}
    mine = {
        followup.pk: followup
        for followup in FollowUp.objects.visible_to(actor)
        .filter(erased_at__isnull=True, opened_on__lte=workshop.date)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=workshop.date))
    }
    if set(wanted) - set(mine):
        raise ValidationError(
            {"followups": _("Choisissez parmi les personnes suivies à la date de l'atelier.")}
        )
    present = dict(
        WorkshopAttendance.objects.filter(workshop=workshop, followup__in=list(mine)).values_list(
            "followup", "pk"
        )
    )
    removed = [pk for pk in present if pk not in wanted]
    added = [pk for pk in wanted if pk not in present]
    WorkshopAttendance.objects.filter(workshop=workshop, followup__in=removed).delete()
    WorkshopAttendance.objects.bulk_create(
        WorkshopAttendance(workshop=workshop, followup=mine[pk], recorded_by=actor) for pk in added
    )
    access_log_write_many(
        actor=actor,
        action=AccessAction.CHANGE,
        followups=[mine[pk] for pk in removed + added],
        record=workshop,
    )


def workshop_read(*, actor: User, workshop: PeerWorkshop) -> list[WorkshopAttendance]:
    """The attendance the actor may read (people they accompany, or all for the lead),
    each person shown written to the access log. The others count in
    `PeerWorkshop.objects.with_attendance()` without a name."""
    attendances = list(
        WorkshopAttendance.objects.filter(
            workshop=workshop, followup__in=FollowUp.objects.visible_to(actor)
        )
        .select_related("followup")
        .order_by("pk")
    )
    if attendances:
        access_log_write_many(
            actor=actor,
            action=AccessAction.VIEW,
            followups=[attendance.followup for attendance in attendances],
            record=workshop,
        )
    return attendances
