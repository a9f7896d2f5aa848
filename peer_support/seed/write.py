"""Writing what was drawn: through the services in the demo (so that the data is what
the platform writes, access log included), as plain rows in bulk in the large size."""

import datetime
from collections import defaultdict

from django.core.management.color import no_style
from django.db import connection
from django.db.models import F, Max

from coop.geo import department_from_postcode
from members.models import User
from peer_support import services
from peer_support.crypto import encrypt
from peer_support.enums import AccessAction, AgeBand, ErasureReason, EsfAgeBand, ReferralStatus
from peer_support.models import (
    AccessLog,
    CoMediator,
    Consent,
    FollowUp,
    Goal,
    GoalProgress,
    Meeting,
    PeerWorkshop,
    Referral,
    Situation,
    WorkshopAttendance,
    WorkshopFacilitator,
)
from peer_support.seed.draw import FollowUpDraw, at
from peer_support.seed.texts import RESEARCH_EXPLANATION

BATCH_SIZE = 5000
ENCRYPTED_BATCH_SIZE = 2000


# --- The demo: through the services ---------------------------------------------------


def write_with_services(draws: list[FollowUpDraw], *, lead: User) -> list[FollowUp]:
    """Each follow-up as its mediators would have written it, in the order things
    happened; then the times the services stamp moved back to when they happened (the
    access log keeps the seeding time: nothing changes it, not even the seed)."""
    followups = []
    for draw in draws:
        followups.append(_write_one(draw, lead=lead))
    return followups


def _write_one(draw: FollowUpDraw, *, lead: User) -> FollowUp:
    user = draw.mediator.user
    entry = draw.situations[0]
    followup = services.followup_open(
        actor=user,
        pseudonym=draw.pseudonym,
        birth_year=draw.birth_year,
        gender=draw.gender,
        commune=draw.commune,
        postcode=draw.postcode,
        arrival_route=draw.arrival_route,
        opened_on=draw.opened_on,
        housing=entry.housing,
        resource=entry.resource,
        care_follow_up=entry.care_follow_up,
        consent_given_on=draw.opened_on,
        consent_explanation=draw.consent_explanation,
        research_consent_given_on=draw.research_consent_on,
        research_consent_explanation=_research_text(draw),
        programme=draw.programme,
    )
    FollowUp.objects.filter(pk=followup.pk).update(created_at=at(draw.opened_on, 10))
    if draw.comediator is not None:
        services.comediator_add(actor=user, followup=followup, member=draw.comediator.member)
        CoMediator.objects.filter(followup=followup).update(added_on=draw.comediator_since)
    goals = []
    for goal_draw in draw.goals:
        goals.append(
            services.goal_set(
                actor=user,
                followup=followup,
                kind=goal_draw.kind,
                set_on=goal_draw.set_on,
                free_text=goal_draw.free_text,
            )
        )
    for meeting_draw in draw.meetings:
        author = draw.comediator.user if meeting_draw.by_comediator else user
        meeting, _created = services.meeting_log(
            actor=author,
            followup=followup,
            client_token=meeting_draw.token,
            date=meeting_draw.date,
            duration_minutes=meeting_draw.duration_minutes,
            mode=meeting_draw.mode,
            is_group=meeting_draw.is_group,
            goals=[goals[index] for index in meeting_draw.goals],
            note=meeting_draw.note,
            next_steps=meeting_draw.next_steps,
        )
        Meeting.objects.filter(pk=meeting.pk).update(logged_at=at(meeting_draw.date, 18))
    for goal, goal_draw in zip(goals, draw.goals, strict=True):
        for on, status, note in goal_draw.steps:
            step = services.goal_progress_record(
                actor=user, goal=goal, status=status, on=on, note=note
            )
            GoalProgress.objects.filter(pk=step.pk).update(recorded_at=at(on, 19))
    GoalProgress.objects.filter(goal__followup=followup, goal__set_on=F("on")).update(
        recorded_at=at(draw.opened_on, 10, 30)
    )
    for referral_draw in draw.referrals:
        referral = services.referral_send(
            actor=user,
            followup=followup,
            partner_kind=referral_draw.partner_kind,
            partner_name=referral_draw.partner_name,
            consent_given_on=referral_draw.consent_given_on,
            shared_info=referral_draw.shared_info,
            sent_on=referral_draw.sent_on,
        )
        if referral_draw.status != ReferralStatus.SENT:
            services.referral_answer(
                actor=user,
                referral=referral,
                status=referral_draw.status,
                answered_on=referral_draw.answered_on,
                refusal_reason=referral_draw.refusal_reason,
            )
    if draw.research_withdrawn_on is not None:
        services.research_consent_withdraw(
            actor=user, followup=followup, on=draw.research_withdrawn_on
        )
    if draw.closed_on is not None:
        services.followup_close(
            actor=user,
            followup=followup,
            closed_on=draw.closed_on,
            outcome=draw.outcome,
            outcome_note=draw.outcome_note,
        )
        for situation in draw.situations[1:]:
            services.followup_record_later_situation(
                actor=user,
                followup=followup,
                checkpoint=situation.checkpoint,
                recorded_on=situation.recorded_on,
                housing=situation.housing,
                resource=situation.resource,
                care_follow_up=situation.care_follow_up,
            )
    if draw.erasure is not None:
        services.followup_erase(actor=lead, followup=followup)
        FollowUp.objects.filter(pk=followup.pk).update(erased_at=draw.erasure[1])
    return followup


def _research_text(draw: FollowUpDraw) -> str:
    return RESEARCH_EXPLANATION if draw.research_consent_on else ""


# --- The large size: in bulk ----------------------------------------------------------


class BulkWriter:
    """Writes follow-ups a batch at a time: the rows the services write (access log
    included: creation of each follow-up and meeting, erasures and anonymisations), sent
    as plain tuples (`executemany`): building a million model instances for
    `bulk_create` would cost minutes of Python. Values go through the backend's own
    adapters and free text through the encryption of EncryptedTextField, so that SQLite
    and PostgreSQL store what the ORM would. Keeps, for the workshops, who was followed
    by whom when."""

    FOLLOWUP = (
        "id",
        "mediator",
        "programme",
        "pseudonym",
        "birth_year",
        "age_band",
        "esf_age_band",
        "gender",
        "commune",
        "postcode",
        "department",
        "arrival_route",
        "opened_on",
        "closed_on",
        "outcome",
        "outcome_note",
        "erased_at",
        "erasure_reason",
        "created_by",
        "created_at",
    )
    COMEDIATOR = ("followup", "member", "added_on", "added_by")
    CONSENT = ("followup", "scope", "given_on", "explanation", "recorded_by", "withdrawn_on")
    SITUATION = (
        "followup",
        "checkpoint",
        "recorded_on",
        "housing",
        "resource",
        "care_follow_up",
        "recorded_by",
    )
    GOAL = ("id", "followup", "kind", "free_text", "set_on", "status", "status_on", "set_by")
    PROGRESS = ("goal", "on", "status", "note", "recorded_by", "recorded_at")
    MEETING = (
        "id",
        "client_token",
        "followup",
        "led_by",
        "date",
        "duration_minutes",
        "mode",
        "is_group",
        "note",
        "next_steps",
        "logged_by",
        "logged_at",
    )
    MEETING_GOAL = ("meeting", "goal")
    REFERRAL = (
        "followup",
        "partner_kind",
        "partner_name",
        "consent_given_on",
        "shared_info",
        "sent_on",
        "status",
        "answered_on",
        "refusal_reason",
        "reminders_sent",
        "last_reminded_on",
        "sent_by",
    )
    LOG = ("at", "actor", "action", "followup", "record_type", "record_id", "fields")

    def __init__(self, *, lead: User):
        self.lead = lead
        # Keys chosen here, so that the rows pointing at them need no read back.
        self.next_ids = {
            model: (model.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
            for model in (FollowUp, Goal, Meeting)
        }
        self.native_uuid = connection.features.has_native_uuid_field
        self.date = connection.ops.adapt_datefield_value
        self.datetime = connection.ops.adapt_datetimefield_value
        # mediator member pk -> [(opened_on, last day, follow-up pk, erased)]
        self.caseloads: dict[int, list[tuple[datetime.date, datetime.date, int, bool]]] = (
            defaultdict(list)
        )

    def _id(self, model) -> int:
        pk = self.next_ids[model]
        self.next_ids[model] += 1
        return pk

    def write(self, draws: list[FollowUpDraw]) -> None:
        rows: dict[str, list[tuple]] = defaultdict(list)
        for draw in draws:
            self._followup(draw, rows)
        _insert(FollowUp, self.FOLLOWUP, rows["followup"])
        _insert(CoMediator, self.COMEDIATOR, rows["comediator"])
        _insert(Consent, self.CONSENT, rows["consent"])
        _insert(Situation, self.SITUATION, rows["situation"])
        _insert(Goal, self.GOAL, rows["goal"])
        _insert(GoalProgress, self.PROGRESS, rows["progress"])
        _insert(Meeting, self.MEETING, rows["meeting"])
        _insert(Meeting.goals.through, self.MEETING_GOAL, rows["meeting_goal"])
        _insert(Referral, self.REFERRAL, rows["referral"])
        _insert(AccessLog, self.LOG, rows["log"])

    def _followup(self, draw: FollowUpDraw, rows: dict[str, list[tuple]]) -> None:
        date, when = self.date, self.datetime
        erased = draw.erasure is not None

        def text(value: str) -> str:
            """What the encrypted column holds: nothing once erased."""
            return encrypt(value) if value and not erased else ""

        pk = self._id(FollowUp)
        mediator, user = draw.mediator.member.pk, draw.mediator.user.pk
        created_at = at(draw.opened_on, 10)
        self.caseloads[mediator].append((draw.opened_on, draw.end, pk, erased))
        rows["followup"].append(
            (
                pk,
                mediator,
                draw.programme.pk if draw.programme else None,
                text(draw.pseudonym),
                None if erased else draw.birth_year,
                AgeBand.of(draw.birth_year, draw.opened_on.year).value,
                EsfAgeBand.of(draw.birth_year, draw.opened_on.year).value,
                draw.gender.value,
                "" if erased else draw.commune,
                "" if erased else draw.postcode,
                department_from_postcode(draw.postcode),
                draw.arrival_route.value,
                date(draw.opened_on),
                date(draw.closed_on),
                str(draw.outcome),
                text(draw.outcome_note),
                when(draw.erasure[1]) if erased else None,
                draw.erasure[0].value if erased else "",
                user,
                when(created_at),
            )
        )
        log = rows["log"]
        log.append((when(created_at), user, "create", pk, "peer_support.followup", pk, ""))
        if draw.comediator is not None:
            rows["comediator"].append(
                (pk, draw.comediator.member.pk, date(draw.comediator_since), user)
            )
        rows["consent"].append(
            (pk, "processing", date(draw.opened_on), text(draw.consent_explanation), user, None)
        )
        if draw.research_consent_on:
            rows["consent"].append(
                (
                    pk,
                    "research",
                    date(draw.research_consent_on),
                    text(RESEARCH_EXPLANATION),
                    user,
                    date(draw.research_withdrawn_on),
                )
            )
        for situation in draw.situations:
            rows["situation"].append(
                (
                    pk,
                    situation.checkpoint.value,
                    date(situation.recorded_on),
                    situation.housing.value,
                    situation.resource.value,
                    situation.care_follow_up.value,
                    user,
                )
            )
        goal_ids = []
        for goal in draw.goals:
            goal_id = self._id(Goal)
            goal_ids.append(goal_id)
            status, status_on = goal.status
            rows["goal"].append(
                (
                    goal_id,
                    pk,
                    goal.kind.value,
                    text(goal.free_text),
                    date(goal.set_on),
                    status.value,
                    date(status_on),
                    user,
                )
            )
            rows["progress"].append(
                (goal_id, date(goal.set_on), "not_started", "", user, when(at(goal.set_on, 10, 30)))
            )
            for on, step_status, note in goal.steps:
                rows["progress"].append(
                    (goal_id, date(on), step_status.value, text(note), user, when(at(on, 19)))
                )
        for meeting in draw.meetings:
            meeting_id = self._id(Meeting)
            author = draw.comediator if meeting.by_comediator else draw.mediator
            logged_at = when(at(meeting.date, 18))
            rows["meeting"].append(
                (
                    meeting_id,
                    meeting.token if self.native_uuid else meeting.token.hex,
                    pk,
                    author.member.pk,
                    date(meeting.date),
                    meeting.duration_minutes,
                    meeting.mode.value,
                    meeting.is_group,
                    text(meeting.note),
                    text(meeting.next_steps),
                    author.user.pk,
                    logged_at,
                )
            )
            rows["meeting_goal"] += [(meeting_id, goal_ids[index]) for index in meeting.goals]
            log.append(
                (logged_at, author.user.pk, "create", pk, "peer_support.meeting", meeting_id, "")
            )
        for referral in draw.referrals:
            rows["referral"].append(
                (
                    pk,
                    referral.partner_kind.value,
                    text(referral.partner_name),
                    date(referral.consent_given_on),
                    text(referral.shared_info),
                    date(referral.sent_on),
                    referral.status.value,
                    date(referral.answered_on),
                    text(referral.refusal_reason),
                    referral.reminders_sent,
                    date(referral.last_reminded_on),
                    user,
                )
            )
        if erased:
            reason, erased_at = draw.erasure
            # The retention rule acts alone; an erasure on request is the lead's.
            if reason == ErasureReason.RETENTION:
                actor, action = None, AccessAction.ANONYMISE
            else:
                actor, action = self.lead.pk, AccessAction.ERASE
            log.append((when(erased_at), actor, action.value, pk, "peer_support.followup", pk, ""))

    def finish(self) -> None:
        """Keys were chosen here: the database's sequences follow (PostgreSQL). The
        planner gets fresh statistics of the tables just filled."""
        statements = connection.ops.sequence_reset_sql(no_style(), [FollowUp, Goal, Meeting])
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            for model in (FollowUp, Meeting, Goal, GoalProgress, Referral, AccessLog, Situation):
                cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


def _insert(model, names: tuple[str, ...], rows: list[tuple]) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(
                # Names come from the models, values go as parameters.
                f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})",  # noqa: S608
                rows[start : start + BATCH_SIZE],
            )


def write_workshops(workshops: list[dict]) -> None:
    """Workshops with their facilitators and attendance (and the access-log row of each
    attendance recorded), in bulk."""
    objects = [PeerWorkshop(**workshop["fields"]) for workshop in workshops]
    PeerWorkshop.objects.bulk_create(objects, batch_size=ENCRYPTED_BATCH_SIZE)
    facilitations, attendances, log = [], [], []
    for workshop, drawn in zip(objects, workshops, strict=True):
        facilitations += [
            WorkshopFacilitator(workshop=workshop, member=member)
            for member in drawn["facilitators"]
        ]
        recorded_at = at(workshop.date, 18, 30)
        for pk in drawn["attendees"]:
            attendances.append(
                WorkshopAttendance(
                    workshop=workshop, followup_id=pk, recorded_by=drawn["recorded_by"]
                )
            )
            log.append(
                AccessLog(
                    actor=drawn["recorded_by"],
                    action=AccessAction.CHANGE,
                    followup_id=pk,
                    record_type=PeerWorkshop._meta.label_lower,
                    record_id=workshop.pk,
                    at=recorded_at,
                )
            )
    WorkshopFacilitator.objects.bulk_create(facilitations, batch_size=BATCH_SIZE)
    WorkshopAttendance.objects.bulk_create(attendances, batch_size=BATCH_SIZE)
    AccessLog.objects.bulk_create(log, batch_size=BATCH_SIZE)
