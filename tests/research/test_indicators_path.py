"""Indicators of the entrepreneurs' path, on small worlds whose answers are known: who is
active, who enters, moves on, leaves, and how long the way to a CESA takes — by
programme and department, only with research consent, margins included."""

import datetime
from decimal import Decimal

import pytest

from members.enums import Gender
from research.indicators import REGISTRY, TOTAL, Scope
from tests.members.factories import MemberFactory, ProgrammeFactory
from tests.research.factories_indicators import (
    consent,
    covered,
    entrepreneur,
    former_service_user,
    to_cesa,
    withdraw,
)

pytestmark = pytest.mark.django_db

D = datetime.date
H1 = (D(2025, 1, 1), D(2025, 6, 30))


def table(code, rows=None, cols=None, *, programme=None, department="", period=H1):
    scope = Scope(period[0], period[1], programme=programme, department=department)
    return REGISTRY[code].table(scope, rows, cols)


def values(t, col=TOTAL) -> dict[str, Decimal]:
    """The cells of a one-way table (or of one column), margins included."""
    return {row: t.cell(row, col).value for row, _label in t.rows}


def _active_world():
    """Four consenting entrepreneurs active in the first half of 2025, and others who
    are not, or who do not count.

    - A: CAPE 01/09/2024, CESA 20/03/2025; woman, 35 in 2025, Paris, peer mediator and
      former service user (with her health-profile consent);
    - B: CAPE 10/02/2025; man, 25, Seine-Saint-Denis, care professional;
    - C: CAPE 2024, associate 26/12/2024, left 14/02/2025; woman, no birth year, 93;
    - I: CAPE 2024, CESA 2024, associate 27/01/2025; man, 60, Rhône;
    - not active: D (CAPE from August 2025), G (welcome only), H (left in 2023);
    - not counted: E (withdrew her research consent), F (never gave it)."""
    a = entrepreneur(
        "cesa",
        cape_on=D(2024, 9, 1),
        gender=Gender.WOMAN,
        birth_year=1990,
        postcode="75011",
        activity="peer_mediation",
        is_peer_mediator=True,
    )
    former_service_user(a)
    b = entrepreneur(
        "cape",
        cape_on=D(2025, 2, 10),
        gender=Gender.MAN,
        birth_year=2000,
        postcode="93100",
        activity="gardening",
        is_care_professional=True,
    )
    c = entrepreneur(
        "exited", cape_on=D(2024, 3, 1), gender=Gender.WOMAN, birth_year=None, postcode="93200"
    )
    i = entrepreneur(
        "associate",
        cape_on=D(2024, 4, 1),
        gender=Gender.MAN,
        birth_year=1965,
        postcode="69003",
        activity="training",
    )
    entrepreneur("cape", cape_on=D(2025, 8, 1))
    entrepreneur(None)
    entrepreneur("exited", cape_on=D(2023, 1, 1))
    e = entrepreneur("cape", cape_on=D(2025, 2, 1), gender=Gender.WOMAN, postcode="93100")
    withdraw(e, D(2025, 5, 1))
    entrepreneur("cape", cape_on=D(2025, 3, 1), consents=False)
    return a, b, c, i, e


# --- entrepreneurs_active -----------------------------------------------------------------


def test_active_counts_contracts_and_associates_on_at_least_one_day():
    _active_world()
    t = table("entrepreneurs_active")
    assert t.cell().value == 4
    assert t.cell().people == 4


def test_active_by_stage_is_the_last_stage_reached_by_the_periods_end():
    _active_world()
    assert values(table("entrepreneurs_active", "stage")) == {
        "cape": 1,  # B
        "cesa": 1,  # A (CESA from March)
        "associate": 2,  # I, and C who left as an associate
        TOTAL: 4,
    }
    # On 28/02/2025, A was still in CAPE.
    t = table("entrepreneurs_active", "stage", period=(D(2025, 1, 1), D(2025, 2, 28)))
    assert values(t) == {"cape": 2, "associate": 2, TOTAL: 4}


def test_active_by_profile_is_not_additive():
    _active_world()
    assert values(table("entrepreneurs_active", "profile")) == {
        "peer_mediator": 1,
        "care_professional": 1,
        "former_service_user": 1,
        "other": 2,
        TOTAL: 4,  # A is in two profiles, counted once
    }


def test_active_former_service_user_needs_the_health_profile_consent():
    a, *_others = _active_world()
    a.consents.filter(scope="health_profile").update(withdrawn_on=D(2025, 5, 2))
    t = table("entrepreneurs_active", "profile")
    assert t.cell("former_service_user", TOTAL).value == 0
    assert t.cell("peer_mediator", TOTAL).value == 1


def test_active_by_profile_and_gender_with_margins_either_way():
    _active_world()
    t = table("entrepreneurs_active", "profile", "gender")
    assert t.cell("peer_mediator", "woman").value == 1
    assert t.cell("former_service_user", "woman").value == 1
    assert t.cell("care_professional", "man").value == 1
    assert t.cell("other", "woman").value == 1  # C
    assert t.cell("other", "man").value == 1  # I
    assert t.cell("care_professional", "woman").value == 0
    assert t.cell(TOTAL, "woman").value == 2
    assert t.cell(TOTAL, "man").value == 2
    assert t.cell("other", TOTAL).value == 2
    assert t.cell().value == 4
    turned = table("entrepreneurs_active", "gender", "profile")
    assert turned.rows_dimension == "gender"
    assert turned.cols_dimension == "profile"
    assert turned.cell("woman", "peer_mediator").value == 1
    assert turned.cell("man", TOTAL).value == 2
    assert turned.cell(TOTAL, "other").value == 2
    assert turned.cell().value == 4
    by_stage = table("entrepreneurs_active", "profile", "stage")
    assert by_stage.cell("other", "associate").value == 2  # C and I
    assert by_stage.cell("former_service_user", "cesa").value == 1
    assert by_stage.cell(TOTAL, "associate").value == 2
    by_department = table("entrepreneurs_active", "department", "profile")
    assert by_department.cell("93", "care_professional").value == 1
    assert by_department.cell("93", "other").value == 1
    assert by_department.cell("93", TOTAL).value == 2


def test_active_by_gender_age_band_department_and_trade():
    _active_world()
    assert values(table("entrepreneurs_active", "gender")) == {"woman": 2, "man": 2, TOTAL: 4}
    assert values(table("entrepreneurs_active", "age_band")) == {
        "18_29": 1,
        "30_54": 1,
        "55_plus": 1,
        "unknown": 1,
        TOTAL: 4,
    }
    assert values(table("entrepreneurs_active", "department")) == {
        "69": 1,
        "75": 1,
        "93": 2,
        TOTAL: 4,
    }
    trades = values(table("entrepreneurs_active", "activity"))
    assert trades == {
        "peer_mediation": 1,
        "training": 1,
        "gardening": 1,
        "prevention": 1,
        TOTAL: 4,
    }


def test_active_in_a_programme_are_the_members_it_covers_during_the_period():
    a, b, c, i, e = _active_world()
    programme = ProgrammeFactory(starts_on=D(2024, 1, 1))
    covered(a, programme, joined_on=D(2025, 6, 1))
    covered(c, programme, joined_on=D(2024, 1, 1), left_on=D(2024, 12, 31))  # before
    covered(e, programme)  # withdrew her consent
    t = table("entrepreneurs_active", "gender", programme=programme)
    assert values(t) == {"woman": 1, TOTAL: 1}


def test_active_in_a_department_are_those_living_there():
    _active_world()
    t = table("entrepreneurs_active", "stage", department="93")
    assert values(t) == {"cape": 1, "associate": 1, TOTAL: 2}


def test_a_member_who_withdraws_research_consent_vanishes():
    a, *_others = _active_world()
    withdraw(a, D(2025, 7, 1))
    t = table("entrepreneurs_active", "profile")
    assert t.cell().value == 3
    assert t.cell("peer_mediator", TOTAL).value == 0
    # A consent given again counts again.
    consent(a, given_on=D(2025, 8, 1))
    assert table("entrepreneurs_active").cell().value == 4


# --- entries ------------------------------------------------------------------------------


def test_entries_are_first_contracts_started_in_the_period():
    _active_world()
    t = table("entries", "age_band")
    assert values(t) == {"18_29": 1, TOTAL: 1}  # B; E withdrew, F never consented
    assert t.cell("18_29", TOTAL).people == 1
    assert table("entries", period=(D(2024, 1, 1), D(2024, 12, 31))).cell().value == 3


def test_entries_age_band_is_the_age_in_the_year_of_entry():
    entrepreneur("cape", cape_on=D(2024, 12, 20), birth_year=1970)  # 54 at entry
    t = table("entries", "age_band", period=(D(2024, 1, 1), D(2025, 12, 31)))
    assert values(t) == {"30_54": 1, TOTAL: 1}


def test_a_renewal_is_not_an_entry():
    from members import services

    member = entrepreneur("cape", cape_on=D(2024, 3, 1))
    services.cape_renew(actor=member.coordinator, member=member, planned_end_date=D(2025, 6, 1))
    assert table("entries").cell().value == 0


def test_entries_by_gender_and_department_in_a_programme():
    programme = ProgrammeFactory(starts_on=D(2024, 1, 1))
    for postcode, gender in (("93100", Gender.MAN), ("75011", Gender.WOMAN)):
        covered(entrepreneur(cape_on=D(2025, 3, 3), postcode=postcode, gender=gender), programme)
    entrepreneur(cape_on=D(2025, 3, 3), postcode="93100")  # not in the programme
    t = table("entries", "gender", "department", programme=programme)
    assert t.cell("man", "93").value == 1
    assert t.cell("woman", "75").value == 1
    assert t.cell("woman", "93").value == 0
    assert t.cell(TOTAL, "93").value == 1
    assert t.cell().value == 2
    assert table("entries", department="93").cell().value == 2


# --- transitions --------------------------------------------------------------------------


def test_transitions_count_people_per_move_not_additive():
    _active_world()  # A: CAPE → CESA on 20/03/2025; I: CESA → associate on 27/01/2025
    both = entrepreneur("associate", cape_on=D(2024, 6, 20), gender=Gender.WOMAN)
    t = table("transitions", "transition", "gender")
    assert t.cell("cape_to_cesa", "woman").value == 2  # A and `both` (06/01/2025)
    assert t.cell("cesa_to_associate", "man").value == 1  # I
    assert t.cell("cesa_to_associate", "woman").value == 1  # `both` (16/04/2025)
    assert t.cell("cape_to_cesa", TOTAL).value == 2
    assert t.cell("cesa_to_associate", TOTAL).value == 2
    assert t.cell(TOTAL, "woman").value == 2
    assert t.cell().value == 3  # `both` made two moves: once in the total
    withdraw(both, D(2025, 7, 1))
    assert table("transitions").cell().value == 2


def test_transitions_in_a_programme_and_a_department():
    a, _b, _c, i, _e = _active_world()
    programme = ProgrammeFactory(starts_on=D(2024, 1, 1))
    covered(i, programme)
    assert values(table("transitions", "transition", programme=programme)) == {
        "cesa_to_associate": 1,
        TOTAL: 1,
    }
    assert values(table("transitions", "transition", department="75")) == {
        "cape_to_cesa": 1,
        TOTAL: 1,
    }


# --- exits --------------------------------------------------------------------------------


def test_exits_by_reason_gender_and_age_in_the_year_of_exit():
    from members import services

    _active_world()  # C left on 14/02/2025 (employment); H in 2023
    member = entrepreneur("cape", cape_on=D(2024, 10, 1), gender=Gender.MAN, birth_year=1995)
    services.member_exit(actor=member.coordinator, member=member, on=D(2025, 4, 1), reason="health")
    withdrawn = entrepreneur("cape", cape_on=D(2024, 10, 1))
    services.member_exit(
        actor=withdrawn.coordinator, member=withdrawn, on=D(2025, 4, 1), reason="health"
    )
    withdraw(withdrawn, D(2025, 5, 1))
    assert values(table("exits", "exit_reason")) == {"employment": 1, "health": 1, TOTAL: 2}
    t = table("exits", "age_band", "gender")
    assert t.cell("unknown", "woman").value == 1  # C
    assert t.cell("30_54", "man").value == 1  # 30 in 2025
    assert t.cell(TOTAL, TOTAL).value == 2
    assert table("exits", department="93").cell().value == 2  # both live in 93
    assert table("exits", department="75").cell().value == 0
    programme = ProgrammeFactory(starts_on=D(2024, 1, 1))
    covered(member, programme, joined_on=D(2024, 10, 1), left_on=D(2025, 4, 1))
    covered(withdrawn, programme)
    assert values(table("exits", "exit_reason", programme=programme)) == {"health": 1, TOTAL: 1}


# --- months_to_cesa -----------------------------------------------------------------------


def test_months_to_cesa_is_the_median_from_the_first_contract():
    # 181, 182 and 365 days: 5.95, 5.98 and 11.99 months.
    for cape_on, cesa_on, gender in (
        (D(2024, 9, 1), D(2025, 3, 1), Gender.WOMAN),
        (D(2024, 10, 1), D(2025, 4, 1), Gender.MAN),
        (D(2024, 6, 1), D(2025, 6, 1), Gender.WOMAN),
    ):
        to_cesa(entrepreneur("cape", cape_on=cape_on, gender=gender), cesa_on)
    # Not counted: a withdrawn consent; a CESA outside the period.
    withdrawn = to_cesa(entrepreneur("cape", cape_on=D(2023, 6, 1)), D(2025, 5, 1))
    withdraw(withdrawn, D(2025, 6, 1))
    to_cesa(entrepreneur("cape", cape_on=D(2024, 6, 1)), D(2025, 7, 1))
    t = table("months_to_cesa", "gender")
    assert t.cell().value == Decimal("6.0")
    assert t.cell().people == 3
    assert t.cell("woman", TOTAL).value == Decimal("9.0")  # (5.95 + 11.99) / 2
    assert t.cell("man", TOTAL).value == Decimal("6.0")
    assert t.cell("man", TOTAL).people == 1


def test_months_to_cesa_counts_renewed_capes_from_the_first():
    from members import services

    member = entrepreneur("cape", cape_on=D(2024, 1, 1), activity="sewing")
    services.cape_renew(actor=member.coordinator, member=member, planned_end_date=D(2025, 6, 1))
    to_cesa(member, D(2025, 1, 1))  # 366 days after the first CAPE
    t = table("months_to_cesa", "activity")
    assert values(t) == {"sewing": Decimal("12.0"), TOTAL: Decimal("12.0")}


def test_months_to_cesa_in_a_programme():
    programme = ProgrammeFactory(starts_on=D(2024, 1, 1))
    inside = to_cesa(entrepreneur("cape", cape_on=D(2024, 9, 1)), D(2025, 3, 1))
    covered(inside, programme)
    to_cesa(entrepreneur("cape", cape_on=D(2024, 6, 1)), D(2025, 6, 1))
    assert table("months_to_cesa", programme=programme).cell().value == Decimal("5.9")
    elsewhere = to_cesa(
        entrepreneur("cape", cape_on=D(2024, 4, 1), postcode="13001"), D(2025, 2, 1)
    )
    assert table("months_to_cesa", department="13").cell().value == Decimal("10.1")  # 306 days
    assert table("months_to_cesa", department="13").cell().people == 1
    assert elsewhere.stage == "cesa"


# --- constant number of queries -----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "rows", "cols", "queries"),
    [
        # One grouped query per grouping: (row, col), (row), (col), the grand total.
        ("entrepreneurs_active", "stage", "gender", 4),
        # Profiles: conditional counts over all (1), per gender (1), then the gender
        # margins (1) and the grand total (1).
        ("entrepreneurs_active", "profile", "gender", 4),
        # Profiles alone: conditional counts (1), the grand total (1).
        ("entrepreneurs_active", "profile", None, 2),
        ("entries", "age_band", "department", 4),
        ("transitions", "transition", "gender", 4),
        # One-way: (row) and the total.
        ("exits", "exit_reason", None, 2),
        # Medians: one windowed query per grouping.
        ("months_to_cesa", "gender", "activity", 4),
    ],
)
def test_query_count_does_not_grow_with_the_data(
    django_assert_num_queries, code, rows, cols, queries
):
    _active_world()
    programme = ProgrammeFactory(starts_on=D(2024, 1, 1))
    with django_assert_num_queries(queries):
        table(code, rows, cols)
    for index in range(4):
        member = entrepreneur("associate", cape_on=D(2024, 6, index + 1), birth_year=1980 + index)
        covered(member, programme)
        MemberFactory(path="exited")
    with django_assert_num_queries(queries):
        table(code, rows, cols)
    with django_assert_num_queries(queries):
        table(code, rows, cols, programme=programme, department="93")


def test_a_dimension_cannot_be_used_twice():
    with pytest.raises(ValueError):
        table("entrepreneurs_active", "profile", "profile")
    with pytest.raises(ValueError):
        table("entries", "gender", "gender")


@pytest.mark.parametrize(
    "code", ["entrepreneurs_active", "entries", "transitions", "exits", "months_to_cesa"]
)
def test_every_split_computes_with_consistent_margins(code):
    to_cesa(entrepreneur("cape", cape_on=D(2024, 12, 1), birth_year=1980), D(2025, 3, 1))
    total = table(code).cell()
    dimensions = REGISTRY[code].dimensions
    for rows in dimensions:
        for cols in (None, *dimensions):
            if cols == rows:
                continue
            t = table(code, rows, cols)
            assert t.cell() == total, (rows, cols)
            assert {(r, c) for r, _l in t.rows for c, _m in t.cols} == set(t.cells)
