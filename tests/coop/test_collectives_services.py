"""The collectives' services: joining, leaving and coming back, the charter, the daily
life. Each rule is refused with a French message (ValidationError) or, for the wrong
person, PermissionDenied."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from coop import collectives as services
from coop.enums import CollectiveKind, JobKind, MembershipEventKind
from coop.models import (
    CharterAcceptance,
    Collective,
    DailyAttendance,
    DailyTask,
    Job,
    MembershipEvent,
    WorkUnit,
)
from members.enums import Role
from tests.coop.factories_collectives import (
    CharterFactory,
    CollectiveFactory,
    CollectivePersonFactory,
)
from tests.members.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _days_ago(days: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=days)


@pytest.fixture
def lead():
    return UserFactory(role=Role.PEER_SUPPORT_LEAD)


@pytest.fixture
def collective():
    return CollectiveFactory(founded_on=_days_ago(1000))


def _join(actor, collective, *, days_ago=200, **fields):
    fields.setdefault("first_name", "Inès")
    fields.setdefault("last_name", "Garnier")
    return services.person_join(
        actor=actor, collective=collective, joined_on=_days_ago(days_ago), **fields
    )


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- collectives ------------------------------------------------------------------------


def test_collective_save_by_the_peer_support_lead(lead):
    collective = services.collective_save(
        actor=lead,
        collective=Collective(
            name="Club Horizon", kind=CollectiveKind.PEER_HELP, founded_on=_days_ago(10)
        ),
    )
    assert collective.pk


def test_the_peer_support_lead_does_not_run_the_cooperative(lead):
    with pytest.raises(ValidationError) as error:
        services.collective_save(
            actor=lead,
            collective=Collective(
                name="Coop", kind=CollectiveKind.COOPERATIVE, founded_on=_days_ago(10)
            ),
        )
    assert "chargé·es d'accompagnement" in _messages(error.value)
    cooperative = CollectiveFactory(cooperative=True)
    cooperative.description = "Changée"
    with pytest.raises(PermissionDenied):
        services.collective_save(actor=lead, collective=cooperative)


def test_one_cooperative_only():
    coordinator = UserFactory(role=Role.COORDINATOR)
    CollectiveFactory(cooperative=True)
    with pytest.raises(ValidationError) as error:
        services.collective_save(
            actor=coordinator,
            collective=Collective(
                name="Une autre", kind=CollectiveKind.COOPERATIVE, founded_on=_days_ago(10)
            ),
        )
    assert "n'existe qu'une fois" in _messages(error.value)
    assert services.cooperative_collective().name == "Entrepairs Coopérative"


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.ENTREPRENEUR, Role.FUNDER])
def test_collective_save_refused_to_others(role):
    with pytest.raises(PermissionDenied):
        services.collective_save(
            actor=UserFactory(role=role),
            collective=Collective(
                name="Club", kind=CollectiveKind.PEER_HELP, founded_on=_days_ago(10)
            ),
        )


def test_collective_founded_in_the_future_is_refused(lead):
    with pytest.raises(ValidationError) as error:
        services.collective_save(
            actor=lead,
            collective=Collective(
                name="Club", kind=CollectiveKind.PEER_HELP, founded_on=_days_ago(-3)
            ),
        )
    assert "founded_on" in error.value.error_dict


# --- joining ----------------------------------------------------------------------------


def test_join_needs_no_referral_and_has_no_end(lead, collective):
    person = _join(lead, collective, phone=" 06 12  34 56 78 ", email="ines@exemple.fr")
    assert person.left_on is None
    assert person.phone == "06 12  34 56 78"
    event = person.membership_events.get()
    assert (event.kind, event.on, event.recorded_by) == (
        MembershipEventKind.JOINED,
        person.joined_on,
        lead,
    )


def test_join_links_the_account_and_its_member_record(lead, collective):
    member = MemberFactory()
    person = _join(lead, collective, user=member.user)
    assert person.user == member.user and person.member == member
    with pytest.raises(ValidationError) as error:
        _join(lead, collective, user=member.user)
    assert "déjà membre" in _messages(error.value)


def test_join_refuses_future_and_before_creation(lead, collective):
    with pytest.raises(ValidationError) as error:
        _join(lead, collective, days_ago=-1)
    assert "joined_on" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        _join(lead, collective, days_ago=2000)
    assert "a été créé le" in _messages(error.value)


def test_join_refuses_an_inactive_account(lead, collective):
    user = UserFactory(is_active=False)
    with pytest.raises(ValidationError) as error:
        _join(lead, collective, user=user)
    assert "désactivé" in _messages(error.value)


def test_join_refused_to_an_entrepreneur(collective):
    with pytest.raises(PermissionDenied):
        _join(UserFactory(role=Role.ENTREPRENEUR), collective)


def test_person_save_keeps_the_dates(lead, collective):
    person = _join(lead, collective)
    person.phone = "07 00 00 00 00"
    person.joined_on = _days_ago(1)
    person.left_on = _days_ago(1)
    services.person_save(actor=lead, person=person)
    person.refresh_from_db()
    assert person.phone == "07 00 00 00 00"
    assert person.joined_on == _days_ago(200) and person.left_on is None


# --- leaving and coming back ------------------------------------------------------------


def test_leave_by_the_person_themselves(collective, lead):
    person = _join(lead, collective, user=UserFactory())
    event = services.person_leave(actor=person.user, person=person, on=TODAY())
    person.refresh_from_db()
    assert person.left_on == TODAY()
    assert event.kind == MembershipEventKind.LEFT and event.by_the_person


def test_leave_recorded_by_a_manager_with_a_note(lead, collective):
    person = _join(lead, collective)
    event = services.person_leave(
        actor=lead, person=person, on=_days_ago(3), note="  Déménage à Lille "
    )
    assert event.note == "Déménage à Lille" and not event.by_the_person


def test_leave_refused_to_someone_else(collective, lead):
    person = _join(lead, collective, user=UserFactory())
    with pytest.raises(PermissionDenied):
        services.person_leave(actor=UserFactory(), person=person, on=TODAY())
    with pytest.raises(PermissionDenied):
        services.person_leave(actor=UserFactory(role=Role.ADMINISTRATOR), person=person, on=TODAY())


def test_leave_dates_are_checked(lead, collective):
    person = _join(lead, collective, days_ago=10)
    services.attendance_record(
        actor=lead, collective=collective, day=_days_ago(2), present=[person.pk]
    )
    with pytest.raises(ValidationError) as error:
        services.person_leave(actor=lead, person=person, on=_days_ago(-1))
    assert "à venir" in _messages(error.value)
    with pytest.raises(ValidationError) as error:
        services.person_leave(actor=lead, person=person, on=_days_ago(11))
    assert "arrivée le" in _messages(error.value)
    with pytest.raises(ValidationError) as error:
        services.person_leave(actor=lead, person=person, on=_days_ago(3))
    assert "est venue le" in _messages(error.value)
    # The day of the last visit is a day one may leave.
    services.person_leave(actor=lead, person=person, on=_days_ago(2))
    with pytest.raises(ValidationError) as error:
        services.person_leave(actor=lead, person=person, on=TODAY())
    assert "déjà quitté" in _messages(error.value)


def test_come_back_opens_a_new_membership_that_follows(lead, collective):
    member = MemberFactory()
    first = _join(lead, collective, user=member.user, phone="06 11 11 11 11")
    services.person_leave(actor=lead, person=first, on=_days_ago(50))
    second = services.person_come_back(actor=lead, person=first, on=_days_ago(20))
    assert second.pk != first.pk
    assert (second.joined_on, second.left_on) == (_days_ago(20), None)
    assert (second.user, second.member, second.phone) == (member.user, member, "06 11 11 11 11")
    first.refresh_from_db()
    assert first.left_on == _days_ago(50)  # the past stays as it was
    event = second.membership_events.get()
    assert (event.kind, event.previous, event.origin) == (
        MembershipEventKind.CAME_BACK,
        first,
        first,
    )
    # Leave and come back again: the origin stays the first membership.
    services.person_leave(actor=lead, person=second, on=_days_ago(10))
    third = services.person_come_back(actor=member.user, person=second)
    assert third.joined_on == TODAY()
    assert third.membership_events.get().origin == first
    assert list(services.membership_lineage(second)) == [first, second, third]
    assert list(services.membership_lineage(first)) == [first, second, third]


def test_come_back_the_day_one_left(lead, collective):
    person = _join(lead, collective)
    services.person_leave(actor=lead, person=person, on=TODAY())
    returned = services.person_come_back(actor=lead, person=person)
    assert returned.joined_on == TODAY()


def test_come_back_refusals(lead, collective):
    person = _join(lead, collective)
    with pytest.raises(ValidationError) as error:
        services.person_come_back(actor=lead, person=person)
    assert "toujours membre" in _messages(error.value)
    services.person_leave(actor=lead, person=person, on=_days_ago(10))
    with pytest.raises(ValidationError) as error:
        services.person_come_back(actor=lead, person=person, on=_days_ago(11))
    assert "partie le" in _messages(error.value)
    services.person_come_back(actor=lead, person=person)
    with pytest.raises(ValidationError) as error:
        services.person_come_back(actor=lead, person=person)
    assert "déjà revenue" in _messages(error.value)


def test_come_back_by_oneself_is_today_whatever_the_date_given(collective, lead):
    person = _join(lead, collective, user=UserFactory())
    services.person_leave(actor=person.user, person=person, on=_days_ago(5))
    returned = services.person_come_back(actor=person.user, person=person, on=_days_ago(1))
    assert returned.joined_on == TODAY()


def test_a_return_follows_one_membership_only(lead, collective):
    first = _join(lead, collective)
    services.person_leave(actor=lead, person=first, on=_days_ago(5))
    services.person_come_back(actor=lead, person=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipEvent.objects.create(
            person=CollectivePersonFactory(collective=collective),
            kind=MembershipEventKind.CAME_BACK,
            on=TODAY(),
            previous=first,
            origin=first,
            recorded_by=lead,
        )


# --- charter ----------------------------------------------------------------------------


def test_charter_versions_are_numbered_in_order(lead, collective):
    first = services.charter_publish(
        actor=lead, collective=collective, text=" Bienvenue. ", effective_on=_days_ago(100)
    )
    second = services.charter_publish(
        actor=lead,
        collective=collective,
        text="Bienvenue à tous.",
        effective_on=_days_ago(10),
        adopted_by="Assemblée du club",
    )
    assert (first.version, first.text, second.version) == (1, "Bienvenue.", 2)
    assert services.charter_in_force(collective) == second
    assert services.charter_in_force(collective, on=_days_ago(50)) == first
    with pytest.raises(ValidationError) as error:
        services.charter_publish(
            actor=lead, collective=collective, text="Trois", effective_on=_days_ago(20)
        )
    assert "La version 2 est en vigueur depuis le" in _messages(error.value)


def test_a_future_version_is_not_yet_in_force(lead, collective):
    current = services.charter_publish(
        actor=lead, collective=collective, text="Un", effective_on=_days_ago(10)
    )
    services.charter_publish(
        actor=lead, collective=collective, text="Deux", effective_on=_days_ago(-10)
    )
    assert services.charter_in_force(collective) == current


def test_charter_publish_refused_to_the_lead_for_the_cooperative(lead):
    with pytest.raises(PermissionDenied):
        services.charter_publish(
            actor=lead,
            collective=CollectiveFactory(cooperative=True),
            text="Statuts",
            effective_on=TODAY(),
        )


def test_sign_by_oneself_is_today(lead, collective):
    person = _join(lead, collective, user=UserFactory())
    charter = CharterFactory(collective=collective, effective_on=_days_ago(30))
    signature = services.charter_sign(
        actor=person.user, charter=charter, person=person, on=_days_ago(3)
    )
    assert (signature.accepted_on, signature.recorded_by) == (TODAY(), person.user)
    with pytest.raises(ValidationError) as error:
        services.charter_sign(actor=person.user, charter=charter, person=person)
    assert "déjà signé" in _messages(error.value)


def test_sign_recorded_by_a_manager_on_paper(lead, collective):
    person = _join(lead, collective)
    charter = CharterFactory(collective=collective, effective_on=_days_ago(30))
    signature = services.charter_sign(actor=lead, charter=charter, person=person, on=_days_ago(5))
    assert signature.accepted_on == _days_ago(5)
    other = _join(lead, collective, days_ago=10)
    with pytest.raises(ValidationError) as error:
        services.charter_sign(actor=lead, charter=charter, person=other, on=_days_ago(20))
    assert "au plus tôt" in _messages(error.value)


def test_sign_refusals(lead, collective):
    person = _join(lead, collective)
    old = CharterFactory(collective=collective, version=1, effective_on=_days_ago(60))
    CharterFactory(collective=collective, version=2, effective_on=_days_ago(30))
    with pytest.raises(ValidationError) as error:
        services.charter_sign(actor=lead, charter=old, person=person)
    assert "version en vigueur" in _messages(error.value)
    elsewhere = CharterFactory(effective_on=_days_ago(30))
    with pytest.raises(ValidationError) as error:
        services.charter_sign(actor=lead, charter=elsewhere, person=person)
    assert "autre collectif" in _messages(error.value)
    with pytest.raises(PermissionDenied):
        services.charter_sign(actor=UserFactory(), charter=old, person=person)


def test_people_without_signature(lead, collective):
    signed = _join(lead, collective, last_name="Signé")
    unsigned = _join(lead, collective, last_name="Pas signé")
    gone = _join(lead, collective, last_name="Parti")
    services.person_leave(actor=lead, person=gone, on=TODAY())
    charter = CharterFactory(collective=collective, effective_on=_days_ago(5))
    services.charter_sign(actor=lead, charter=charter, person=signed)
    CollectivePersonFactory()  # another collective's member
    assert list(services.people_without_signature(charter)) == [unsigned]


# --- daily life -------------------------------------------------------------------------


def test_attendance_record_sets_the_day(lead, collective):
    one, two, three = (_join(lead, collective, last_name=name) for name in "ABC")
    day = _days_ago(1)
    assert services.attendance_record(
        actor=lead, collective=collective, day=day, present=[one.pk, two.pk]
    ) == (2, 0)
    assert services.attendance_record(
        actor=lead, collective=collective, day=day, present=[two.pk, three.pk]
    ) == (1, 1)
    assert set(DailyAttendance.objects.filter(day=day).values_list("person", flat=True)) == {
        two.pk,
        three.pk,
    }
    assert DailyAttendance.objects.get(person=two, day=day).recorded_by == lead


def test_attendance_refusals(lead, collective):
    person = _join(lead, collective, days_ago=5)
    for day, expected in [
        (_days_ago(-1), "à venir"),
        (_days_ago(1001), "a été créé le"),
    ]:
        with pytest.raises(ValidationError) as error:
            services.attendance_record(
                actor=lead, collective=collective, day=day, present=[person.pk]
            )
        assert expected in _messages(error.value)
    with pytest.raises(ValidationError) as error:
        services.attendance_record(
            actor=lead, collective=collective, day=_days_ago(6), present=[person.pk]
        )
    assert "n'était pas membre" in _messages(error.value)
    stranger = CollectivePersonFactory()
    with pytest.raises(ValidationError):
        services.attendance_record(
            actor=lead, collective=collective, day=TODAY(), present=[stranger.pk]
        )
    with pytest.raises(ValidationError) as error:
        services.attendance_record(
            actor=UserFactory(role=Role.COORDINATOR),
            collective=CollectiveFactory(cooperative=True),
            day=TODAY(),
            present=[],
        )
    assert "collectifs d'entraide" in _messages(error.value)


def test_attendance_cannot_drop_someone_with_tasks(lead, collective):
    person = _join(lead, collective)
    unit = services.work_unit_save(
        actor=lead, work_unit=WorkUnit(collective=collective, name="Cuisine")
    )
    services.attendance_record(actor=lead, collective=collective, day=TODAY(), present=[person.pk])
    attendance = DailyAttendance.objects.get(person=person)
    task = services.task_add(
        actor=lead, attendance=attendance, work_unit=unit, description=" Repas de midi "
    )
    assert task.description == "Repas de midi"
    with pytest.raises(ValidationError) as error:
        services.attendance_record(actor=lead, collective=collective, day=TODAY(), present=[])
    assert "Inès Garnier" in _messages(error.value)
    services.task_remove(actor=lead, task=task)
    assert services.attendance_record(
        actor=lead, collective=collective, day=TODAY(), present=[]
    ) == (0, 1)


def test_task_refusals(lead, collective):
    person = _join(lead, collective)
    services.attendance_record(actor=lead, collective=collective, day=TODAY(), present=[person.pk])
    attendance = DailyAttendance.objects.get(person=person)
    elsewhere = WorkUnit.objects.create(collective=CollectiveFactory(), name="Accueil")
    with pytest.raises(ValidationError) as error:
        services.task_add(actor=lead, attendance=attendance, work_unit=elsewhere, description="x")
    assert "autre collectif" in _messages(error.value)
    closed = WorkUnit.objects.create(collective=collective, name="Jardin", is_active=False)
    with pytest.raises(ValidationError) as error:
        services.task_add(actor=lead, attendance=attendance, work_unit=closed, description="x")
    assert "plus en service" in _messages(error.value)
    unit = WorkUnit.objects.create(collective=collective, name="Cuisine")
    with pytest.raises(ValidationError):
        services.task_add(actor=lead, attendance=attendance, work_unit=unit, description="   ")
    assert not DailyTask.objects.exists()


def test_work_unit_names_are_unique_per_collective(lead, collective):
    services.work_unit_save(actor=lead, work_unit=WorkUnit(collective=collective, name="Cuisine"))
    with pytest.raises(ValidationError) as error:
        services.work_unit_save(
            actor=lead, work_unit=WorkUnit(collective=collective, name=" Cuisine ")
        )
    assert "déjà une unité" in _messages(error.value)
    services.work_unit_save(
        actor=lead, work_unit=WorkUnit(collective=CollectiveFactory(), name="Cuisine")
    )


def test_job_save_checks_dates_and_hours(lead, collective):
    person = _join(lead, collective)
    job = services.job_save(
        actor=lead,
        job=Job(
            person=person,
            kind=JobKind.TRANSITIONAL,
            employer=" Mairie de Montreuil ",
            hours_per_week=Decimal("12.5"),
            starts_on=_days_ago(30),
        ),
    )
    assert (job.employer, job.recorded_by) == ("Mairie de Montreuil", lead)
    job.ends_on = _days_ago(31)
    with pytest.raises(ValidationError) as error:
        services.job_save(actor=lead, job=job)
    assert "précède son début" in _messages(error.value)
    job.ends_on, job.hours_per_week = None, Decimal("60")
    with pytest.raises(ValidationError) as error:
        services.job_save(actor=lead, job=job)
    assert "48" in _messages(error.value)


def test_job_refused_in_the_cooperative():
    coordinator = UserFactory(role=Role.COORDINATOR)
    person = CollectivePersonFactory(collective=CollectiveFactory(cooperative=True))
    with pytest.raises(ValidationError):
        services.job_save(
            actor=coordinator,
            job=Job(
                person=person,
                kind=JobKind.SUPPORTED,
                employer="X",
                hours_per_week=10,
                starts_on=TODAY(),
            ),
        )


def test_reach_out_list(lead, collective):
    today = TODAY()
    seen_lately = _join(lead, collective, last_name="Récent")
    seen_long_ago = _join(lead, collective, last_name="Ancien")
    never_seen = _join(lead, collective, last_name="Jamais")
    new = _join(lead, collective, last_name="Nouveau", days_ago=5)
    gone = _join(lead, collective, last_name="Parti")
    services.attendance_record(
        actor=lead,
        collective=collective,
        day=today - datetime.timedelta(days=3),
        present=[seen_lately.pk, gone.pk],
    )
    services.attendance_record(
        actor=lead,
        collective=collective,
        day=today - datetime.timedelta(days=45),
        present=[seen_long_ago.pk, seen_lately.pk],
    )
    services.person_leave(actor=lead, person=gone, on=today)
    services.reach_out_record(actor=lead, person=seen_long_ago, on=today, note="Appel")
    people = list(services.reach_out_list(collective, days=30))
    assert people == [never_seen, seen_long_ago]
    assert people[0].last_seen is None
    assert (people[1].last_seen, people[1].last_reach_out) == (
        today - datetime.timedelta(days=45),
        today,
    )
    assert list(services.reach_out_list(collective, days=3)) == [
        never_seen,
        new,
        seen_long_ago,
        seen_lately,
    ]


def test_reach_out_refused_after_leaving(lead, collective):
    person = _join(lead, collective)
    services.person_leave(actor=lead, person=person, on=TODAY())
    with pytest.raises(ValidationError) as error:
        services.reach_out_record(actor=lead, person=person, on=TODAY())
    assert "quitté" in _messages(error.value)


def test_signature_is_kept_when_signing_person_leaves(lead, collective):
    person = _join(lead, collective)
    charter = CharterFactory(collective=collective, effective_on=_days_ago(10))
    services.charter_sign(actor=lead, charter=charter, person=person)
    services.person_leave(actor=lead, person=person, on=TODAY())
    assert CharterAcceptance.objects.filter(person=person).exists()
