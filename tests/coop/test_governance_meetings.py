"""Meetings: agenda, convocation e-mailed within the notice period, attendance and
proxies, quorum, decisions under the body's majorities, closing."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from coop import governance
from coop.enums import (
    DecisionKind,
    DecisionResult,
    MajorityRule,
    MeetingAttendance,
    SeatKind,
)
from coop.models import Meeting, MeetingParticipant, OutgoingEmail
from members.enums import Role
from tests.coop.factories_collectives import CollectiveFactory, CollectivePersonFactory
from tests.coop.factories_governance import (
    AgendaItemFactory,
    AssociateFactory,
    BodyFactory,
    MeetingFactory,
    SeatFactory,
    at_six_pm,
    convene,
    days_from_today,
    held_meeting,
    let_time_pass,
)
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

PRESENT = MeetingAttendance.PRESENT
ABSENT = MeetingAttendance.ABSENT
EXCUSED = MeetingAttendance.EXCUSED
REPRESENTED = MeetingAttendance.REPRESENTED


@pytest.fixture
def coordinator():
    return UserFactory(role=Role.COORDINATOR)


def _council(members: int, **body_fields):
    """A council of `members` elected seats, each holder with an e-mail address."""
    body = BodyFactory(**body_fields)
    for _ in range(members):
        SeatFactory(body=body)
    return body


def _participants(meeting):
    return list(meeting.participants.order_by("name", "pk"))


def _attendance(meeting, statuses, holders=None):
    """Entries for attendance_record: statuses in the order of the participants' names;
    holders maps a participant's index to its proxy holder's index."""
    people = _participants(meeting)
    holders = holders or {}
    return {
        person.pk: (status, people[holders[index]].pk if index in holders else None)
        for index, (person, status) in enumerate(zip(people, statuses, strict=True))
    }


# --- agenda and convocation -------------------------------------------------------------


def test_agenda_items_are_numbered_and_removed_in_order(coordinator):
    meeting = MeetingFactory()
    items = [
        governance.agenda_item_add(actor=coordinator, meeting=meeting, title=title)
        for title in ("Rapport moral", "Comptes", "Budget")
    ]
    assert [item.position for item in items] == [1, 2, 3]
    governance.agenda_item_remove(actor=coordinator, item=items[0])
    assert list(meeting.agenda_items.values_list("position", "title")) == [
        (1, "Comptes"),
        (2, "Budget"),
    ]


def test_convocation_mails_everyone_with_the_agenda(coordinator, settings):
    settings.EMAIL_BACKEND = "coop.mail.OutboxBackend"
    body = _council(3)
    no_email = SeatFactory(body=body, person__email="")
    meeting = MeetingFactory(body=body, title="Conseil de rentrée", place="Salle du club")
    governance.agenda_item_add(actor=coordinator, meeting=meeting, title="Planning des ateliers")
    report = governance.meeting_convene(actor=coordinator, meeting=meeting)
    assert report.mailed == 3
    assert report.without_email == [str(no_email.person)]
    meeting.refresh_from_db()
    assert meeting.is_convened and meeting.convened_by == coordinator
    assert MeetingParticipant.objects.filter(meeting=meeting).count() == 4
    # Through Django's mail, into the outbox the delivery task reads.
    emails = list(OutgoingEmail.objects.all())
    assert len(emails) == 3
    assert all(email.subject.startswith("Convocation : Conseil de rentrée") for email in emails)
    assert "1. Planning des ateliers" in emails[0].body
    assert "Salle du club" in emails[0].body
    assert "au plus 1 pouvoir" in emails[0].body
    assert {tuple(email.to) for email in emails} == {
        (seat.person.email,) for seat in body.seats.exclude(pk=no_email.pk)
    }


def test_convocation_of_the_cooperatives_assembly_goes_to_its_associates(coordinator):
    associate = AssociateFactory()
    town = AssociateFactory(legal=True, collective=associate.collective)
    CollectivePersonFactory(collective=associate.collective)  # not an associate
    assembly = BodyFactory(collective=associate.collective, assembly=True)
    meeting = convene(MeetingFactory(body=assembly), actor=coordinator)
    assert {p.associate_id for p in meeting.participants.all()} == {associate.pk, town.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([associate.person.email, town.email])
    assert "quel que soit le nombre de parts" in mail.outbox[0].body


def test_convocation_of_a_peer_help_assembly_goes_to_its_members(coordinator):
    collective = CollectiveFactory()
    members = [CollectivePersonFactory(collective=collective) for _ in range(2)]
    CollectivePersonFactory(collective=collective, left=True)
    meeting = convene(MeetingFactory(body=BodyFactory(collective=collective, assembly=True)))
    assert {p.person_id for p in meeting.participants.all()} == {m.pk for m in members}


def test_convocation_too_late_is_refused(coordinator):
    body = _council(2)  # seven days' notice
    meeting = MeetingFactory(body=body, starts_at=at_six_pm(days_from_today(6)))
    governance.agenda_item_add(actor=coordinator, meeting=meeting, title="Point")
    deadline = (days_from_today(-1)).strftime("%d/%m/%Y")
    with pytest.raises(ValidationError) as error:
        governance.meeting_convene(actor=coordinator, meeting=meeting)
    message = error.value.messages[0]
    assert message.startswith("Convocation refusée")
    assert "au moins 7 jours" in message and f"au plus tard le {deadline}" in message
    assert not MeetingParticipant.objects.exists()
    assert mail.outbox == []


def test_convocation_on_the_last_day_is_accepted(coordinator):
    meeting = MeetingFactory(body=_council(2), starts_at=at_six_pm(days_from_today(7)))
    convene(meeting, actor=coordinator)
    assert governance.convocation_deadline(meeting) == days_from_today(0)


def test_notice_period_is_the_bodys(coordinator):
    assembly = BodyFactory(assembly=True)  # fifteen days
    CollectivePersonFactory(collective=assembly.collective)
    meeting = MeetingFactory(body=assembly, starts_at=at_six_pm(days_from_today(14)))
    with pytest.raises(ValidationError, match="au moins 15 jours"):
        convene(meeting, actor=coordinator)
    assembly.notice_days = 10
    assembly.save()
    convene(meeting, actor=coordinator)


def test_convocation_needs_an_agenda(coordinator):
    with pytest.raises(ValidationError, match="ordre du jour"):
        governance.meeting_convene(actor=coordinator, meeting=MeetingFactory(body=_council(1)))


def test_convocation_needs_members(coordinator):
    with pytest.raises(ValidationError, match="Personne n'est membre"):
        convene(MeetingFactory(), actor=coordinator)


def test_convened_meeting_is_frozen(coordinator):
    meeting = convene(MeetingFactory(body=_council(1)), actor=coordinator)
    with pytest.raises(ValidationError, match="convocation est partie"):
        governance.agenda_item_add(actor=coordinator, meeting=meeting, title="Encore")
    with pytest.raises(ValidationError, match="convocation est partie"):
        governance.meeting_update(
            actor=coordinator,
            meeting=meeting,
            title="Autre",
            starts_at=meeting.starts_at,
            place="Ailleurs",
        )
    with pytest.raises(ValidationError, match="convocation est partie"):
        governance.meeting_convene(actor=coordinator, meeting=meeting)


def test_meeting_is_prepared_for_a_future_date(coordinator):
    with pytest.raises(ValidationError) as error:
        governance.meeting_create(
            actor=coordinator,
            body=BodyFactory(),
            title="Conseil",
            starts_at=at_six_pm(days_from_today(-1)),
            place="Club",
        )
    assert "date" in error.value.message_dict


def test_administrator_reads_but_does_not_convene():
    meeting = MeetingFactory(body=_council(1))
    AgendaItemFactory(meeting=meeting)
    with pytest.raises(PermissionDenied):
        governance.meeting_convene(actor=UserFactory(role=Role.ADMINISTRATOR), meeting=meeting)


# --- attendance, proxies and quorum --------------------------------------------------------


def test_attendance_with_proxies_and_the_quorum(coordinator):
    meeting = let_time_pass(convene(MeetingFactory(body=_council(4)), actor=coordinator))
    quorum = governance.attendance_record(
        actor=coordinator,
        meeting=meeting,
        entries=_attendance(meeting, [PRESENT, REPRESENTED, EXCUSED, ABSENT], holders={1: 0}),
    )
    assert (quorum.convened, quorum.present, quorum.represented) == (4, 1, 1)
    assert quorum.voters == 2
    assert quorum.needed == 2 and quorum.reached  # half of four
    people = _participants(meeting)
    assert people[1].proxy_holder == people[0]
    assert list(people[0].proxies_held.all()) == [people[1]]


def test_quorum_rounds_up():
    quorum = governance.Quorum(convened=5, present=2, represented=0, expected=0, percent=50)
    assert quorum.needed == 3 and not quorum.reached
    assert governance.Quorum(convened=4, present=1, represented=0, expected=0, percent=25).reached


def test_proxy_cap_per_holder(coordinator):
    meeting = let_time_pass(convene(MeetingFactory(body=_council(3)), actor=coordinator))
    with pytest.raises(ValidationError) as error:
        governance.attendance_record(
            actor=coordinator,
            meeting=meeting,
            entries=_attendance(meeting, [PRESENT, REPRESENTED, REPRESENTED], {1: 0, 2: 0}),
        )
    people = _participants(meeting)
    message = error.value.message_dict[f"proxy_{people[1].pk}"][0]
    assert "porterait 2 pouvoirs : 1 au plus" in message


def test_proxy_holder_must_be_present(coordinator):
    meeting = let_time_pass(convene(MeetingFactory(body=_council(2)), actor=coordinator))
    people = _participants(meeting)
    with pytest.raises(ValidationError) as error:
        governance.attendance_record(
            actor=coordinator,
            meeting=meeting,
            entries=_attendance(meeting, [EXCUSED, REPRESENTED], {1: 0}),
        )
    assert "seule une personne présente" in error.value.message_dict[f"proxy_{people[1].pk}"][0]


def test_represented_needs_a_holder_and_not_oneself(coordinator):
    meeting = let_time_pass(convene(MeetingFactory(body=_council(2)), actor=coordinator))
    people = _participants(meeting)
    with pytest.raises(ValidationError) as error:
        governance.attendance_record(
            actor=coordinator,
            meeting=meeting,
            entries={people[0].pk: (PRESENT, None), people[1].pk: (REPRESENTED, None)},
        )
    assert f"proxy_{people[1].pk}" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        governance.attendance_record(
            actor=coordinator,
            meeting=meeting,
            entries={people[0].pk: (PRESENT, None), people[1].pk: (REPRESENTED, people[1].pk)},
        )
    assert "soi-même" in error.value.message_dict[f"proxy_{people[1].pk}"][0]


def test_everyone_convened_gets_an_attendance(coordinator):
    meeting = let_time_pass(convene(MeetingFactory(body=_council(2)), actor=coordinator))
    people = _participants(meeting)
    with pytest.raises(ValidationError) as error:
        governance.attendance_record(
            actor=coordinator, meeting=meeting, entries={people[0].pk: (PRESENT, None)}
        )
    assert f"attendance_{people[1].pk}" in error.value.message_dict


def test_attendance_waits_for_the_meeting_day(coordinator):
    meeting = convene(MeetingFactory(body=_council(1)), actor=coordinator)
    with pytest.raises(ValidationError, match="cela se note ce jour-là"):
        governance.attendance_record(
            actor=coordinator, meeting=meeting, entries=_attendance(meeting, [PRESENT])
        )


def test_attendance_needs_the_convocation(coordinator):
    meeting = let_time_pass(MeetingFactory(body=_council(1)))
    with pytest.raises(ValidationError, match="Convoquez d'abord"):
        governance.attendance_record(actor=coordinator, meeting=meeting, entries={})


# --- decisions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "votes", "result"),
    [
        (MajorityRule.SIMPLE, (5, 4, 10), DecisionResult.ADOPTED),
        (MajorityRule.SIMPLE, (4, 4, 0), DecisionResult.REJECTED),
        (MajorityRule.ABSOLUTE, (5, 4, 1), DecisionResult.REJECTED),
        (MajorityRule.ABSOLUTE, (6, 4, 1), DecisionResult.ADOPTED),
        (MajorityRule.TWO_THIRDS, (6, 3, 9), DecisionResult.ADOPTED),
        (MajorityRule.TWO_THIRDS, (5, 3, 0), DecisionResult.REJECTED),
        (MajorityRule.TWO_THIRDS, (0, 0, 3), DecisionResult.REJECTED),
        (MajorityRule.UNANIMITY, (7, 0, 0), DecisionResult.ADOPTED),
        (MajorityRule.UNANIMITY, (7, 0, 1), DecisionResult.REJECTED),
    ],
)
def test_majority_rules(rule, votes, result):
    votes_for, against, abstain = votes
    assert (
        governance.majority_result(rule, votes_for=votes_for, against=against, abstain=abstain)
        == result
    )


def _decide(actor, meeting, kind=DecisionKind.ORDINARY, votes=(3, 1, 0), **kwargs):
    return governance.decision_record(
        actor=actor,
        meeting=meeting,
        agenda_item=kwargs.pop("agenda_item", meeting.agenda_items.first()),
        title=kwargs.pop("title", "Approbation des comptes"),
        kind=kind,
        votes_for=votes[0],
        votes_against=votes[1],
        votes_abstain=votes[2],
        **kwargs,
    )


def test_decision_under_the_bodys_majorities(coordinator):
    meeting = held_meeting(_council(6), present=6, actor=coordinator)
    ordinary = _decide(coordinator, meeting, votes=(3, 2, 1))
    extraordinary = _decide(coordinator, meeting, DecisionKind.EXTRAORDINARY, votes=(3, 2, 1))
    assert (ordinary.position, ordinary.majority, ordinary.result) == (
        1,
        MajorityRule.SIMPLE,
        DecisionResult.ADOPTED,
    )
    assert (extraordinary.position, extraordinary.majority, extraordinary.result) == (
        2,
        MajorityRule.TWO_THIRDS,
        DecisionResult.REJECTED,
    )


def test_decision_needs_the_quorum(coordinator):
    meeting = held_meeting(_council(4), present=1, actor=coordinator)  # 2 needed
    with pytest.raises(ValidationError, match="quorum n'est pas atteint"):
        _decide(coordinator, meeting, votes=(1, 0, 0))


def test_decision_votes_one_person_one_vote(coordinator):
    meeting = held_meeting(_council(4), present=3, actor=coordinator)
    with pytest.raises(ValidationError) as error:
        _decide(coordinator, meeting, votes=(3, 1, 0))
    assert "une personne, une voix" in error.value.message_dict["votes_for"][0]


def test_decision_counts_the_proxies(coordinator):
    meeting = let_time_pass(convene(MeetingFactory(body=_council(3)), actor=coordinator))
    governance.attendance_record(
        actor=coordinator,
        meeting=meeting,
        entries=_attendance(meeting, [PRESENT, REPRESENTED, PRESENT], {1: 0}),
    )
    decision = _decide(coordinator, meeting, votes=(2, 1, 0))
    assert decision.result == DecisionResult.ADOPTED


def test_decision_needs_attendance_first(coordinator):
    meeting = let_time_pass(convene(MeetingFactory(body=_council(2)), actor=coordinator))
    with pytest.raises(ValidationError, match="Notez d'abord les présences"):
        _decide(coordinator, meeting, votes=(1, 0, 0))


def test_decision_on_another_meetings_item(coordinator):
    meeting = held_meeting(_council(2), present=2, actor=coordinator)
    with pytest.raises(ValidationError) as error:
        _decide(coordinator, meeting, agenda_item=AgendaItemFactory(), votes=(1, 0, 0))
    assert "agenda_item" in error.value.message_dict


def test_attendance_change_cannot_undo_the_votes(coordinator):
    meeting = held_meeting(_council(3), present=3, actor=coordinator)
    _decide(coordinator, meeting, votes=(3, 0, 0))
    with pytest.raises(ValidationError, match="déjà votées"):
        governance.attendance_record(
            actor=coordinator,
            meeting=meeting,
            entries=_attendance(meeting, [PRESENT, PRESENT, ABSENT]),
        )


# --- closing ---------------------------------------------------------------------------------


def test_closing_freezes_the_meeting(coordinator):
    meeting = held_meeting(_council(2), present=2, actor=coordinator)
    _decide(coordinator, meeting, votes=(2, 0, 0))
    governance.meeting_close(
        actor=coordinator, meeting=meeting, chair="Awa Diallo", secretary="Jean Petit", notes="RAS"
    )
    meeting.refresh_from_db()
    assert meeting.is_closed and meeting.quorum_reached and meeting.quorum_percent == 50
    with pytest.raises(ValidationError, match="clôturée"):
        _decide(coordinator, meeting, votes=(2, 0, 0))
    with pytest.raises(ValidationError, match="clôturée"):
        governance.attendance_record(
            actor=coordinator, meeting=meeting, entries=_attendance(meeting, [PRESENT, ABSENT])
        )
    # A later change of the body's rules leaves the minutes as they were.
    meeting.body.quorum_percent = 100
    meeting.body.save()
    assert governance.quorum_of(Meeting.objects.get(pk=meeting.pk)).percent == 50


def test_closing_needs_a_chair_and_the_attendance(coordinator):
    meeting = let_time_pass(convene(MeetingFactory(body=_council(2)), actor=coordinator))
    with pytest.raises(ValidationError, match="présences"):
        governance.meeting_close(actor=coordinator, meeting=meeting, chair="Awa")
    governance.attendance_record(
        actor=coordinator, meeting=meeting, entries=_attendance(meeting, [PRESENT, ABSENT])
    )
    with pytest.raises(ValidationError) as error:
        governance.meeting_close(actor=coordinator, meeting=meeting, chair="  ")
    assert "chair" in error.value.message_dict


def test_staff_seat_holders_are_convened_with_their_seat(coordinator):
    body = _council(2)
    staff = SeatFactory(body=body, kind=SeatKind.STAFF)
    meeting = convene(MeetingFactory(body=body), actor=coordinator)
    participant = meeting.participants.get(person=staff.person)
    assert participant.seat_kind == SeatKind.STAFF
    assert timezone.localtime(meeting.starts_at).date() > timezone.localdate()
