"""Section "situation": the main resource of entrepreneurs and accompanied people at
entry and after leaving, in worlds whose answers are known."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from members.enums import ConsentScope, Gender, Resource, SituationCheckpoint, Stage
from members.models import Consent, Member, MemberSituation
from peer_support.enums import CareFollowUp, Housing, Outcome
from peer_support.enums import ConsentScope as FollowUpConsentScope
from research.indicators import REGISTRY, SECTIONS, TOTAL, Scope
from research.indicators.base import Measure, Unit
from tests.members.factories import MemberFactory, ProgrammeFactory
from tests.peer_support.factories import FollowUpFactory
from tests.research.factories import ProgrammeMemberFactory

pytestmark = pytest.mark.django_db

# A past calendar year, so that every date of the worlds below is in the past.
YEAR = timezone.localdate().year - 2


def d(month: int, day: int, year: int = YEAR) -> datetime.date:
    return datetime.date(year, month, day)


PERIOD = Scope(start=d(1, 1), end=d(12, 31))
ENTREPRENEURS = "situation_entrepreneurs"
ACCOMPANIED = "situation_accompanied"


def _table(code, scope=PERIOD, rows="resource", cols="checkpoint"):
    return REGISTRY[code].table(scope, rows, cols)


def _people(table) -> dict[tuple[str, str], int]:
    """The non-zero cells, as people counts."""
    return {key: cell.people for key, cell in table.cells.items() if cell.people}


# --- entrepreneurs --------------------------------------------------------------------


def entrepreneur(
    *,
    meeting: datetime.date,
    exit_on: datetime.date | None = None,
    situations: dict[str, str],
    consent: bool = True,
    **fields,
) -> Member:
    """A member who came to the information meeting on `meeting`, left on `exit_on`,
    with their situations (checkpoint → resource) and research consent. The rows are
    written as they stand (the service's rules on recording dates are tested apart)."""
    member = MemberFactory(information_meeting_on=meeting, **fields)
    if exit_on is not None:
        Member.objects.filter(pk=member.pk).update(
            stage=Stage.EXITED, stage_since=exit_on, exited_on=exit_on, exit_reason="employment"
        )
        member.refresh_from_db()
    for checkpoint, resource in situations.items():
        MemberSituation.objects.create(
            member=member,
            checkpoint=checkpoint,
            recorded_on=meeting,
            resource=resource,
            recorded_by=member.coordinator,
        )
    if consent:
        Consent.objects.create(
            member=member,
            scope=ConsentScope.RESEARCH,
            given_on=meeting,
            explanation="Des chiffres anonymes pour la recherche-action.",
            recorded_by=member.coordinator,
        )
    return member


def entrepreneurs_world() -> dict[str, Member]:
    """Seven entrepreneurs around the year YEAR (the period):

    - a: came in March → entry RSA;
    - b: came the year before (entry not counted), left on 10 May → exit, day 28 (7 June)
      and month 6 (8 November, the 182nd day) on employment;
    - c: came in February (entry RSA), left on 20 December (exit RSA; its 28th day is
      next year);
    - d: left on 10 December the year before → day 28 (7 January) none, month 6 (9 June)
      other; its exit is last year's;
    - e: left on 3 December the year before → day 28 on 31 December of that year (not
      counted), month 6 on 2 June → employment;
    - f: came in April, no research consent; g: came in April, consent withdrawn.
    """
    world = {
        "a": entrepreneur(meeting=d(3, 1), situations={"entry": "rsa"}),
        "b": entrepreneur(
            meeting=d(6, 1, YEAR - 1),
            exit_on=d(5, 10),
            situations={
                "entry": "aah",
                "exit": "employment",
                "day_28": "employment",
                "month_6": "employment",
            },
        ),
        "c": entrepreneur(
            meeting=d(2, 1),
            exit_on=d(12, 20),
            situations={"entry": "rsa", "exit": "rsa", "day_28": "employment"},
            postcode="75011",
        ),
        "d": entrepreneur(
            meeting=d(1, 1, YEAR - 2),
            exit_on=d(12, 10, YEAR - 1),
            situations={"exit": "aah", "day_28": "none", "month_6": "other"},
        ),
        "e": entrepreneur(
            meeting=d(1, 1, YEAR - 2),
            exit_on=d(12, 3, YEAR - 1),
            situations={"day_28": "rsa", "month_6": "employment"},
        ),
        "f": entrepreneur(meeting=d(4, 1), situations={"entry": "none"}, consent=False),
        "g": entrepreneur(meeting=d(4, 1), situations={"entry": "none"}),
    }
    Consent.objects.filter(member=world["g"]).update(withdrawn_on=d(5, 1))
    return world


def test_both_indicators_are_registered_in_the_situation_section():
    for code in (ENTREPRENEURS, ACCOMPANIED):
        indicator = REGISTRY[code]
        assert indicator.section == "situation" in SECTIONS
        assert indicator.unit == Unit.PEOPLE
        assert indicator.measure == Measure.PEOPLE
        assert indicator.respects_research_consent
        assert {"resource", "checkpoint", "gender", "department"} <= set(indicator.dimensions)
        assert "28e jour" in str(indicator.definition)


def test_entrepreneurs_by_resource_and_checkpoint():
    entrepreneurs_world()
    table = _table(ENTREPRENEURS)
    assert [key for key, _label in table.cols] == ["entry", "exit", "day_28", "month_6", TOTAL]
    assert [key for key, _label in table.rows] == [*Resource.values, TOTAL]
    assert _people(table) == {
        ("rsa", "entry"): 2,  # a, c
        ("employment", "exit"): 1,  # b
        ("rsa", "exit"): 1,  # c
        ("employment", "day_28"): 1,  # b
        ("none", "day_28"): 1,  # d
        ("employment", "month_6"): 2,  # b, e
        ("other", "month_6"): 1,  # d
        # Margins: each a distinct count of its own. c is in the RSA row twice, b in the
        # employment row three times: each counts once.
        ("rsa", TOTAL): 2,
        ("employment", TOTAL): 2,
        ("none", TOTAL): 1,
        ("other", TOTAL): 1,
        (TOTAL, "entry"): 2,
        (TOTAL, "exit"): 2,
        (TOTAL, "day_28"): 2,
        (TOTAL, "month_6"): 3,
        (TOTAL, TOTAL): 5,  # a, b, c, d, e
    }
    assert table.cell("aah", "entry").people == 0  # b's entry was the year before


def test_the_share_in_declared_employment_on_raw_cells():
    """What the pages show through column_shares: the employment row over its column."""
    entrepreneurs_world()
    table = _table(ENTREPRENEURS)

    def share(col):
        return table.cell("employment", col).value / table.cell(TOTAL, col).value

    assert share("entry") == 0
    assert share("exit") == Decimal(1) / 2
    assert share("day_28") == Decimal(1) / 2
    assert share("month_6") == Decimal(2) / 3


def test_the_period_boundaries_follow_the_described_day():
    """28 days after a 3 December exit is 31 December: in that year, not the next."""
    world = entrepreneurs_world()
    last_year = Scope(start=d(12, 1, YEAR - 1), end=d(12, 31, YEAR - 1))
    table = _table(ENTREPRENEURS, last_year)
    assert table.cell("rsa", "day_28").people == 1  # e
    assert table.cell("aah", "exit").people == 1  # d left on 10 December
    assert table.cell(TOTAL, TOTAL).people == 2
    # b's entry (June of that year) is outside December.
    assert world["b"].information_meeting_on < last_year.start


def test_entrepreneurs_of_a_programme():
    world = entrepreneurs_world()
    programme = ProgrammeFactory(starts_on=d(1, 1, YEAR - 3))
    ProgrammeMemberFactory(programme=programme, member=world["a"], joined_on=d(3, 15))
    ProgrammeMemberFactory(
        programme=programme, member=world["b"], joined_on=d(7, 1, YEAR - 1), left_on=d(5, 10)
    )
    # d joined after the period: not covered by it.
    ProgrammeMemberFactory(programme=programme, member=world["d"], joined_on=d(2, 1, YEAR + 1))
    table = _table(ENTREPRENEURS, Scope(start=PERIOD.start, end=PERIOD.end, programme=programme))
    assert _people(table) == {
        ("rsa", "entry"): 1,
        ("employment", "exit"): 1,
        ("employment", "day_28"): 1,
        ("employment", "month_6"): 1,
        ("rsa", TOTAL): 1,
        ("employment", TOTAL): 1,
        (TOTAL, "entry"): 1,
        (TOTAL, "exit"): 1,
        (TOTAL, "day_28"): 1,
        (TOTAL, "month_6"): 1,
        (TOTAL, TOTAL): 2,
    }


def test_entrepreneurs_of_a_department():
    entrepreneurs_world()
    table = _table(ENTREPRENEURS, Scope(start=PERIOD.start, end=PERIOD.end, department="75"))
    assert _people(table) == {
        ("rsa", "entry"): 1,
        ("rsa", "exit"): 1,
        ("rsa", TOTAL): 1,
        (TOTAL, "entry"): 1,
        (TOTAL, "exit"): 1,
        (TOTAL, TOTAL): 1,
    }


def test_a_withdrawn_consent_removes_the_person():
    world = entrepreneurs_world()
    assert _table(ENTREPRENEURS).cell("employment", "month_6").people == 2
    Consent.objects.filter(member=world["b"]).update(withdrawn_on=timezone.localdate())
    table = _table(ENTREPRENEURS)
    assert table.cell("employment", "month_6").people == 1
    assert table.cell("employment", "exit").people == 0
    assert table.cell(TOTAL, TOTAL).people == 4


def test_entrepreneurs_by_gender_age_band_and_department():
    world = entrepreneurs_world()
    Member.objects.filter(pk=world["a"].pk).update(gender=Gender.WOMAN, birth_year=YEAR - 25)
    Member.objects.filter(pk=world["c"].pk).update(gender=Gender.MAN, birth_year=YEAR - 40)
    by_gender = _table(ENTREPRENEURS, rows="gender", cols="checkpoint")
    assert by_gender.cell(Gender.WOMAN, "entry").people == 1
    assert by_gender.cell(Gender.MAN, "entry").people == 1
    by_age = _table(ENTREPRENEURS, rows="age_band", cols=None)
    assert by_age.cell("18_29", TOTAL).people == 1
    assert by_age.cell("30_54", TOTAL).people == 1
    assert by_age.cell("unknown", TOTAL).people == 3
    by_department = _table(ENTREPRENEURS, rows="department", cols=None)
    assert by_department.cell("75", TOTAL).people == 1
    assert by_department.cell("93", TOTAL).people == 4


def test_closed_lists_show_every_category_even_empty():
    """Nobody at all: every resource and checkpoint is there, at zero (open lists such
    as departments show only the categories present)."""
    table = _table(ENTREPRENEURS)
    assert [key for key, _label in table.rows] == [*Resource.values, TOTAL]
    assert [key for key, _label in table.cols] == [*SituationCheckpoint.values, TOTAL]
    assert all(cell.people == 0 for cell in table.cells.values())
    assert [key for key, _label in _table(ENTREPRENEURS, rows="department", cols=None).rows] == [
        TOTAL
    ]
    accompanied_table = _table(ACCOMPANIED, rows="checkpoint", cols="gender")
    assert [key for key, _label in accompanied_table.rows] == ["entry", "day_28", "month_6", TOTAL]
    assert len(accompanied_table.cols) == len(Gender.values) + 1


def test_no_breakdown_is_the_number_of_people():
    entrepreneurs_world()
    table = _table(ENTREPRENEURS, rows=None, cols=None)
    assert list(table.cells) == [(TOTAL, TOTAL)]
    assert table.cell().people == 5


@pytest.mark.parametrize("extra", [1, 12])
def test_entrepreneurs_query_count_does_not_grow(django_assert_num_queries, extra):
    entrepreneurs_world()
    for index in range(extra):
        entrepreneur(meeting=d(5, 1 + index), situations={"entry": "other"})
    # one GROUP BY per margin: (resource, checkpoint), (resource), (checkpoint), ()
    with django_assert_num_queries(4):
        table = _table(ENTREPRENEURS)
    assert table.cell("other", "entry").people == extra


# --- accompanied people ---------------------------------------------------------------


def accompanied(
    *,
    opened_on: datetime.date,
    closed_on: datetime.date | None = None,
    later: dict[str, str] | None = None,
    **fields,
):
    """A follow-up opened on `opened_on` (its situation at entry is RSA), closed on
    `closed_on`, with its later situations (checkpoint → resource)."""
    if closed_on is not None:
        fields |= {"closed_on": closed_on, "outcome": Outcome.GOALS_REACHED}
    followup = FollowUpFactory(opened_on=opened_on, **fields)
    for checkpoint, resource in (later or {}).items():
        followup.situations.create(
            checkpoint=checkpoint,
            recorded_on=closed_on,
            housing=Housing.STABLE,
            resource=resource,
            care_follow_up=CareFollowUp.UNDISCLOSED,
            recorded_by=followup.created_by,
        )
    return followup


def accompanied_world():
    """Five accompanied people around YEAR:

    - p: opened in March → entry RSA;
    - q: opened and closed the year before (10 December) → day 28 (7 January) employment,
      month 6 (9 June) employment;
    - r: opened in February (entry RSA), closed on 1 October → day 28 (29 October) none;
      its month 6 is next year;
    - s: opened in April, no research consent;
    - t: opened in May in another department (75).
    """
    return {
        "p": accompanied(opened_on=d(3, 1)),
        "q": accompanied(
            opened_on=d(1, 10, YEAR - 1),
            closed_on=d(12, 10, YEAR - 1),
            later={"day_28": "employment", "month_6": "employment"},
        ),
        "r": accompanied(
            opened_on=d(2, 1),
            closed_on=d(10, 1),
            later={"day_28": "none", "month_6": "aah"},
        ),
        "s": accompanied(opened_on=d(4, 1), research_consent=False),
        "t": accompanied(opened_on=d(5, 1), postcode="75011", department="75"),
    }


def test_accompanied_by_resource_and_checkpoint():
    accompanied_world()
    table = _table(ACCOMPANIED)
    assert [key for key, _label in table.cols] == ["entry", "day_28", "month_6", TOTAL]
    assert _people(table) == {
        ("rsa", "entry"): 3,  # p, r, t
        ("employment", "day_28"): 1,  # q
        ("none", "day_28"): 1,  # r
        ("employment", "month_6"): 1,  # q
        ("rsa", TOTAL): 3,
        ("employment", TOTAL): 1,
        ("none", TOTAL): 1,
        (TOTAL, "entry"): 3,
        (TOTAL, "day_28"): 2,
        (TOTAL, "month_6"): 1,
        (TOTAL, TOTAL): 4,  # p, q, r, t
    }
    # The share in declared employment 28 days after the end, on raw cells.
    day_28 = table.cell("employment", "day_28").value / table.cell(TOTAL, "day_28").value
    assert day_28 == Decimal(1) / 2


def test_accompanied_of_a_programme_and_a_department():
    world = accompanied_world()
    programme = ProgrammeFactory()
    world["r"].programme = programme
    world["r"].save(update_fields=["programme"])
    in_programme = _table(ACCOMPANIED, Scope(PERIOD.start, PERIOD.end, programme=programme))
    assert in_programme.cell(TOTAL, TOTAL).people == 1
    assert in_programme.cell("none", "day_28").people == 1
    in_75 = _table(ACCOMPANIED, Scope(PERIOD.start, PERIOD.end, department="75"))
    assert _people(in_75) == {
        ("rsa", "entry"): 1,
        ("rsa", TOTAL): 1,
        (TOTAL, "entry"): 1,
        (TOTAL, TOTAL): 1,
    }


def test_accompanied_consent_withdrawal_removes_the_person():
    world = accompanied_world()
    world["q"].consents.filter(scope=FollowUpConsentScope.RESEARCH).update(
        withdrawn_on=timezone.localdate()
    )
    table = _table(ACCOMPANIED)
    assert table.cell("employment", TOTAL).people == 0
    assert table.cell(TOTAL, TOTAL).people == 3


def test_accompanied_by_gender():
    accompanied_world()
    table = _table(ACCOMPANIED, rows="gender", cols="checkpoint")
    assert table.cell(Gender.WOMAN, "entry").people == 3
    assert table.cell(Gender.WOMAN, TOTAL).people == 4


@pytest.mark.parametrize("extra", [1, 8])
def test_accompanied_query_count_does_not_grow(django_assert_num_queries, extra):
    accompanied_world()
    for index in range(extra):
        accompanied(opened_on=d(6, 1 + index))
    # one GROUP BY per margin: (resource, checkpoint), (resource), (checkpoint), ()
    with django_assert_num_queries(4):
        table = _table(ACCOMPANIED)
    assert table.cell("rsa", "entry").people == 3 + extra
