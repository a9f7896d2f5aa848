"""Meetings of a body: agenda, convocation within the notice period, attendance and
proxies, quorum, decisions with their votes, and the closing that makes the minutes
final."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coop.enums import (
    BodyKind,
    CollectiveKind,
    DecisionKind,
    DecisionResult,
    MajorityRule,
    MeetingAttendance,
)
from coop.governance.common import (
    fr_date,
    require_body_manager,
    today,
)
from coop.models import (
    AgendaItem,
    Associate,
    Body,
    CollectivePerson,
    Decision,
    Meeting,
    MeetingParticipant,
    Seat,
)
from members.models import User

# --- meetings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterEntry:
    name: str
    email: str
    person: CollectivePerson | None = None
    associate: Associate | None = None
    seat_kind: str = ""


def _associate_label(associate: Associate) -> str:
    if associate.person_id:
        return str(associate.person)
    return _("%(name)s (représentée par %(representative)s)") % {
        "name": associate.legal_name,
        "representative": associate.representative,
    }


def body_roster(body: Body, on: datetime.date) -> list[RosterEntry]:
    """Who a meeting of the body on that day convenes: every associate (the cooperative's
    general assembly), every member (a peer-help collective's), or the seats' holders."""
    if body.kind == BodyKind.GENERAL_ASSEMBLY:
        if body.collective.kind == CollectiveKind.COOPERATIVE:
            entries = [
                RosterEntry(
                    name=_associate_label(associate),
                    email=associate.contact_email,
                    person=associate.person,
                    associate=associate,
                )
                for associate in Associate.objects.current(on)
                .filter(collective=body.collective)
                .select_related("person")
            ]
        else:
            members = CollectivePerson.objects.filter(
                Q(left_on__isnull=True) | Q(left_on__gt=on),
                collective=body.collective,
                joined_on__lte=on,
            )
            entries = [
                RosterEntry(name=str(person), email=person.email, person=person)
                for person in members
            ]
    else:
        entries = [
            RosterEntry(
                name=str(seat.person) if seat.person_id else _associate_label(seat.associate),
                email=seat.person.email if seat.person_id else seat.associate.email,
                person=seat.person,
                associate=seat.associate,
                seat_kind=seat.kind,
            )
            for seat in Seat.objects.in_force(on)
            .filter(body=body)
            .select_related("person", "associate")
        ]
    return sorted(entries, key=lambda entry: entry.name.lower())


def convocation_deadline(meeting: Meeting) -> datetime.date:
    """The last day the convocation may leave: the body's notice before the meeting."""
    return timezone.localtime(meeting.starts_at).date() - datetime.timedelta(
        days=meeting.body.notice_days
    )


def _check_open(meeting: Meeting) -> None:
    if meeting.is_closed:
        raise ValidationError(_("Cette réunion est clôturée : son procès-verbal ne change plus."))


def _check_not_convened(meeting: Meeting) -> None:
    if meeting.is_convened:
        raise ValidationError(
            _(
                "La convocation est partie : la date, le lieu et l'ordre du jour ne changent "
                "plus. Pour les changer, prévoyez une nouvelle réunion."
            )
        )


def _check_started(meeting: Meeting) -> None:
    if timezone.localtime(meeting.starts_at).date() > today():
        raise ValidationError(
            _("La réunion a lieu le %(date)s : cela se note ce jour-là ou après.")
            % {"date": fr_date(timezone.localtime(meeting.starts_at).date())}
        )


def check_in_session(meeting: Meeting) -> None:
    """Attendance, decisions and the closing are noted once the meeting is convened, from
    its day on, and until it is closed."""
    _check_open(meeting)
    if not meeting.is_convened:
        raise ValidationError(
            _(
                "Convoquez d'abord la réunion : les présences se notent sur la liste des "
                "personnes convoquées."
            )
        )
    _check_started(meeting)


@transaction.atomic
def meeting_create(
    *, actor: User, body: Body, title: str, starts_at: datetime.datetime, place: str
) -> Meeting:
    require_body_manager(actor, body)
    if starts_at <= timezone.now():
        raise ValidationError(
            {"date": _("Une réunion se prépare à l'avance : choisissez une date à venir.")}
        )
    meeting = Meeting(body=body, title=title, starts_at=starts_at, place=place, created_by=actor)
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def meeting_update(
    *, actor: User, meeting: Meeting, title: str, starts_at: datetime.datetime, place: str
) -> Meeting:
    require_body_manager(actor, meeting.body)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_not_convened(meeting)
    if starts_at <= timezone.now():
        raise ValidationError(
            {"date": _("Une réunion se prépare à l'avance : choisissez une date à venir.")}
        )
    meeting.title, meeting.starts_at, meeting.place = title, starts_at, place
    meeting.full_clean()
    meeting.save(update_fields=["title", "starts_at", "place"])
    return meeting


@transaction.atomic
def agenda_item_add(
    *, actor: User, meeting: Meeting, title: str, description: str = ""
) -> AgendaItem:
    """The agenda leaves with the convocation; a body decides only on what it lists."""
    require_body_manager(actor, meeting.body)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_not_convened(meeting)
    last = meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0
    return AgendaItem.objects.create(
        meeting=meeting, position=last + 1, title=title, description=description
    )


@transaction.atomic
def agenda_item_remove(*, actor: User, item: AgendaItem) -> None:
    require_body_manager(actor, item.meeting.body)
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    _check_not_convened(meeting)
    position = item.position
    item.delete()
    # Close the gap, one row at a time from the top, so that positions stay unique.
    for later in meeting.agenda_items.filter(position__gt=position).order_by("position"):
        later.position -= 1
        later.save(update_fields=["position"])


@dataclass(frozen=True)
class ConvocationReport:
    mailed: int
    without_email: list[str]


@transaction.atomic
def meeting_convene(*, actor: User, meeting: Meeting) -> ConvocationReport:
    """Send the convocation with the agenda to everyone the body gathers on the meeting's
    day, within the body's notice period (refused after: a late convocation makes the
    meeting's decisions open to challenge). The list of people convened is kept: the
    quorum, attendance and proxies are counted on it."""
    require_body_manager(actor, meeting.body)
    meeting = (
        Meeting.objects.select_for_update().select_related("body__collective").get(pk=meeting.pk)
    )
    _check_not_convened(meeting)
    body = meeting.body
    agenda = list(meeting.agenda_items.order_by("position"))
    if not agenda:
        raise ValidationError(_("Ajoutez au moins un point à l'ordre du jour avant de convoquer."))
    deadline = convocation_deadline(meeting)
    if today() > deadline:
        raise ValidationError(
            ngettext(
                "Convocation refusée : elle doit partir au moins %(days)s jour avant la "
                "réunion, soit au plus tard le %(deadline)s. Reportez la réunion à une date "
                "plus lointaine.",
                "Convocation refusée : elle doit partir au moins %(days)s jours avant la "
                "réunion, soit au plus tard le %(deadline)s. Reportez la réunion à une date "
                "plus lointaine.",
                body.notice_days,
            )
            % {"days": body.notice_days, "deadline": fr_date(deadline)}
        )
    starts = timezone.localtime(meeting.starts_at)
    roster = body_roster(body, starts.date())
    if not roster:
        raise ValidationError(
            _("Personne n'est membre de cette instance : il n'y a qui convoquer.")
        )
    participants = MeetingParticipant.objects.bulk_create(
        [
            MeetingParticipant(
                meeting=meeting,
                person=entry.person,
                associate=entry.associate,
                name=entry.name[:300],
                email=entry.email,
                seat_kind=entry.seat_kind,
            )
            for entry in roster
        ]
    )
    context = {
        "meeting": meeting,
        "body": body,
        "agenda": agenda,
        "day": date_format(starts, "l j F Y"),
        "time": date_format(starts, "TIME_FORMAT"),
    }
    subject = render_to_string("coop/governance/email/convocation_subject.txt", context).strip()
    without_email = []
    for participant in participants:
        if not participant.email:
            without_email.append(participant.name)
            continue
        body_text = render_to_string(
            "coop/governance/email/convocation_message.txt",
            {**context, "participant": participant},
        )
        EmailMessage(subject=subject, body=body_text, to=[participant.email]).send()
    meeting.convened_at = timezone.now()
    meeting.convened_by = actor
    meeting.save(update_fields=["convened_at", "convened_by"])
    return ConvocationReport(
        mailed=len(participants) - len(without_email), without_email=without_email
    )


@dataclass(frozen=True)
class Quorum:
    convened: int
    present: int
    represented: int
    expected: int
    percent: int

    @property
    def voters(self) -> int:
        """Who votes: the members present and those they represent (one vote each)."""
        return self.present + self.represented

    @property
    def needed(self) -> int:
        return -(-self.convened * self.percent // 100)  # rounded up

    @property
    def reached(self) -> bool:
        return self.convened > 0 and self.voters >= self.needed

    @property
    def recorded(self) -> bool:
        return self.convened > 0 and self.expected == 0


def quorum_of(meeting: Meeting, participants: list[MeetingParticipant] | None = None) -> Quorum:
    """The quorum of a meeting: the members present or represented, against the body's
    rule (frozen in the meeting once it is closed)."""
    if participants is None:
        participants = list(meeting.participants.all())
    count = {status: 0 for status in MeetingAttendance.values}
    for participant in participants:
        count[participant.attendance] += 1
    percent = meeting.quorum_percent if meeting.is_closed else meeting.body.quorum_percent
    return Quorum(
        convened=len(participants),
        present=count[MeetingAttendance.PRESENT],
        represented=count[MeetingAttendance.REPRESENTED],
        expected=count[MeetingAttendance.EXPECTED],
        percent=percent,
    )


@transaction.atomic
def attendance_record(
    *, actor: User, meeting: Meeting, entries: dict[int, tuple[str, int | None]]
) -> Quorum:
    """Note who came: each person convened is present, excused, absent, or represented by
    a person present who holds their proxy (the body caps how many each may hold)."""
    require_body_manager(actor, meeting.body)
    meeting = Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)
    check_in_session(meeting)
    participants = {participant.pk: participant for participant in meeting.participants.all()}
    errors = {}
    for pk, participant in participants.items():
        status, holder = entries.get(pk, (None, None))
        if status not in MeetingAttendance.values or status == MeetingAttendance.EXPECTED:
            errors[f"attendance_{pk}"] = _("Dites si %(name)s était là.") % {
                "name": participant.name
            }
            continue
        participant.attendance = status
        participant.proxy_holder_id = holder if status == MeetingAttendance.REPRESENTED else None
    held: dict[int, list[MeetingParticipant]] = {}
    for pk, participant in participants.items():
        if participant.attendance != MeetingAttendance.REPRESENTED or f"attendance_{pk}" in errors:
            continue
        holder = participants.get(participant.proxy_holder_id)
        if holder is None:
            errors[f"proxy_{pk}"] = _("Choisissez qui représente %(name)s.") % {
                "name": participant.name
            }
        elif holder.pk == pk:
            errors[f"proxy_{pk}"] = _("On ne se donne pas pouvoir à soi-même.")
        elif holder.attendance != MeetingAttendance.PRESENT:
            errors[f"proxy_{pk}"] = _(
                "%(name)s n'était pas présent·e : seule une personne présente porte un pouvoir."
            ) % {"name": holder.name}
        else:
            held.setdefault(holder.pk, []).append(participant)
    for holder_pk, proxies in held.items():
        if len(proxies) > meeting.body.max_proxies:
            for participant in proxies:
                errors[f"proxy_{participant.pk}"] = ngettext(
                    "%(name)s porterait %(count)s pouvoirs : %(max)s au plus par personne.",
                    "%(name)s porterait %(count)s pouvoirs : %(max)s au plus par personne.",
                    len(proxies),
                ) % {
                    "name": participants[holder_pk].name,
                    "count": len(proxies),
                    "max": meeting.body.max_proxies,
                }
    if errors:
        raise ValidationError(errors)
    MeetingParticipant.objects.bulk_update(participants.values(), ["attendance", "proxy_holder"])
    quorum = quorum_of(meeting, list(participants.values()))
    decisions = list(meeting.decisions.all())
    if decisions:
        most = max(d.votes_for + d.votes_against + d.votes_abstain for d in decisions)
        if not quorum.reached or quorum.voters < most:
            raise ValidationError(
                _(
                    "Des décisions sont déjà votées, avec jusqu'à %(most)s voix et le quorum "
                    "atteint : ces présences ne le permettraient pas. Vérifiez-les."
                )
                % {"most": most}
            )
    return quorum


def majority_result(rule: str, *, votes_for: int, against: int, abstain: int) -> DecisionResult:
    """Whether a decision passes under a majority rule. Abstentions are not votes cast
    (the law on cooperatives since 2014), except under the absolute majority of those who
    vote and under unanimity."""
    if rule == MajorityRule.SIMPLE:
        adopted = votes_for > against
    elif rule == MajorityRule.ABSOLUTE:
        adopted = 2 * votes_for > votes_for + against + abstain
    elif rule == MajorityRule.TWO_THIRDS:
        adopted = votes_for > 0 and 3 * votes_for >= 2 * (votes_for + against)
    elif rule == MajorityRule.UNANIMITY:
        adopted = votes_for > 0 and against == 0 and abstain == 0
    else:
        raise ValueError(rule)
    return DecisionResult.ADOPTED if adopted else DecisionResult.REJECTED


@transaction.atomic
def decision_record(
    *,
    actor: User,
    meeting: Meeting,
    agenda_item: AgendaItem,
    title: str,
    kind: str,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
    text: str = "",
) -> Decision:
    """A decision on an item of the agenda, its votes and its result under the body's
    majority for its kind. A body decides only with its quorum reached, and no more
    votes than its members present or represented."""
    require_body_manager(actor, meeting.body)
    meeting = Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)
    check_in_session(meeting)
    if agenda_item.meeting_id != meeting.pk:
        raise ValidationError(
            {"agenda_item": _("Choisissez un point de l'ordre du jour de cette réunion.")}
        )
    if kind not in DecisionKind.values:
        raise ValidationError({"kind": _("Choisissez la nature de la décision.")})
    quorum = quorum_of(meeting)
    if not quorum.recorded:
        raise ValidationError(_("Notez d'abord les présences : le quorum se compte sur elles."))
    if not quorum.reached:
        raise ValidationError(
            _(
                "Le quorum n'est pas atteint (%(voters)s membres présents ou représentés, "
                "%(needed)s nécessaires) : l'instance ne peut pas décider."
            )
            % {"voters": quorum.voters, "needed": quorum.needed}
        )
    total = votes_for + votes_against + votes_abstain
    if total < 1:
        raise ValidationError({"votes_for": _("Notez les voix : au moins une.")})
    if total > quorum.voters:
        raise ValidationError(
            {
                "votes_for": _(
                    "%(total)s voix pour %(voters)s membres présents ou représentés : une "
                    "personne, une voix."
                )
                % {"total": total, "voters": quorum.voters}
            }
        )
    majority = meeting.body.majority_for(kind)
    last = meeting.decisions.aggregate(last=Max("position"))["last"] or 0
    decision = Decision(
        meeting=meeting,
        agenda_item=agenda_item,
        position=last + 1,
        title=title,
        text=text,
        kind=kind,
        majority=majority,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        result=majority_result(
            majority, votes_for=votes_for, against=votes_against, abstain=votes_abstain
        ),
        recorded_by=actor,
    )
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def meeting_close(
    *, actor: User, meeting: Meeting, chair: str, secretary: str = "", notes: str = ""
) -> Meeting:
    """Close the meeting: its minutes become final, with the quorum as it stood."""
    require_body_manager(actor, meeting.body)
    meeting = Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)
    check_in_session(meeting)
    quorum = quorum_of(meeting)
    if not quorum.recorded:
        raise ValidationError(_("Notez d'abord les présences de chaque personne convoquée."))
    if not chair.strip():
        raise ValidationError({"chair": _("Qui a présidé la séance ?")})
    meeting.chair, meeting.secretary, meeting.notes = chair.strip(), secretary.strip(), notes
    meeting.quorum_percent = meeting.body.quorum_percent
    meeting.quorum_reached = quorum.reached
    meeting.closed_at = timezone.now()
    meeting.closed_by = actor
    meeting.save(
        update_fields=[
            "chair",
            "secretary",
            "notes",
            "quorum_percent",
            "quorum_reached",
            "closed_at",
            "closed_by",
        ]
    )
    return meeting
