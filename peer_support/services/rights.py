"""The person's rights over their follow-up: export everything (JSON and PDF), erase;
and the retention rule, which anonymises follow-ups closed long ago."""

import datetime

import weasyprint
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from members.models import User
from peer_support import perms
from peer_support.enums import AccessAction, ErasureReason, Outcome
from peer_support.models import (
    AccessLog,
    Consent,
    FollowUp,
    Goal,
    GoalProgress,
    Meeting,
    Referral,
)
from peer_support.services.common import access_log_write, require
from peer_support.services.followups import locked

EXPORT_FORMAT = "entrepairs.peer_support.followup/1"


def _label(instance, field: str) -> str:
    value = getattr(instance, field)
    if not value:
        return ""
    return str(getattr(instance, f"get_{field}_display")())


def _person(member) -> str:
    return f"{member.first_name} {member.last_name}"


def _export_data(followup: FollowUp, *, actor: User, at: datetime.datetime) -> dict:
    """Everything the platform holds about the person, in plain words (labels in the
    current language). Dates and times are `date`/`datetime` objects: Django's JSON
    encoder (JsonResponse) writes them in ISO 8601."""
    followup = FollowUp.objects.for_page().get(pk=followup.pk)
    goals = list(followup.goals.all())
    access = (
        AccessLog.objects.filter(followup=followup).select_related("actor").order_by("at", "pk")
    )
    return {
        "format": EXPORT_FORMAT,
        "exported_at": at,
        "exported_by": actor.get_full_name(),
        "followup": {
            "reference": followup.reference,
            "pseudonym": followup.pseudonym,
            "birth_year": followup.birth_year,
            "age_band": _label(followup, "age_band"),
            "esf_age_band": _label(followup, "esf_age_band"),
            "gender": _label(followup, "gender"),
            "commune": followup.commune,
            "postcode": followup.postcode,
            "department": followup.department,
            "arrival_route": _label(followup, "arrival_route"),
            "programme": followup.programme.name if followup.programme else "",
            "opened_on": followup.opened_on,
            "closed_on": followup.closed_on,
            "outcome": _label(followup, "outcome"),
            "outcome_note": followup.outcome_note,
            "erased_at": followup.erased_at,
            "erasure_reason": _label(followup, "erasure_reason"),
        },
        "mediators": [
            {"name": _person(followup.mediator), "role": "main", "since": followup.opened_on},
            *(
                {"name": _person(co.member), "role": "co-mediator", "since": co.added_on}
                for co in followup.comediations.all()
            ),
        ],
        "consents": [
            {
                "scope": _label(consent, "scope"),
                "given_on": consent.given_on,
                "explanation": consent.explanation,
                "withdrawn_on": consent.withdrawn_on,
            }
            for consent in followup.consents.all()
        ],
        "situations": [
            {
                "checkpoint": _label(situation, "checkpoint"),
                "recorded_on": situation.recorded_on,
                "housing": _label(situation, "housing"),
                "resource": _label(situation, "resource"),
                "care_follow_up": _label(situation, "care_follow_up"),
            }
            for situation in followup.situations.all()
        ],
        "goals": [
            {
                "goal": goal.label,
                "kind": _label(goal, "kind"),
                "set_on": goal.set_on,
                "status": _label(goal, "status"),
                "progress": [
                    {"on": step.on, "status": _label(step, "status"), "note": step.note}
                    for step in goal.progress.all()
                ],
            }
            for goal in goals
        ],
        "meetings": [
            {
                "date": meeting.date,
                "duration_minutes": meeting.duration_minutes,
                "mode": _label(meeting, "mode"),
                "is_group": meeting.is_group,
                "led_by": _person(meeting.led_by),
                "goals": [goal.label for goal in meeting.goals.all()],
                "note": meeting.note,
                "next_steps": meeting.next_steps,
            }
            for meeting in followup.meetings.all()
        ],
        "referrals": [
            {
                "partner_kind": _label(referral, "partner_kind"),
                "partner_name": referral.partner_name,
                "consent_given_on": referral.consent_given_on,
                "shared_info": referral.shared_info,
                "sent_on": referral.sent_on,
                "status": _label(referral, "status"),
                "answered_on": referral.answered_on,
                "refusal_reason": referral.refusal_reason,
            }
            for referral in followup.referrals.all()
        ],
        "workshops": [
            {
                "date": attendance.workshop.date,
                "title": attendance.workshop.title,
                "kind": _label(attendance.workshop, "kind"),
            }
            for attendance in followup.workshop_attendances.all()
        ],
        # Who read or changed the record: part of the person's right of access.
        "access_log": [
            {
                "at": entry.at,
                "by": entry.actor.get_full_name() if entry.actor else "",
                "role": _label(entry.actor, "role") if entry.actor else "",
                "action": _label(entry, "action"),
            }
            for entry in access
        ],
    }


@transaction.atomic
def followup_export(*, actor: User, followup: FollowUp) -> dict:
    """Everything about the person, for a JSON download (their right of access): see
    `_export_data` for the shape. Written to the access log."""
    require(perms.can_export(actor, followup))
    at = timezone.now()
    access_log_write(actor=actor, action=AccessAction.EXPORT, followup=followup)
    return _export_data(followup, actor=actor, at=at)


@transaction.atomic
def followup_export_pdf(*, actor: User, followup: FollowUp) -> bytes:
    """The same export as a readable PDF (template peer_support/export.html), to hand
    to the person. Written to the access log."""
    data = followup_export(actor=actor, followup=followup)
    html = render_to_string("peer_support/export.html", {"data": data})
    # No base URL: the template carries its own styles and fetches nothing.
    return weasyprint.HTML(string=html).write_pdf()


def _scrub(followup_id: int, *, reason: ErasureReason, at: datetime.datetime) -> bool:
    """Replace the identity and every free text of the follow-up; keep what anonymous
    counts need (gender, age band, department, arrival route, dates, outcome, situations,
    goal kinds and statuses, meeting dates, durations and modes, referral kinds and
    statuses, workshop attendance). The follow-up row is claimed by a conditional
    update: returns False when it was already erased (by another worker, say)."""
    claimed = FollowUp.objects.filter(pk=followup_id, erased_at__isnull=True).update(
        pseudonym="",
        birth_year=None,
        commune="",
        postcode="",
        outcome_note="",
        erased_at=at,
        erasure_reason=reason,
    )
    if not claimed:
        return False
    Consent.objects.filter(followup_id=followup_id).update(explanation="")
    Goal.objects.filter(followup_id=followup_id).update(free_text="")
    GoalProgress.objects.filter(goal__followup_id=followup_id).update(note="")
    Meeting.objects.filter(followup_id=followup_id).update(note="", next_steps="")
    Referral.objects.filter(followup_id=followup_id).update(
        partner_name="", shared_info="", refusal_reason=""
    )
    return True


@transaction.atomic
def followup_erase(*, actor: User, followup: FollowUp) -> FollowUp:
    """The person's right to erasure, carried out by the lead: identity and free text
    are replaced for good, the anonymous counts stay (research keeps them only while the
    research consent stands). An open follow-up is closed today, ended by the person."""
    followup = locked(followup)
    require(perms.can_erase(actor, followup))
    if followup.closed_on is None:
        FollowUp.objects.filter(pk=followup.pk).update(
            closed_on=max(timezone.localdate(), followup.opened_on),
            outcome=Outcome.PERSON_ENDED,
        )
    _scrub(followup.pk, reason=ErasureReason.PERSON_REQUEST, at=timezone.now())
    access_log_write(actor=actor, action=AccessAction.ERASE, followup=followup)
    followup.refresh_from_db()
    return followup


def followups_anonymise_expired(
    *, today: datetime.date | None = None, years: int | None = None
) -> int:
    """The retention rule: follow-ups closed more than PEER_SUPPORT_RETENTION_YEARS
    ago are anonymised like an erasure, each in its own transaction with its
    access-log row (no actor: the rule did it). Safe to run twice or in two workers at
    once: each follow-up is claimed by a conditional update. Returns how many were
    anonymised."""
    today = today or timezone.localdate()
    years = settings.PEER_SUPPORT_RETENTION_YEARS if years is None else years
    due = list(
        FollowUp.objects.retention_due(today=today, years=years)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in due:
        with transaction.atomic():
            at = timezone.now()
            if not _scrub(pk, reason=ErasureReason.RETENTION, at=at):
                continue
            AccessLog.objects.create(
                actor=None,
                action=AccessAction.ANONYMISE,
                followup_id=pk,
                record_type=FollowUp._meta.label_lower,
                record_id=pk,
                at=at,
            )
            done += 1
    return done
