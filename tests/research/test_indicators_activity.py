"""Indicators of the activity and of prevention, on small worlds whose answers are known:
revenue invoiced and collected, the cooperative contribution, hours, prevention
sessions and the people they reached — by programme and department, only for
entrepreneurs with research consent, margins included."""

import datetime
from decimal import Decimal

import pytest

from activities.enums import AudienceKind, MissionKind, SessionStatus
from members.enums import Gender
from research.indicators import REGISTRY, TOTAL, Scope
from tests.members.factories import ProgrammeFactory
from tests.research.factories_indicators import (
    billable_client,
    credit_note,
    entrepreneur,
    invoice,
    mission,
    payment,
    reverse,
    session,
    withdraw,
)

pytestmark = pytest.mark.django_db

D = datetime.date
SPRING = (D(2025, 3, 1), D(2025, 4, 30))
PUPILS, PROS = AudienceKind.PUPILS, AudienceKind.PROFESSIONALS


@pytest.fixture(autouse=True)
def _no_pdf(monkeypatch):
    """The invoices' PDF is not what these tests are about: a stand-in keeps them fast."""
    monkeypatch.setattr("coop.documents.render_invoice_pdf", lambda invoice: b"%PDF-1.7 test")


def table(code, rows=None, cols=None, *, programme=None, department="", period=SPRING):
    scope = Scope(period[0], period[1], programme=programme, department=department)
    return REGISTRY[code].table(scope, rows, cols)


def values(t, col=TOTAL) -> dict[str, Decimal]:
    return {row: t.cell(row, col).value for row, _label in t.rows}


def _people():
    """A (woman, Paris) and B (man, Seine-Saint-Denis) consent; C withdrew."""
    a = entrepreneur(gender=Gender.WOMAN, postcode="75011")
    b = entrepreneur(gender=Gender.MAN, postcode="93100")
    c = entrepreneur(gender=Gender.WOMAN, postcode="75011")
    withdraw(c, D(2025, 5, 1))
    return a, b, c


# --- revenue, collected, contribution -----------------------------------------------------


def _money_world():
    """Spring 2025. A's prevention workshop of the programme, for a Paris client: 1,000 €
    invoiced on 10/03, 200 € credited on 15/04, 600 € paid (500 € excluding VAT) on
    25/03. B's gardening for a client in 93: 500 € on 20/03, all paid (600 €) on 10/04.
    C (withdrawn) invoiced 700 € for the programme on 05/04, paid on 12/04. A's 300 €
    of 02/05 is after the period."""
    a, b, c = _people()
    programme = ProgrammeFactory(starts_on=D(2024, 1, 1))
    paris, seine = billable_client("75011"), billable_client("93100")
    workshop = mission(a, programme=programme, client=paris)
    gardening = mission(b, kind=MissionKind.GARDENING, client=seine)
    c_workshop = mission(c, programme=programme, client=paris)
    a_invoice = invoice(a, mission=workshop, issued_on=D(2025, 3, 10), net=1000)
    b_invoice = invoice(b, mission=gardening, issued_on=D(2025, 3, 20), net=500)
    c_invoice = invoice(c, mission=c_workshop, issued_on=D(2025, 4, 5), net=700)
    credit_note(a_invoice, issued_on=D(2025, 4, 15), tenths=2)
    later = invoice(a, mission=workshop, issued_on=D(2025, 5, 2), net=300)
    payment(a_invoice, "600.00", paid_on=D(2025, 3, 25))
    b_payment = payment(b_invoice, "600.00", paid_on=D(2025, 4, 10))
    payment(c_invoice, "840.00", paid_on=D(2025, 4, 12))
    return {"programme": programme, "b_payment": b_payment, "later": later}


def test_revenue_invoiced_is_invoices_less_credit_notes_of_consenting_entrepreneurs():
    _money_world()
    t = table("revenue_invoiced")
    assert t.cell().value == Decimal("1300.00")
    assert t.cell().people == 2
    # A's net 800 € is the larger share.
    assert t.cell().top_share == Decimal("0.6154")


def test_revenue_invoiced_by_activity_department_and_month():
    _money_world()
    assert values(table("revenue_invoiced", "activity")) == {
        "prevention_workshop": Decimal("800.00"),
        "gardening": Decimal("500.00"),
        TOTAL: Decimal("1300.00"),
    }
    assert values(table("revenue_invoiced", "department")) == {
        "75": Decimal("800.00"),
        "93": Decimal("500.00"),
        TOTAL: Decimal("1300.00"),
    }
    by_month = table("revenue_invoiced", "month", "activity")
    assert by_month.cell("2025-03", "prevention_workshop").value == Decimal("1000.00")
    assert by_month.cell("2025-04", "prevention_workshop").value == Decimal("-200.00")
    assert by_month.cell("2025-04", "gardening").value == 0
    assert by_month.cell("2025-03", TOTAL).value == Decimal("1500.00")
    assert by_month.cell(TOTAL, "gardening").value == Decimal("500.00")
    assert by_month.cell().value == Decimal("1300.00")
    assert [label for _key, label in by_month.rows] == ["mars 2025", "avril 2025", "Ensemble"]


def test_revenue_invoiced_shows_every_month_of_the_period():
    _money_world()
    t = table("revenue_invoiced", "month", period=(D(2025, 2, 1), D(2025, 3, 31)))
    assert values(t) == {"2025-02": 0, "2025-03": Decimal("1500.00"), TOTAL: Decimal("1500.00")}
    assert t.cell("2025-02", TOTAL).people == 0


def test_revenue_invoiced_of_a_programme_and_a_department():
    world = _money_world()
    assert table("revenue_invoiced", programme=world["programme"]).cell().value == Decimal("800.00")
    assert table("revenue_invoiced", department="93").cell().value == Decimal("500.00")
    assert table("revenue_invoiced", department="13").cell().value == 0


def test_revenue_collected_is_the_part_excluding_vat_net_of_reversals():
    world = _money_world()
    t = table("revenue_collected", "month", "activity")
    assert t.cell("2025-03", "prevention_workshop").value == Decimal("500.00")
    assert t.cell("2025-04", "gardening").value == Decimal("500.00")
    assert t.cell().value == Decimal("1000.00")  # C's payment left out
    assert t.cell().people == 2
    assert table("revenue_collected", programme=world["programme"]).cell().value == Decimal(
        "500.00"
    )
    assert table("revenue_collected", department="93").cell().value == Decimal("500.00")
    # The reversal, dated today, takes B's payment back in the period that holds today.
    reverse(world["b_payment"])
    until_today = (D(2025, 3, 1), datetime.date.today())
    assert table("revenue_collected", period=until_today).cell().value == Decimal("500.00")
    assert table("revenue_collected").cell().value == Decimal("1000.00")


def test_contribution_is_taken_on_collected_revenue_at_the_invoices_rate():
    world = _money_world()
    t = table("contribution", "activity")
    # 10 % (the cooperative's default rate, frozen on each invoice) of 500 € and 500 €.
    assert values(t) == {
        "prevention_workshop": Decimal("50.00"),
        "gardening": Decimal("50.00"),
        TOTAL: Decimal("100.00"),
    }
    assert table("contribution", programme=world["programme"]).cell().value == Decimal("50.00")
    assert table("contribution", department="93").cell().value == Decimal("50.00")  # B's
    assert values(table("contribution", "month")) == {
        "2025-03": Decimal("50.00"),
        "2025-04": Decimal("50.00"),
        TOTAL: Decimal("100.00"),
    }


def test_money_of_an_entrepreneur_who_withdraws_vanishes():
    a, _b, _c = _people()
    a_invoice = invoice(a, issued_on=D(2025, 3, 10), net=1000)
    payment(a_invoice, "1200.00", paid_on=D(2025, 3, 12))
    assert table("revenue_invoiced").cell().value == Decimal("1000.00")
    assert table("revenue_collected").cell().value == Decimal("1000.00")
    withdraw(a, D(2025, 6, 1))
    for code in ("revenue_invoiced", "revenue_collected", "contribution"):
        t = table(code, "activity")
        assert t.cell().value == 0
        assert t.cell().people == 0
        assert [key for key, _label in t.rows] == [TOTAL]


def test_an_invoice_without_mission_has_its_own_row():
    a, _b, _c = _people()
    invoice(a, issued_on=D(2025, 3, 10), net=400)
    t = table("revenue_invoiced", "activity")
    assert values(t) == {"": Decimal("400.00"), TOTAL: Decimal("400.00")}
    assert t.rows[0][1] == "Sans mission rattachée"


# --- hours and prevention -----------------------------------------------------------------


def _sessions_world():
    """Spring 2025, validated sessions unless said:

    - A's prevention workshop of the programme: s1 05/03, 2 h in 75, 20 pupils and 3
      professionals, alcohol and cannabis; s2 10/04, 1 h in 93, 10 pupils, alcohol; a
      logged (not validated) session, and one in May: not counted;
    - A's peer mediation: s3 15/03, 1 h 30 in 75 (not prevention);
    - B's gardening: s4 20/03, 3 h in 93 (not prevention);
    - B's training of professionals: s5 02/04, 45 min in 93, 12 professionals, mental
      health;
    - C (withdrawn): a 5 h workshop of the programme on 10/03."""
    a, b, c = _people()
    programme = ProgrammeFactory(starts_on=D(2024, 1, 1))
    workshop = mission(a, programme=programme)
    session(
        workshop,
        date=D(2025, 3, 5),
        minutes=120,
        department="75",
        audiences={PUPILS: 20, PROS: 3},
        themes=["alcohol", "cannabis"],
    )
    session(workshop, date=D(2025, 4, 10), minutes=60, audiences={PUPILS: 10}, themes=["alcohol"])
    session(workshop, date=D(2025, 3, 6), status=SessionStatus.LOGGED, themes=["alcohol"])
    session(workshop, date=D(2025, 5, 2), themes=["alcohol"])
    mediation = mission(a, kind=MissionKind.PEER_MEDIATION)
    session(mediation, date=D(2025, 3, 15), minutes=90, department="75")
    session(mission(b, kind=MissionKind.GARDENING), date=D(2025, 3, 20), minutes=180)
    training = mission(b, kind=MissionKind.PROFESSIONAL_TRAINING)
    session(
        training,
        date=D(2025, 4, 2),
        minutes=45,
        audiences={PROS: 12},
        themes=["mental_health"],
    )
    session(mission(c, programme=programme), date=D(2025, 3, 10), minutes=300, department="75")
    return programme


def test_hours_delivered_by_activity_gender_month_and_department():
    _sessions_world()
    t = table("hours_delivered", "activity")
    assert values(t) == {
        "prevention_workshop": Decimal("3.00"),
        "professional_training": Decimal("0.75"),
        "peer_mediation": Decimal("1.50"),
        "gardening": Decimal("3.00"),
        TOTAL: Decimal("8.25"),
    }
    assert t.cell().people == 2
    assert values(table("hours_delivered", "gender")) == {
        "woman": Decimal("4.50"),
        "man": Decimal("3.75"),
        TOTAL: Decimal("8.25"),
    }
    by_month = table("hours_delivered", "month", "department")
    assert by_month.cell("2025-03", "75").value == Decimal("3.50")
    assert by_month.cell("2025-03", "93").value == Decimal("3.00")
    assert by_month.cell("2025-04", "93").value == Decimal("1.75")
    assert by_month.cell("2025-04", "75").value == 0
    assert by_month.cell(TOTAL, "93").value == Decimal("4.75")
    assert by_month.cell("2025-03", TOTAL).value == Decimal("6.50")
    assert by_month.cell().value == Decimal("8.25")


def test_hours_delivered_of_a_programme_and_a_department():
    programme = _sessions_world()
    t = table("hours_delivered", programme=programme)
    assert t.cell().value == Decimal("3.00")  # C's 5 hours left out
    assert t.cell().people == 1
    assert table("hours_delivered", department="93").cell().value == Decimal("4.75")


def test_prevention_sessions_split_by_audience_and_theme_are_not_additive():
    _sessions_world()
    t = table("prevention_sessions", "audience", "theme")
    assert t.cell().value == 3  # s1, s2, s5
    assert t.cell().people == 2
    assert t.cell(PUPILS, TOTAL).value == 2
    assert t.cell(PROS, TOTAL).value == 2  # s1 and s5: 4 in the rows, 3 in all
    assert t.cell(TOTAL, "alcohol").value == 2
    assert t.cell(TOTAL, "cannabis").value == 1
    assert t.cell(TOTAL, "mental_health").value == 1
    assert t.cell(PUPILS, "alcohol").value == 2
    assert t.cell(PUPILS, "cannabis").value == 1
    assert t.cell(PROS, "alcohol").value == 1
    assert t.cell(PROS, "mental_health").value == 1
    assert t.cell(PUPILS, "mental_health").value == 0
    assert t.cell(PUPILS, "mental_health").people == 0
    assert t.cell(PROS, TOTAL).people == 2


def test_prevention_sessions_by_department_and_month():
    programme = _sessions_world()
    t = table("prevention_sessions", "month", "department")
    assert t.cell("2025-03", "75").value == 1
    assert t.cell("2025-04", "93").value == 2
    assert t.cell().value == 3
    assert table("prevention_sessions", programme=programme).cell().value == 2
    assert table("prevention_sessions", department="75").cell().value == 1


def test_prevention_hours():
    programme = _sessions_world()
    t = table("prevention_hours", "audience")
    assert values(t) == {PUPILS: Decimal("3.00"), PROS: Decimal("2.75"), TOTAL: Decimal("3.75")}
    assert table("prevention_hours", department="93").cell().value == Decimal("1.75")
    theme = table("prevention_hours", "theme", programme=programme)
    assert values(theme) == {
        "alcohol": Decimal("3.00"),
        "cannabis": Decimal("2.00"),
        TOTAL: Decimal("3.00"),
    }


def test_people_reached_by_audience_and_theme():
    programme = _sessions_world()
    t = table("people_reached", "audience", "theme")
    assert t.cell().value == 45  # 23 + 10 + 12
    assert t.cell(PUPILS, TOTAL).value == 30
    assert t.cell(PROS, TOTAL).value == 15
    assert t.cell(TOTAL, "alcohol").value == 33
    assert t.cell(TOTAL, "cannabis").value == 23
    assert t.cell(PROS, "mental_health").value == 12
    assert t.cell(PROS, "cannabis").value == 3
    assert t.cell(PUPILS, TOTAL).people == 1  # only A's sessions had pupils
    assert table("people_reached", programme=programme).cell().value == 33
    by_month = table("people_reached", "month", department="93")
    assert values(by_month) == {"2025-03": 0, "2025-04": 22, TOTAL: 22}


def test_sessions_of_an_entrepreneur_who_withdraws_vanish():
    a, _b, _c = _people()
    session(mission(a), date=D(2025, 3, 5), minutes=60, audiences={PUPILS: 30})
    assert table("people_reached").cell().value == 30
    withdraw(a, D(2025, 6, 1))
    for code in ("hours_delivered", "prevention_sessions", "prevention_hours", "people_reached"):
        t = table(code)
        assert t.cell().value == 0, code
        assert t.cell().people == 0, code


# --- constant number of queries -----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "rows", "cols", "queries"),
    [
        # Sums: one grouped query per grouping — (row, col), (row), (col), the total.
        ("revenue_invoiced", "activity", "department", 4),
        ("revenue_collected", "month", "activity", 4),
        ("contribution", "activity", None, 2),  # one-way: (row), the total
        ("hours_delivered", "gender", "month", 4),
        # Splits that join several rows per session: (audience, theme) with both joined,
        # keeping the inner cells (4); the audience margins with the audience joined
        # alone (2: the split, then a total not kept); the theme margins likewise (2);
        # the total on sessions alone (1).
        ("prevention_sessions", "audience", "theme", 9),
        # Theme joined: all four groupings, keeping all but the row margins and the
        # total (4); those from the department split alone (2).
        ("prevention_hours", "theme", "department", 6),
        # The audience is one row per session and kind: only the theme joins (4 + 2).
        ("people_reached", "audience", "theme", 6),
        ("people_reached", "audience", "month", 4),
    ],
)
def test_query_count_does_not_grow_with_the_data(
    django_assert_num_queries, code, rows, cols, queries
):
    programme = _sessions_world()
    _money_world()
    with django_assert_num_queries(queries):
        table(code, rows, cols)
    a, b, _c = _people()
    for index, member in enumerate((a, b, a)):
        work = mission(member, programme=programme, client=billable_client("93100"))
        session(work, date=D(2025, 4, 20 + index), audiences={PROS: 4}, themes=["tobacco"])
        paid = invoice(member, mission=work, issued_on=D(2025, 5, 10 + index), net=100)
        payment(paid, "120.00", paid_on=D(2025, 5, 20))
    with django_assert_num_queries(queries):
        table(code, rows, cols, period=(D(2025, 1, 1), D(2025, 12, 31)))
    with django_assert_num_queries(queries):
        table(code, rows, cols, programme=programme, department="93")


def test_a_session_without_theme_has_its_own_row():
    a, _b, _c = _people()
    session(mission(a), date=D(2025, 3, 5), minutes=60, themes=[])
    session(mission(a), date=D(2025, 3, 6), minutes=60, themes=["tobacco"])
    t = table("prevention_sessions", "theme")
    assert values(t) == {"tobacco": 1, "": 1, TOTAL: 2}
    assert t.rows[-2][1] == "Non renseigné"


@pytest.mark.parametrize(
    "code",
    [
        "revenue_invoiced",
        "revenue_collected",
        "contribution",
        "hours_delivered",
        "prevention_sessions",
        "prevention_hours",
        "people_reached",
    ],
)
def test_every_split_computes_with_consistent_margins(code):
    a, _b, _c = _people()
    work = mission(a, client=billable_client("93100"))
    session(work, date=D(2025, 3, 5), audiences={PUPILS: 8, PROS: 2}, themes=["alcohol", "other"])
    paid = invoice(a, mission=work, issued_on=D(2025, 3, 10), net=100)
    payment(paid, "120.00", paid_on=D(2025, 3, 12))
    total = table(code).cell()
    assert total.value > 0
    dimensions = REGISTRY[code].dimensions
    for rows in dimensions:
        for cols in (None, *dimensions):
            if cols == rows:
                continue
            t = table(code, rows, cols)
            assert t.cell() == total, (rows, cols)
            assert {(r, c) for r, _l in t.rows for c, _m in t.cols} == set(t.cells)
