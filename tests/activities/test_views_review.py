"""The coordinators' review of sessions: the filtered list and its totals, a session's
page, validating or sending back a session and its expenses."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.enums import AudienceKind, ExpenseStatus, MissionKind, SessionStatus
from activities.models import Expense, Session
from members.enums import Role
from tests.activities.factories import ClientFactory, MissionFactory, SessionFactory
from tests.members.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("activities:session_list")

READERS = [Role.COORDINATOR, Role.ADMINISTRATOR, Role.ACCOUNTANT]
NEVER = [Role.PEER_SUPPORT_LEAD, Role.FUNDER, Role.RESEARCHER]
NOT_COORDINATORS = [role for role in Role if role != Role.COORDINATOR]
# The no-break space French puts between thousands.
THOUSANDS = "\xa0"


def _url(name: str, pk: int) -> str:
    return reverse(f"activities:{name}", args=[pk])


def _days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def _rows(response) -> list[int]:
    return [session.pk for session in response.context["page"]]


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _expense(session, **fields) -> Expense:
    values = {"kind": "meals", "amount": Decimal("12.50")} | fields
    return Expense.objects.create(session=session, **values)


def _entrepreneur(client_of_role):
    """An entrepreneur's client, with their member record and a mission of theirs."""
    client = client_of_role(Role.ENTREPRENEUR)
    client.member = MemberFactory(user=client.user, path="cape")
    client.mission = MissionFactory(entrepreneurs=[client.member])
    return client


# --- the list: who ----------------------------------------------------------------------


def test_list_anonymous_is_sent_to_login(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", READERS)
def test_list_for_readers(client_of_role, role):
    session = SessionFactory(mission__title="Prévention écrans en 5e")
    response = client_of_role(role).get(LIST_URL, {"status": ""})
    assert response.status_code == 200
    assert _rows(response) == [session.pk]
    assert "Prévention écrans en 5e" in response.content.decode()


@pytest.mark.parametrize("role", [Role.ENTREPRENEUR, *NEVER])
def test_list_refused_to_other_roles(client_of_role, role):
    SessionFactory()
    assert client_of_role(role).get(LIST_URL).status_code == 403


def test_list_wrong_method(client_of_role):
    assert client_of_role(Role.COORDINATOR).post(LIST_URL).status_code == 405


# --- the list: what ---------------------------------------------------------------------


def test_coordinators_first_see_what_waits_for_them(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    waiting = SessionFactory()
    SessionFactory(status=SessionStatus.VALIDATED)
    SessionFactory(status=SessionStatus.RETURNED, return_reason="La date")
    response = client.get(LIST_URL)
    assert _rows(response) == [waiting.pk]
    html = response.content.decode()
    assert 'href="?status=logged" aria-current="page"' in html
    # A clear way to see them all.
    assert 'href="?status="' in html and "Toutes les séances" in html
    assert len(_rows(client.get(LIST_URL, {"status": ""}))) == 3


def test_administrators_see_every_state_by_default(client_of_role):
    client = client_of_role(Role.ADMINISTRATOR)
    SessionFactory()
    SessionFactory(status=SessionStatus.VALIDATED)
    response = client.get(LIST_URL)
    assert len(_rows(response)) == 2
    # Reading only: no review action on the list.
    assert "Valider" not in response.content.decode().replace("À valider", "")


def test_row_shows_the_session(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(first_name="Nadia", last_name="Benali", path="cape")
    mission = MissionFactory(
        entrepreneurs=[member], title="Addictions et écrans", client__name="Collège Voltaire"
    )
    session = SessionFactory(
        mission=mission,
        date=datetime.date(2026, 3, 9),
        start_time=datetime.time(14, 0),
        duration_minutes=90,
        commune="Saint-Denis",
        postcode="93200",
        audiences={AudienceKind.PUPILS: 24, AudienceKind.PROFESSIONALS: 2},
        themes=["screens", "alcohol"],
    )
    _expense(session, amount=Decimal("1234.50"))
    _expense(session, amount=Decimal("10.00"), status=ExpenseStatus.VALIDATED)
    remote = SessionFactory(mission=mission, is_remote=True, commune="", postcode="", department="")
    html = client.get(LIST_URL).content.decode()
    assert f'href="{_url("session_detail", session.pk)}"' in html
    assert "09/03/2026" in html and "14 h 00" in html
    assert "Nadia Benali" in html
    assert f'href="{_url("mission_detail", mission.pk)}"' in html
    assert "Addictions et écrans" in html and "Collège Voltaire" in html
    assert "1 h 30" in html
    assert "Saint-Denis 93200" in html
    assert "<td>26</td>" in html
    assert "Alcool, Écrans" in html
    assert "À valider" in html
    assert f"1 frais, 1{THOUSANDS}234,50\xa0€" in html
    assert remote.pk in _rows(client.get(LIST_URL))
    assert "à distance" in html


def test_totals_are_exact_for_a_known_set(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    first = SessionFactory(
        duration_minutes=120,
        kilometres=Decimal("12.5"),
        audiences={AudienceKind.PUPILS: 25, AudienceKind.PROFESSIONALS: 3},
        themes=["alcohol", "tobacco", "cannabis"],
    )
    second = SessionFactory(
        duration_minutes=90,
        is_remote=True,
        commune="",
        postcode="",
        department="",
        kilometres=Decimal("0"),
        audiences={AudienceKind.GENERAL_PUBLIC: 10},
    )
    SessionFactory(
        duration_minutes=45, kilometres=Decimal("7.3"), audiences={AudienceKind.PUPILS: 5}
    )
    # Not selected: already validated.
    validated = SessionFactory(
        status=SessionStatus.VALIDATED,
        duration_minutes=600,
        audiences={AudienceKind.PUPILS: 100},
    )
    _expense(first, amount=Decimal("12.50"))
    _expense(first, amount=Decimal("30.00"), status=ExpenseStatus.VALIDATED)
    _expense(second, amount=Decimal("1234.56"))
    _expense(validated, amount=Decimal("99.99"))
    response = client.get(LIST_URL)
    totals = response.context["totals"]
    assert totals.sessions == 3
    assert totals.minutes == 255
    assert totals.kilometres == Decimal("19.8")
    assert totals.people == 43
    assert {item.kind: item.people for item in totals.audiences} == {
        AudienceKind.PUPILS: 30,
        AudienceKind.YOUNG_PEOPLE: 0,
        AudienceKind.PROFESSIONALS: 3,
        AudienceKind.GENERAL_PUBLIC: 10,
        AudienceKind.PEOPLE_IN_CARE: 0,
    }
    assert totals.expenses == Decimal("1277.06")
    assert totals.expenses_pending == Decimal("1247.06")
    html = response.content.decode()
    assert "4 h 15" in html
    assert "19,8\xa0km" in html
    assert "Élèves : 30" in html and "Grand public : 10" in html
    assert f"1{THOUSANDS}277,06\xa0€" in html
    assert f"dont 1{THOUSANDS}247,06\xa0€ à valider" in html
    # A session with three themes is counted once when filtering by theme.
    by_theme = client.get(LIST_URL, {"theme": "alcohol"}).context["totals"]
    assert by_theme.sessions == 3 and by_theme.minutes == 255
    # Every state: the validated one joins.
    everything = client.get(LIST_URL, {"status": ""}).context["totals"]
    assert everything.sessions == 4 and everything.minutes == 855 and everything.people == 143


def test_filter_by_entrepreneur(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    session = SessionFactory()
    SessionFactory()
    member = session.entrepreneur
    member.first_name, member.last_name = "Rosalie", "Quintard"
    member.save()
    assert _rows(client.get(LIST_URL, {"entrepreneur": "rosalie QUINT"})) == [session.pk]
    assert _rows(client.get(LIST_URL, {"entrepreneur": "Personne Inconnue"})) == []


def test_filter_by_client_kind_and_theme(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    school = ClientFactory(name="Lycée Jean-Jaurès")
    wanted = SessionFactory(
        mission__client=school, mission__kind=MissionKind.PROFESSIONAL_TRAINING, themes=["screens"]
    )
    SessionFactory(mission__client=school, themes=["alcohol"])
    SessionFactory(mission__kind=MissionKind.PROFESSIONAL_TRAINING, themes=["screens"])
    assert set(_rows(client.get(LIST_URL, {"client": "jean-jaurès"}))) == {
        wanted.pk,
        wanted.pk + 1,
    }
    assert _rows(
        client.get(
            LIST_URL,
            {"client": "Lycée Jean", "kind": MissionKind.PROFESSIONAL_TRAINING, "theme": "screens"},
        )
    ) == [wanted.pk]
    assert len(_rows(client.get(LIST_URL, {"theme": "screens"}))) == 2


def test_filter_by_territory_with_remote_as_its_own_choice(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    paris = SessionFactory(commune="Paris", postcode="75011", department="75")
    montreuil = SessionFactory()
    remote = SessionFactory(is_remote=True, commune="", postcode="", department="")
    assert _rows(client.get(LIST_URL, {"territory": "75"})) == [paris.pk]
    assert _rows(client.get(LIST_URL, {"territory": "93"})) == [montreuil.pk]
    assert _rows(client.get(LIST_URL, {"territory": "remote"})) == [remote.pk]
    html = client.get(LIST_URL).content.decode()
    assert "Seine-Saint-Denis (93)" in html and ">À distance</option>" in html


def test_filter_by_period(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    old = SessionFactory(date=datetime.date(2026, 1, 15))
    recent = SessionFactory(date=datetime.date(2026, 2, 10))
    assert _rows(client.get(LIST_URL, {"date_from": "2026-02-01"})) == [recent.pk]
    assert _rows(client.get(LIST_URL, {"date_to": "31/01/2026"})) == [old.pk]
    both = {"date_from": "2026-01-15", "date_to": "2026-02-10"}
    assert _rows(client.get(LIST_URL, both)) == [recent.pk, old.pk]


def test_filter_by_status(client_of_role):
    client = client_of_role(Role.ACCOUNTANT)
    SessionFactory()
    validated = SessionFactory(status=SessionStatus.VALIDATED)
    assert _rows(client.get(LIST_URL, {"status": "validated"})) == [validated.pk]


def test_bad_filters_keep_what_was_typed_and_list_nothing(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    SessionFactory()
    response = client.get(
        LIST_URL,
        {"status": "perdu", "date_from": "31/02/2026", "territory": "99", "theme": "alcohol"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"status", "date_from", "territory"} <= set(errors)
    html = response.content.decode()
    assert 'value="31/02/2026"' in html
    assert '<option value="alcohol" selected>' in html
    assert _rows(response) == []
    assert response.context["totals"] is None
    assert "Corrigez les filtres signalés" in html
    assert '<details class="field" open>' in html


def test_period_in_the_wrong_order_is_said(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = client.get(LIST_URL, {"date_from": "2026-03-01", "date_to": "2026-02-01"})
    assert "La fin de la période précède son début." in response.content.decode()
    assert _rows(response) == []


def test_pagination_keeps_the_filters(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    mission = MissionFactory()
    for day in range(53):
        SessionFactory(mission=mission, date=_days_ago(day + 1))
    first = client.get(LIST_URL, {"theme": "alcohol"})
    assert len(first.context["page"].object_list) == 50
    assert 'href="?theme=alcohol&amp;page=2"' in first.content.decode()
    second = client.get(LIST_URL, {"theme": "alcohol", "page": 2})
    assert len(second.context["page"].object_list) == 3
    # Totals are those of the whole selection, not of the page.
    assert second.context["totals"].sessions == 53
    assert client.get(LIST_URL, {"page": "abc"}).status_code == 200


@pytest.mark.parametrize("sessions", [5, 50])
def test_list_query_count_does_not_grow(client_of_role, django_assert_num_queries, sessions):
    client = client_of_role(Role.COORDINATOR)
    missions = [MissionFactory(), MissionFactory()]
    for index in range(sessions):
        session = SessionFactory(
            mission=missions[index % 2],
            audiences={AudienceKind.PUPILS: 20, AudienceKind.PROFESSIONALS: index + 1},
            themes=["alcohol", "screens"],
        )
        _expense(session)
    # session, user, two-factor check, count, the page of sessions (with entrepreneur,
    # mission and client), their audiences, themes and pending expenses, then the
    # totals: sessions, audiences, expenses
    with django_assert_num_queries(11):
        response = client.get(LIST_URL)
    assert len(response.context["page"].object_list) == sessions
    # searching an entrepreneur and a client by name costs nothing more
    member = missions[0].entrepreneurs.get()
    with django_assert_num_queries(11):
        client.get(LIST_URL, {"entrepreneur": member.last_name, "client": "Collège"})


# --- a session's page -------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_detail_for_readers(client_of_role, role):
    session = SessionFactory(note="Classe très participative.")
    response = client_of_role(role).get(_url("session_detail", session.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Classe très participative." in html
    # Only coordinators decide.
    assert (_url("session_validate", session.pk) in html) == (role == Role.COORDINATOR)
    assert (_url("session_return", session.pk) in html) == (role == Role.COORDINATOR)


@pytest.mark.parametrize("role", NEVER)
def test_detail_refused_to_other_roles(client_of_role, role):
    session = SessionFactory()
    assert client_of_role(role).get(_url("session_detail", session.pk)).status_code == 403


def test_detail_anonymous(client):
    session = SessionFactory()
    response = client.get(_url("session_detail", session.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_detail_unknown_id(client_of_role):
    assert client_of_role(Role.COORDINATOR).get(_url("session_detail", 999999)).status_code == 404


def test_detail_wrong_method(client_of_role):
    session = SessionFactory()
    client = client_of_role(Role.COORDINATOR)
    assert client.post(_url("session_detail", session.pk)).status_code == 405


def test_the_entrepreneur_reads_their_own_session(client_of_role):
    client = _entrepreneur(client_of_role)
    session = SessionFactory(
        mission=client.mission, status=SessionStatus.RETURNED, return_reason="x"
    )
    _expense(session)
    response = client.get(_url("session_detail", session.pk))
    assert response.status_code == 200
    html = response.content.decode()
    # Read only, with the way to correct it.
    assert _url("session_validate", session.pk) not in html
    assert _url("expense_review", session.expenses.get().pk) not in html
    assert _url("session_edit", session.pk) in html
    assert _url("expense_add", session.pk) in html


def test_another_entrepreneurs_session_is_not_found(client_of_role):
    client = _entrepreneur(client_of_role)
    session = SessionFactory()
    assert client.get(_url("session_detail", session.pk)).status_code == 404


def test_detail_shows_everything(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(first_name="Nadia", last_name="Benali", path="cape")
    session = SessionFactory(
        mission__entrepreneurs=[member],
        mission__title="Addictions et écrans",
        mission__client__name="Collège Voltaire",
        date=datetime.date(2026, 3, 9),
        start_time=datetime.time(14, 30),
        duration_minutes=150,
        commune="Saint-Denis",
        postcode="93200",
        kilometres=Decimal("8.5"),
        audiences={AudienceKind.PUPILS: 24, AudienceKind.PROFESSIONALS: 2},
        themes=["screens", "mental_health"],
        note="Deux classes réunies.",
    )
    with_receipt = _expense(session, amount=Decimal("1500.00"), receipt="private/receipts/1/a.png")
    _expense(
        session,
        kind="transport",
        amount=Decimal("4.20"),
        status=ExpenseStatus.RETURNED,
        return_reason="Le ticket est illisible.",
    )
    html = client.get(_url("session_detail", session.pk)).content.decode()
    assert "lundi 9 mars 2026" in html and "14 h 30" in html
    assert "2 h 30" in html
    assert "Nadia Benali" in html
    assert f'href="{reverse("members:member_detail", args=[member.pk])}"' in html
    assert "Addictions et écrans" in html and "Collège Voltaire" in html
    assert "Saint-Denis 93200" in html and "Seine-Saint-Denis (93)" in html
    assert "8,5\xa0km" in html
    assert "Public touché : 26 personnes" in html
    assert "Élèves : 24" in html and "Professionnel·les : 2" in html
    assert "Santé mentale et déstigmatisation, Écrans" in html
    assert "Deux classes réunies." in html
    assert f"1{THOUSANDS}500,00\xa0€" in html
    assert f'href="{_url("receipt_download", with_receipt.pk)}"' in html
    assert "Pas de justificatif" in html
    assert "Le ticket est illisible." in html
    # Only the pending expense can be decided.
    assert html.count("Valider le frais") == 1
    assert f'action="{_url("expense_review", with_receipt.pk)}"' in html
    assert "elle devient facturable" in html


def test_detail_shows_the_review_history(client_of_role):
    client = client_of_role(Role.ACCOUNTANT)
    coordinator = UserFactory(role=Role.COORDINATOR, first_name="Claire", last_name="Fontaine")
    returned = SessionFactory(
        status=SessionStatus.RETURNED,
        return_reason="Il manque les kilomètres.",
        reviewed_by=coordinator,
        reviewed_at=timezone.now(),
    )
    validated = SessionFactory(
        status=SessionStatus.VALIDATED, reviewed_by=coordinator, reviewed_at=timezone.now()
    )
    html = client.get(_url("session_detail", returned.pk)).content.decode()
    assert "Renvoyée pour correction le" in html and "Claire Fontaine" in html
    assert "Il manque les kilomètres." in html
    html = client.get(_url("session_detail", validated.pk)).content.decode()
    assert "Validée le" in html and "Claire Fontaine" in html
    assert "Elle est verrouillée" in html and "pourra être facturée" in html


@pytest.mark.parametrize("expenses", [1, 10])
def test_detail_query_count_does_not_grow(client_of_role, django_assert_num_queries, expenses):
    client = client_of_role(Role.COORDINATOR)
    session = SessionFactory(
        audiences={kind: 3 for kind in AudienceKind}, themes=["alcohol", "screens", "tobacco"]
    )
    for _ in range(expenses):
        _expense(session, receipt="private/receipts/1/a.png")
    # session, user, two-factor check, the session (with entrepreneur, mission, client and
    # reviewer), its audiences, themes and expenses
    with django_assert_num_queries(7):
        response = client.get(_url("session_detail", session.pk))
    assert response.content.decode().count("Valider le frais") == expenses


# --- validating -------------------------------------------------------------------------


def test_validate_locks_the_session(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    session = SessionFactory()
    response = client.post(_url("session_validate", session.pk), follow=True)
    assert response.redirect_chain[-1][0] == _url("session_detail", session.pk)
    session.refresh_from_db()
    assert session.status == SessionStatus.VALIDATED and session.is_locked
    assert session.reviewed_by == client.user
    assert _messages(response) == [
        "La séance est validée : elle est verrouillée et pourra être facturée."
    ]
    html = response.content.decode()
    assert "Elle est verrouillée" in html
    assert _url("session_validate", session.pk) not in html


def test_a_validated_session_is_not_validated_again(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    session = SessionFactory(status=SessionStatus.VALIDATED)
    response = client.post(_url("session_validate", session.pk), follow=True)
    assert _messages(response) == ["Seule une séance à valider peut être validée."]
    session.refresh_from_db()
    assert session.reviewed_by is None


@pytest.mark.parametrize("role", NOT_COORDINATORS)
def test_only_coordinators_validate(client_of_role, role):
    session = SessionFactory()
    assert client_of_role(role).post(_url("session_validate", session.pk)).status_code == 403
    session.refresh_from_db()
    assert session.status == SessionStatus.LOGGED


def test_the_entrepreneur_cannot_validate_their_own(client_of_role):
    client = _entrepreneur(client_of_role)
    session = SessionFactory(mission=client.mission)
    assert client.post(_url("session_validate", session.pk)).status_code == 403


def test_validate_anonymous_unknown_and_wrong_method(client, client_of_role):
    session = SessionFactory()
    response = client.post(_url("session_validate", session.pk))
    assert response["Location"].startswith(reverse("account_login"))
    coordinator = client_of_role(Role.COORDINATOR)
    assert coordinator.post(_url("session_validate", 999999)).status_code == 404
    assert coordinator.get(_url("session_validate", session.pk)).status_code == 405


# --- sending back -----------------------------------------------------------------------


def test_return_asks_for_a_reason_then_sends_back(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    session = SessionFactory(mission__entrepreneurs=[MemberFactory(first_name="Nadia")])
    form_page = client.get(_url("session_return", session.pk))
    assert form_page.status_code == 200
    assert "Ce qu&#x27;il faut corriger" in form_page.content.decode()
    response = client.post(
        _url("session_return", session.pk), {"reason": "Il manque le public."}, follow=True
    )
    assert response.redirect_chain[-1][0] == _url("session_detail", session.pk)
    session.refresh_from_db()
    assert session.status == SessionStatus.RETURNED
    assert session.return_reason == "Il manque le public."
    assert session.reviewed_by == client.user
    assert "renvoyée à Nadia" in _messages(response)[0]
    assert "Il manque le public." in response.content.decode()


def test_return_without_reason_is_refused_and_keeps_the_page(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    session = SessionFactory()
    response = client.post(_url("session_return", session.pk), {"reason": "   "})
    assert response.status_code == 200
    assert "Dites ce qu&#x27;il faut corriger." in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.LOGGED


def test_return_with_a_too_long_reason_keeps_what_was_typed(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    session = SessionFactory()
    reason = "Trop long. " * 200
    response = client.post(_url("session_return", session.pk), {"reason": reason})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert reason.strip() in response.content.decode()


def test_a_validated_session_cannot_be_sent_back(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    session = SessionFactory(status=SessionStatus.VALIDATED)
    assert (
        "seule une séance à valider"
        in client.get(_url("session_return", session.pk)).content.decode()
    )
    response = client.post(_url("session_return", session.pk), {"reason": "Oups"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Seule une séance à valider peut être renvoyée." in html
    assert "Oups" in html
    session.refresh_from_db()
    assert session.status == SessionStatus.VALIDATED


@pytest.mark.parametrize("role", NOT_COORDINATORS)
def test_only_coordinators_send_back(client_of_role, role):
    session = SessionFactory()
    client = client_of_role(role)
    assert client.get(_url("session_return", session.pk)).status_code == 403
    assert client.post(_url("session_return", session.pk), {"reason": "x"}).status_code == 403


def test_return_anonymous_unknown_and_wrong_method(client, client_of_role):
    session = SessionFactory()
    response = client.get(_url("session_return", session.pk))
    assert response["Location"].startswith(reverse("account_login"))
    coordinator = client_of_role(Role.COORDINATOR)
    assert coordinator.get(_url("session_return", 999999)).status_code == 404
    assert coordinator.put(_url("session_return", session.pk)).status_code == 405


# --- expenses ---------------------------------------------------------------------------


def _review(client, expense, **data):
    prefix = f"frais-{expense.pk}-"
    return client.post(
        _url("expense_review", expense.pk),
        {prefix + name: value for name, value in data.items()},
        follow=True,
    )


def test_validate_an_expense(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    expense = _expense(SessionFactory())
    response = _review(client, expense, decision="validated")
    assert response.redirect_chain[-1][0] == _url("session_detail", expense.session_id)
    expense.refresh_from_db()
    assert expense.status == ExpenseStatus.VALIDATED
    assert _messages(response) == ["Le frais est validé."]


def test_send_back_an_expense_with_a_reason(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    expense = _expense(SessionFactory())
    response = _review(client, expense, decision="returned", reason="Le ticket manque.")
    expense.refresh_from_db()
    assert expense.status == ExpenseStatus.RETURNED
    assert expense.return_reason == "Le ticket manque."
    assert "Le ticket manque." in response.content.decode()


def test_send_back_an_expense_without_reason_is_refused(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    expense = _expense(SessionFactory())
    response = _review(client, expense, decision="returned", reason="")
    assert response.status_code == 200
    assert response.redirect_chain == []
    html = response.content.decode()
    assert "Ce frais n'est pas traité" in html
    assert "Dites ce qu&#x27;il faut corriger." in html
    expense.refresh_from_db()
    assert expense.status == ExpenseStatus.PENDING


def test_expense_without_decision_keeps_the_reason_typed(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    expense = _expense(SessionFactory())
    response = _review(client, expense, reason="Montant à vérifier")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choisissez : valider ou renvoyer le frais." in html
    assert "Montant à vérifier</textarea>" in html


def test_an_expense_is_reviewed_once(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    expense = _expense(SessionFactory(), status=ExpenseStatus.VALIDATED)
    response = _review(client, expense, decision="returned", reason="Finalement non")
    assert response.status_code == 200
    assert "Ce frais a déjà été traité." in response.content.decode()
    expense.refresh_from_db()
    assert expense.status == ExpenseStatus.VALIDATED


@pytest.mark.parametrize("role", NOT_COORDINATORS)
def test_only_coordinators_review_expenses(client_of_role, role):
    expense = _expense(SessionFactory())
    response = client_of_role(role).post(
        _url("expense_review", expense.pk), {f"frais-{expense.pk}-decision": "validated"}
    )
    assert response.status_code == 403
    expense.refresh_from_db()
    assert expense.status == ExpenseStatus.PENDING


def test_expense_review_anonymous_unknown_and_wrong_method(client, client_of_role):
    expense = _expense(SessionFactory())
    response = client.post(_url("expense_review", expense.pk))
    assert response["Location"].startswith(reverse("account_login"))
    coordinator = client_of_role(Role.COORDINATOR)
    assert coordinator.post(_url("expense_review", 999999)).status_code == 404
    assert coordinator.get(_url("expense_review", expense.pk)).status_code == 405
    assert Session.objects.count() == 1
