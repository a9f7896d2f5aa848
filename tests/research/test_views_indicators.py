"""The indicators page: who reaches it, what a bad request gets, and that a small cell
is never shown — not in the table, not in the CSV file, not in the chart."""

import csv
import datetime
import html as html_module
import io
import xml.etree.ElementTree as ET

import pytest
from django.db.models import CharField, F
from django.db.models.functions import Cast, Substr
from django.urls import reverse

from members.enums import Gender, Role
from members.models import Member
from research.enums import PeriodKind, SnapshotStatus
from research.indicators import REGISTRY, Indicator, Measure, Scope, Unit
from research.indicators.base import make_table, people_cells
from research.indicators.dimensions import DEPARTMENT, GENDER, MONTH, department_of
from research.models import Snapshot
from research.services import snapshots
from tests.members.factories import MemberFactory, ProgrammeFactory, UserFactory
from tests.research.factories import ProgrammeMemberFactory
from tests.research.factories_extracts import researcher_of

pytestmark = pytest.mark.django_db

TABLE = reverse("research:indicator_table")
CSV = reverse("research:indicator_csv")
INDEX = reverse("research:indicator_index")
# Every meeting of the world is in March 2026.
MARCH = {"period": "month", "month": "2026-03"}
MEETING_DAY = datetime.date(2026, 3, 10)
LESS_THAN_11 = "<\xa011"

_DIMENSIONS = {d.code: d for d in (GENDER, DEPARTMENT, MONTH)}


def _members_met(scope: Scope, rows: str | None, cols: str | None):
    """Members whose information meeting falls in the period (the page's test
    indicator: a plain count of people, by gender, department or month)."""
    members = Member.objects.filter(information_meeting_on__range=(scope.start, scope.end))
    members = members.annotate(
        by_gender=F("gender"),
        by_department=department_of("postcode"),
        by_month=Substr(Cast("information_meeting_on", CharField()), 1, 7),
    )
    if scope.programme is not None:
        members = members.filter(programme_memberships__programme=scope.programme)
    if scope.department:
        members = members.filter(by_department=scope.department)
    cells = people_cells(
        members,
        person="pk",
        row=f"by_{rows}" if rows else None,
        col=f"by_{cols}" if cols else None,
    )
    return make_table(
        "members_met",
        Measure.PEOPLE,
        cells,
        rows=_DIMENSIONS.get(rows),
        cols=_DIMENSIONS.get(cols),
    )


MEMBERS_MET = Indicator(
    code="members_met",
    label="Personnes reçues en réunion d'information",
    definition="Personnes dont la réunion d'information a eu lieu pendant la période.",
    unit=Unit.PEOPLE,
    measure=Measure.PEOPLE,
    section="path",
    dimensions=("gender", "department", "month"),
    compute=_members_met,
)


@pytest.fixture
def members_met(monkeypatch):
    """The test indicator, in the catalogue for this test only."""
    len(REGISTRY)  # load the real catalogue first
    monkeypatch.setitem(REGISTRY, MEMBERS_MET.code, MEMBERS_MET)
    return MEMBERS_MET


@pytest.fixture
def programme():
    return ProgrammeFactory(starts_on=datetime.date(2025, 1, 1))


def _world(programme, *, women=12, men=12, non_binary=3):
    """Candidates met in March 2026 in Seine-Saint-Denis, covered by the programme:
    `non_binary` is the small cell."""
    coordinator = UserFactory(role=Role.COORDINATOR)
    for gender, count in (
        (Gender.WOMAN, women),
        (Gender.MAN, men),
        (Gender.NON_BINARY, non_binary),
    ):
        for _i in range(count):
            member = MemberFactory(
                candidate=True,
                gender=gender,
                coordinator=coordinator,
                information_meeting_on=MEETING_DAY,
            )
            ProgrammeMemberFactory(
                programme=programme,
                member=member,
                joined_on=MEETING_DAY,
                left_on=None,
                added_by=coordinator,
            )


def _ask(client, url=TABLE, **params):
    return client.get(url, {**MARCH, "indicator": "members_met", **params})


def _cells(html: str, row_label: str) -> list[str]:
    """The texts of the cells of a table row, found by its header."""
    start = html.index(f'<th scope="row">{row_label}</th>')
    end = html.index("</tr>", start)
    row = html[start:end]
    texts = []
    for chunk in row.split("<td")[1:]:
        body = chunk.split(">", 1)[1].split("</td>", 1)[0]
        texts.append(html_module.unescape(body.split("<sup>", 1)[0].strip()))
    return texts


# --- Who reaches the page ------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, members_met):
    for url in (TABLE, CSV, INDEX):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "role", [Role.FUNDER, Role.ENTREPRENEUR, Role.ACCOUNTANT, Role.PEER_SUPPORT_LEAD]
)
def test_other_roles_are_refused(client_of_role, members_met, role):
    client = client_of_role(role)
    for url in (TABLE, CSV, INDEX):
        assert client.get(url).status_code == 403


def test_wrong_method_is_refused(client_of_role, members_met):
    client = client_of_role(Role.COORDINATOR)
    for url in (TABLE, CSV, INDEX):
        assert client.post(url, MARCH).status_code == 405


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMINISTRATOR])
def test_staff_read_the_whole_cooperative(client_of_role, members_met, programme, role):
    _world(programme)
    client = client_of_role(role)
    response = _ask(client, rows="gender")
    assert response.status_code == 200
    html = response.content.decode()
    assert "toute la coopérative" in html
    assert _cells(html, "Non binaire") == [LESS_THAN_11]
    # One of the two others is hidden too (secondary suppression).
    assert sorted(_cells(html, "Femme") + _cells(html, "Homme")) == ["12", "s"]


def test_staff_read_any_programme(client_of_role, members_met, programme):
    _world(programme)
    other = ProgrammeFactory()
    client = client_of_role(Role.COORDINATOR)
    response = _ask(client, programme=programme.pk, rows="gender")
    assert _cells(response.content.decode(), "Ensemble") == ["27"]
    # Nobody of this world is in the other programme.
    response = _ask(client, programme=other.pk)
    assert _cells(response.content.decode(), "Ensemble") == ["0"]


def _publish(programme, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31)):
    """The programme's figures of the period, published as the monthly run does."""
    programme.indicators = ["members_met"]
    programme.save(update_fields=["indicators"])
    return Snapshot.objects.create(
        programme=programme,
        period_kind=PeriodKind.MONTH,
        period_start=start,
        period_end=end,
        status=SnapshotStatus.SENT,
        data=snapshots.publication_compute(programme, start, end),
    )


def test_a_researcher_reads_their_programme_s_published_figures(client, members_met, programme):
    _world(programme)
    _publish(programme)
    client.force_login(researcher_of(programme))
    response = _ask(client, programme=programme.pk, rows="gender")
    assert response.status_code == 200
    html = response.content.decode()
    assert _cells(html, "Ensemble") == ["27"]
    assert _cells(html, "Non binaire") == [LESS_THAN_11]


def test_a_researcher_of_one_programme_gets_it_by_default(client, members_met, programme):
    _world(programme)
    _publish(programme)
    client.force_login(researcher_of(programme))
    response = _ask(client, rows="gender")
    assert _cells(response.content.decode(), "Ensemble") == ["27"]


def test_a_researcher_gets_no_figures_computed_on_demand(client, members_met, programme):
    """Neighbouring tables computed on demand could give back each other's hidden cells:
    a researcher reads what snapshots published, nothing else."""
    _world(programme)
    _publish(programme)
    client.force_login(researcher_of(programme))
    for params in (
        {"month": "2026-04"},  # not published
        {"rows": "gender", "department": "93"},  # a territory: snapshots are whole
        {"period": "custom", "start": "2026-03-01", "end": "2026-04-30"},
    ):
        response = _ask(client, programme=programme.pk, **params)
        assert response.status_code == 200
        assert response.context["result"] is None
        assert "Ces chiffres ne sont pas publiés" in html_module.unescape(response.content.decode())
    assert _ask(client, CSV, programme=programme.pk, month="2026-04").status_code == 302


def test_a_researcher_never_reads_another_programme(client, members_met, programme):
    _world(programme)
    client.force_login(researcher_of(ProgrammeFactory()))
    assert _ask(client, programme=programme.pk).status_code == 404
    assert _ask(client, CSV, programme=programme.pk).status_code == 404


def test_a_researcher_never_reads_the_whole_cooperative(client, members_met, programme):
    client.force_login(researcher_of(programme, ProgrammeFactory()))
    response = _ask(client, programme="")
    assert response.status_code == 200
    assert "Choisissez un programme." in response.content.decode()
    assert response.context["result"] is None


def test_a_researcher_chooses_whole_months(client, members_met, programme):
    client.force_login(researcher_of(programme))
    response = _ask(
        client, programme=programme.pk, period="custom", start="2026-03-01", end="2026-03-15"
    )
    assert "du premier jour d&#x27;un mois au dernier jour" in response.content.decode()
    response = _ask(
        client, programme=programme.pk, period="custom", start="2026-03-01", end="2026-04-30"
    )
    assert "du premier jour d&#x27;un mois au dernier jour" not in response.content.decode()


def test_the_programme_indicator_set_limits_the_choice(client_of_role, members_met):
    restricted = ProgrammeFactory(indicators=["entrepreneurs_active"])
    client = client_of_role(Role.COORDINATOR)
    response = _ask(client, programme=restricted.pk)
    html = response.content.decode()
    assert "Cet indicateur n&#x27;est pas proposé ici" in html
    assert 'value="members_met"' not in html


# --- Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"period": "custom", "start": "2026-03-31", "end": "2026-03-01"},
            "La fin de la période précède son début.",
        ),
        ({"indicator": "nope"}, "Cet indicateur n&#x27;est pas proposé ici"),
        ({"rows": "planet"}, "Cet indicateur ne se ventile pas ainsi"),
        ({"rows": "gender", "cols": "gender"}, "Choisissez deux ventilations différentes."),
        ({"programme": "abc"}, "Choisissez un programme dans la liste."),
        ({"month": "mars"}, "Écrivez un mois, par exemple 2026-03 ou 03/2026."),
        ({"month": ""}, "Donnez le mois"),
        ({"period": "week"}, "Choisissez un mois, une année ou une période."),
        ({"period": "year", "year": "3000"}, "Choisissez une année jusqu&#x27;à"),
        ({"department": "999"}, "Choisissez un département dans la liste."),
        ({"period": "custom", "start": "31/02/2026", "end": ""}, "Écrivez une date"),
    ],
)
def test_bad_input_is_explained_and_kept(client_of_role, members_met, params, message):
    client = client_of_role(Role.COORDINATOR)
    response = _ask(client, **params)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert response.context["result"] is None
    assert "Ce que vous avez saisi est conservé." in html


def test_a_bad_csv_request_goes_back_to_the_page(client_of_role, members_met):
    client = client_of_role(Role.COORDINATOR)
    response = _ask(client, CSV, rows="planet")
    assert response.status_code == 302
    assert response["Location"].startswith(TABLE + "?")


def test_an_unknown_programme_id_is_not_found(client_of_role, members_met):
    client = client_of_role(Role.COORDINATOR)
    assert _ask(client, programme=999999).status_code == 404


def test_a_link_naming_only_the_indicator_shows_last_month(client_of_role, members_met):
    client = client_of_role(Role.COORDINATOR)
    response = client.get(TABLE, {"indicator": "members_met"})
    assert response.status_code == 200
    assert response.context["result"] is not None


def test_the_empty_page_shows_the_form(client_of_role, members_met):
    response = client_of_role(Role.COORDINATOR).get(TABLE)
    assert response.status_code == 200
    assert response.context["result"] is None
    assert "Personnes reçues en réunion d&#x27;information" in response.content.decode()


# --- Disclosure control on every output -------------------------------------------------------


def test_a_small_cell_is_never_shown(client_of_role, members_met, programme):
    _world(programme)
    client = client_of_role(Role.COORDINATOR)
    response = _ask(client, programme=programme.pk, rows="gender", shares="on")
    html = response.content.decode()
    assert _cells(html, "Non binaire")[0] == LESS_THAN_11
    # Secondary suppression: the other cells of the column cannot give it back.
    assert sorted(_cells(html, "Femme") + _cells(html, "Homme")) == ["12", "s"]
    assert _cells(html, "Ensemble")[0] == "27"
    # Nor can the shares (3 of 27 is 11.1 %).
    assert "11,1" not in html
    # The footnote says why.
    assert "moins de 11 personnes" in html
    assert "masquée pour protéger une autre case" in html


def test_the_csv_file_hides_the_small_cell(client_of_role, members_met, programme):
    _world(programme)
    client = client_of_role(Role.COORDINATOR)
    response = _ask(client, CSV, programme=programme.pk, rows="gender")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Genre", "Ensemble"]
    by_label = {row[0]: row[1:] for row in rows if row}
    assert by_label["Non binaire"] == [LESS_THAN_11]
    assert by_label["Ensemble"] == ["27"]
    assert "s" in (by_label["Femme"][0], by_label["Homme"][0])
    assert "3" not in {value for row in rows[1:5] for value in row[1:]}


def test_the_csv_file_of_shares(client_of_role, members_met, programme):
    _world(programme, women=30, men=20, non_binary=0)
    client = client_of_role(Role.COORDINATOR)
    response = _ask(
        client, CSV, programme=programme.pk, rows="gender", shares="on", tableau="parts"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff")), delimiter=";"))
    by_label = {row[0]: row[1:] for row in rows if row}
    assert by_label["Femme"] == ["60,0"]
    assert response["Content-Disposition"].endswith('-parts.csv"')


def test_the_chart_hides_the_small_cell(client_of_role, members_met, programme):
    _world(programme)
    client = client_of_role(Role.COORDINATOR)
    response = _ask(client, programme=programme.pk, rows="gender")
    chart = str(response.context["result"]["chart"])
    root = ET.fromstring(chart)  # noqa: S314 — our own chart
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text.startswith("Personnes reçues")
    desc = root.find(f"{ns}desc").text
    assert f"Non binaire : {LESS_THAN_11}" in desc
    assert "Non binaire : 3" not in desc
    # The figures written on the bars (9px) never include the small count.
    labels = [t.text for t in root.iter(f"{ns}text") if t.get("font-size") == "9px"]
    assert LESS_THAN_11 in labels
    assert "3" not in labels
    assert 'role="img"' in response.content.decode()


# --- Two breakdowns, months, the index --------------------------------------------------------


def test_two_breakdowns_and_a_month_line(client_of_role, members_met, programme):
    _world(programme, women=15, men=15, non_binary=0)
    client = client_of_role(Role.COORDINATOR)
    response = _ask(client, rows="gender", cols="department")
    html = response.content.decode()
    assert "Genre (en lignes) et Département (en colonnes)" in html
    assert "93 — Seine-Saint-Denis" in html
    response = _ask(
        client,
        period="custom",
        start="2026-01-01",
        end="2026-04-30",
        rows="month",
    )
    assert "<desc>Courbe" in str(response.context["result"]["chart"])
    assert _cells(response.content.decode(), "mars 2026") == ["30"]


def test_one_breakdown_chosen_as_columns_is_shown_in_rows(client_of_role, members_met, programme):
    _world(programme, women=15, men=15, non_binary=0)
    response = _ask(client_of_role(Role.COORDINATOR), cols="gender")
    assert _cells(response.content.decode(), "Femme") == ["15"]


def test_the_index_lists_the_indicators(client_of_role, members_met):
    response = client_of_role(Role.RESEARCHER).get(INDEX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Personnes reçues en réunion d&#x27;information" in html
    assert "Personnes dont la réunion d&#x27;information" in html
    assert "?indicator=members_met" in html


# --- Query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 3])
def test_the_page_makes_a_constant_number_of_queries(
    client_of_role, members_met, programme, django_assert_num_queries, size
):
    _world(programme, women=12 * size, men=12 * size, non_binary=3 * size)
    client = client_of_role(Role.COORDINATOR)
    # session, user, two-factor check, the visible programmes, the published snapshots of
    # March and February (one query), then the indicator's two GROUP BY queries (by
    # gender, grand total).
    with django_assert_num_queries(7):
        response = _ask(client, programme=programme.pk, rows="gender")
    assert response.status_code == 200


@pytest.mark.parametrize("size", [1, 3])
def test_a_two_way_table_makes_a_constant_number_of_queries(
    client_of_role, members_met, programme, django_assert_num_queries, size
):
    _world(programme, women=12 * size, men=12 * size, non_binary=3 * size)
    client = client_of_role(Role.COORDINATOR)
    # session, user, two-factor check, the visible programmes, then the indicator's four
    # GROUP BY queries (cells, row margins, column margins, grand total): no snapshot
    # for the whole cooperative.
    with django_assert_num_queries(8):
        response = _ask(client, rows="gender", cols="department")
    assert response.status_code == 200


# --- A real indicator of the catalogue --------------------------------------------------------


def test_a_catalogue_indicator_on_the_page(client_of_role, programme):
    from tests.research.factories_indicators import covered, entrepreneur

    coordinator = UserFactory(role=Role.COORDINATOR)
    for _i in range(12):
        member = entrepreneur(
            cape_on=datetime.date(2026, 1, 5), gender=Gender.WOMAN, coordinator=coordinator
        )
        covered(member, programme)
    client = client_of_role(Role.COORDINATOR)
    response = client.get(
        TABLE,
        {
            **MARCH,
            "programme": programme.pk,
            "indicator": "entrepreneurs_active",
            "rows": "stage",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Entrepreneur·es en parcours" in html
    assert _cells(html, "Ensemble") == ["12"]
    assert response.context["result"]["chart"] is not None


def test_no_chart_when_nothing_but_zeros_and_hidden_cells_would_be_drawn(
    client_of_role, members_met, programme
):
    _world(programme, women=3, men=0, non_binary=0)
    client = client_of_role(Role.COORDINATOR)
    response = _ask(client, programme=programme.pk, rows="gender")
    html = response.content.decode()
    assert response.context["result"].get("chart") is None
    assert 'role="img"' not in html
    assert "Pas de graphique" in html
    assert _cells(html, "Femme") == [LESS_THAN_11]
