"""The path accueil → CAPE → CESA → associé → sortie, through the services."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from members import services
from members.dates import add_months, add_years
from members.enums import ContractKind, ExitReason, Stage
from members.models import Contract, Member, PathStep
from tests.members.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def _member(**kwargs):
    return MemberFactory(information_meeting_on=D(2025, 1, 6), **kwargs)


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_register_starts_at_the_welcome():
    coordinator = UserFactory(coordinator=True)
    member = services.member_register(
        actor=coordinator,
        information_meeting_on=D(2026, 3, 2),
        first_name="Inès",
        last_name="Haddad",
        activity="prevention",
        coordinator=coordinator,
        postcode="93100",
        commune="Montreuil",
    )
    assert member.stage == Stage.WELCOME and member.stage_since == D(2026, 3, 2)
    assert list(member.path_steps.values_list("stage", flat=True)) == [Stage.WELCOME]


def test_register_refuses_a_bad_postcode():
    coordinator = UserFactory(coordinator=True)
    with pytest.raises(ValidationError):
        services.member_register(
            actor=coordinator,
            information_meeting_on=D(2026, 3, 2),
            first_name="Inès",
            last_name="Haddad",
            activity="prevention",
            coordinator=coordinator,
            postcode="9310",
        )


def test_the_whole_path_in_order():
    member = _member()
    actor = member.coordinator
    cape = services.cape_start(
        actor=actor, member=member, start_date=D(2025, 2, 1), planned_end_date=D(2026, 1, 31)
    )
    renewal = services.cape_renew(actor=actor, member=member, planned_end_date=D(2026, 12, 31))
    cape.refresh_from_db()
    assert cape.end_date == D(2026, 1, 31) and renewal.start_date == D(2026, 2, 1)
    assert renewal.renewal_count == 1
    cesa = services.cesa_start(actor=actor, member=member, start_date=D(2026, 6, 1))
    renewal.refresh_from_db()
    assert renewal.end_date == D(2026, 5, 31)
    services.associate_join(actor=actor, member=member, on=D(2027, 6, 1))
    services.member_exit(
        actor=actor, member=member, on=D(2030, 1, 15), reason=ExitReason.OWN_COMPANY
    )
    member.refresh_from_db()
    cesa.refresh_from_db()
    assert member.stage == Stage.EXITED and member.exited_on == D(2030, 1, 15)
    assert cesa.end_date == D(2030, 1, 15)
    assert [s.stage for s in member.path_steps.all()] == [
        Stage.WELCOME,
        Stage.CAPE,
        Stage.CAPE,
        Stage.CESA,
        Stage.ASSOCIATE,
        Stage.EXITED,
    ]
    assert not Contract.objects.open().filter(member=member).exists()


def test_cesa_before_cape_is_refused():
    member = _member()
    with pytest.raises(ValidationError) as error:
        services.cesa_start(actor=member.coordinator, member=member, start_date=D(2025, 3, 1))
    assert "Un CESA se signe après un CAPE en cours." in _messages(error.value)


def test_cape_longer_than_twelve_months_is_refused():
    member = _member()
    with pytest.raises(ValidationError) as error:
        services.cape_start(
            actor=member.coordinator,
            member=member,
            start_date=D(2025, 2, 1),
            planned_end_date=D(2026, 2, 1),
        )
    assert "douze mois" in _messages(error.value)


def test_cape_before_the_welcome_is_refused():
    member = _member()
    with pytest.raises(ValidationError) as error:
        services.cape_start(
            actor=member.coordinator,
            member=member,
            start_date=D(2024, 12, 1),
            planned_end_date=D(2025, 6, 1),
        )
    assert "avant l'accueil" in _messages(error.value)


def test_a_second_first_cape_is_refused():
    member = _member(path="cape")
    with pytest.raises(ValidationError) as error:
        services.cape_start(
            actor=member.coordinator,
            member=member,
            start_date=D(2025, 6, 1),
            planned_end_date=D(2025, 12, 1),
        )
    assert "renouvelez" in _messages(error.value)


def test_cape_renews_twice_only():
    member = _member()
    actor = member.coordinator
    services.cape_start(
        actor=actor, member=member, start_date=D(2025, 2, 1), planned_end_date=D(2025, 7, 31)
    )
    services.cape_renew(actor=actor, member=member, planned_end_date=D(2026, 1, 31))
    services.cape_renew(actor=actor, member=member, planned_end_date=D(2026, 7, 31))
    with pytest.raises(ValidationError) as error:
        services.cape_renew(actor=actor, member=member, planned_end_date=D(2027, 1, 31))
    assert "deux fois" in _messages(error.value)
    assert Contract.objects.filter(member=member, kind=ContractKind.CAPE).count() == 3


def test_associate_after_three_years_is_refused():
    member = _member(path="cesa")
    cesa = Contract.objects.open().get(member=member)
    with pytest.raises(ValidationError) as error:
        services.associate_join(
            actor=member.coordinator,
            member=member,
            on=add_years(cesa.start_date, 3) + datetime.timedelta(days=1),
        )
    assert "trois ans" in _messages(error.value)
    services.associate_join(
        actor=member.coordinator, member=member, on=add_years(cesa.start_date, 3)
    )


def test_dates_in_the_wrong_order_are_refused():
    member = _member(path="cape")
    with pytest.raises(ValidationError):
        services.member_exit(
            actor=member.coordinator, member=member, on=D(2024, 1, 1), reason=ExitReason.OTHER
        )
    member.refresh_from_db()
    assert member.stage == Stage.CAPE


def test_leaving_twice_is_refused():
    member = _member(path="exited")
    with pytest.raises(ValidationError) as error:
        services.member_exit(
            actor=member.coordinator, member=member, on=D(2031, 1, 1), reason=ExitReason.OTHER
        )
    assert "déjà sortie" in _messages(error.value)


def test_the_database_refuses_two_open_contracts():
    member = _member(path="cape")
    with pytest.raises(IntegrityError):
        Contract.objects.create(
            member=member,
            kind=ContractKind.CESA,
            start_date=D(2025, 9, 1),
            created_by=member.coordinator,
        )


def test_a_failed_move_changes_nothing():
    member = _member(path="cape")
    steps = PathStep.objects.count()
    with pytest.raises(ValidationError):
        services.cesa_start(actor=member.coordinator, member=member, start_date=D(2024, 1, 1))
    assert PathStep.objects.count() == steps
    assert Contract.objects.open().get(member=member).kind == ContractKind.CAPE
    assert Member.objects.get(pk=member.pk).stage == Stage.CAPE


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2025, 11, 15), 3, D(2026, 2, 15)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected
