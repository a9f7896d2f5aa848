"""The entrepreneur's phone pages: choosing the mission, logging a session (idempotent by
its client_token), the confirmation, "Mes séances" and correcting a session."""

import datetime
import html as html_lib
import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.enums import AudienceKind, ExpenseStatus, MissionStatus, SessionStatus
from activities.models import Expense, Session
from members.enums import Role
from tests.activities.factories import MissionFactory, SessionFactory
from tests.members.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

START_URL = reverse("activities:session_log_start")
MY_SESSIONS_URL = reverse("activities:my_sessions")
OTHER_ROLES = [role for role in Role if role != Role.ENTREPRENEUR]


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _log_url(mission) -> str:
    return reverse("activities:session_log", args=[mission.pk])


@pytest.fixture
def member(client):
    """An entrepreneur in CAPE, logged in."""
    member = MemberFactory(path="cape")
    client.force_login(member.user)
    return member


@pytest.fixture
def mission(member):
    return MissionFactory(entrepreneurs=[member], themes=["alcohol", "screens"])


def _data(**overrides) -> dict:
    """What a phone sends for a two-hour workshop with 25 pupils in Montreuil."""
    return {
        "client_token": str(uuid.uuid4()),
        "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "start_time": "14:00",
        "duration": "120",
        "duration_other": "",
        "commune": "Montreuil",
        "postcode": "93100",
        "audience_pupils": "25",
        "audience_professionals": "2",
        "themes": ["alcohol", "screens"],
        "kilometres": "12,5",
        "note": "Classe attentive.",
        "frais-kind": "",
        "frais-amount": "",
    } | overrides


# --- choosing the mission -------------------------------------------------------------


def test_start_anonymous(client):
    response = client.get(START_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_start_refused_to_other_roles(client_of_role, role):
    assert client_of_role(role).get(START_URL).status_code == 403


def test_start_wrong_method(client, member):
    assert client.post(START_URL).status_code == 405


def test_start_one_open_mission_goes_straight_to_its_form(client, member, mission):
    MissionFactory(entrepreneurs=[member], status=MissionStatus.DELIVERED)
    MissionFactory(entrepreneurs=[member], status=MissionStatus.PROPOSED)
    MissionFactory()  # someone else's
    response = client.get(START_URL)
    assert response.status_code == 302
    assert response["Location"] == _log_url(mission)


def test_start_several_open_missions_to_choose_from(client, member, mission):
    second = MissionFactory(
        entrepreneurs=[member], status=MissionStatus.IN_PROGRESS, title="Atelier écrans"
    )
    finished = MissionFactory(entrepreneurs=[member], status=MissionStatus.DELIVERED)
    strangers = MissionFactory(title="Mission d'un·e autre")
    response = client.get(START_URL)
    assert response.status_code == 200
    html = _text(response)
    assert "Pour quelle mission ?" in html
    assert f'href="{_log_url(mission)}"' in html
    assert f'href="{_log_url(second)}"' in html
    assert mission.client.name in html
    assert f'href="{_log_url(finished)}"' not in html
    assert strangers.title not in html


def test_start_no_mission_says_so_and_offers_to_propose_one(client, member):
    response = client.get(START_URL)
    assert response.status_code == 200
    html = _text(response)
    assert "Vous n'avez pas de mission en cours." in html
    assert f'href="{reverse("activities:mission_propose")}"' in html


def test_start_exited_member_has_no_mission_to_log(client):
    member = MemberFactory(path="exited")
    client.force_login(member.user)
    MissionFactory(entrepreneurs=[member])
    response = client.get(START_URL)
    assert response.status_code == 200
    assert "Vous n'avez pas de mission en cours." in _text(response)


@pytest.mark.parametrize("missions", [2, 20])
def test_start_query_count_does_not_grow(client, member, django_assert_num_queries, missions):
    for _ in range(missions):
        MissionFactory(entrepreneurs=[member])
    # session, user, the open missions (with their client)
    with django_assert_num_queries(3):
        response = client.get(START_URL)
    assert len(response.context["missions"]) == missions


# --- the form -------------------------------------------------------------------------


def test_form_anonymous(client):
    mission = MissionFactory()
    response = client.get(_log_url(mission))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_form_refused_to_other_roles(client_of_role, role):
    mission = MissionFactory()
    client = client_of_role(role)
    assert client.get(_log_url(mission)).status_code == 403
    assert client.post(_log_url(mission), _data()).status_code == 403
    assert not Session.objects.exists()


def test_form_mission_of_someone_else_404(client, member):
    mission = MissionFactory()
    assert client.get(_log_url(mission)).status_code == 404
    assert client.post(_log_url(mission), _data()).status_code == 404
    assert not Session.objects.exists()


def test_form_wrong_method(client, mission):
    assert client.put(_log_url(mission)).status_code == 405


def test_form_is_made_for_a_phone(client, mission):
    response = client.get(_log_url(mission))
    assert response.status_code == 200
    html = _text(response)
    form = response.context["form"]
    # A token of its own, chosen when the form opens.
    token = form.initial["client_token"]
    assert f'type="hidden" name="client_token" value="{token}"' in html
    today = timezone.localdate().isoformat()
    assert f'type="date" name="date" value="{today}"' in html
    assert f'max="{today}"' in html
    assert 'type="time" name="start_time"' in html
    for minutes in ("60", "90", "120", "180"):
        assert f'type="radio" name="duration" value="{minutes}"' in html
    assert 'name="duration_other" inputmode="numeric"' in html
    assert 'name="postcode"' in html
    assert 'inputmode="numeric"' in html
    assert 'pattern="[0-9]{5}"' in html
    assert 'autocomplete="postal-code"' in html
    assert 'role="switch"' in html
    for kind in AudienceKind.values:
        assert f'type="number" name="audience_{kind}"' in html
    # The mission's themes are ticked.
    assert 'name="themes" value="alcohol" id="id_themes_0" checked' in html
    assert 'name="themes" value="screens"' in html
    assert 'name="kilometres" inputmode="decimal"' in html
    assert 'accept="image/*,application/pdf"' in html
    assert 'capture="environment"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'role="status"' in html
    assert "session-form.js" in html
    assert "<script>" not in html and "style=" not in html and " onclick" not in html


@pytest.mark.parametrize("sessions", [1, 15])
def test_form_query_count_does_not_grow(
    client, member, mission, django_assert_num_queries, sessions
):
    for _ in range(sessions):
        SessionFactory(mission=mission)
    # session, user, the mission (with its client), its themes
    with django_assert_num_queries(4):
        assert client.get(_log_url(mission)).status_code == 200


def test_form_tokens_differ_from_one_opening_to_the_next(client, mission):
    first = client.get(_log_url(mission)).context["form"].initial["client_token"]
    second = client.get(_log_url(mission)).context["form"].initial["client_token"]
    assert first != second


def test_log_a_session(client, member, mission):
    data = _data()
    response = client.post(_log_url(mission), data)
    session = Session.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("activities:session_logged", args=[session.pk])
    assert str(session.client_token) == data["client_token"]
    assert session.entrepreneur == member
    assert session.mission == mission
    assert session.date == timezone.localdate() - datetime.timedelta(days=1)
    assert session.start_time == datetime.time(14, 0)
    assert session.duration_minutes == 120
    assert (session.is_remote, session.commune, session.postcode, session.department) == (
        False,
        "Montreuil",
        "93100",
        "93",
    )
    assert session.kilometres == Decimal("12.5")
    assert session.note == "Classe attentive."
    assert session.status == SessionStatus.LOGGED
    assert {a.kind: a.count for a in session.audiences.all()} == {
        "pupils": 25,
        "professionals": 2,
    }
    assert sorted(t.theme for t in session.themes.all()) == ["alcohol", "screens"]
    assert not Expense.objects.exists()
    mission.refresh_from_db()
    assert mission.status == MissionStatus.IN_PROGRESS
    page = _text(client.get(response["Location"]))
    assert "C'est noté !" in page
    assert "Votre chargé·e d'accompagnement va la valider." in page
    assert f'data-session-saved="{session.client_token}"' in page
    assert f'href="{START_URL}"' in page and "Noter une autre séance" in page
    assert f'href="{MY_SESSIONS_URL}"' in page


def test_log_sent_twice_is_saved_once(client, mission):
    data = _data()
    first = client.post(_log_url(mission), data)
    second = client.post(_log_url(mission), data)
    session = Session.objects.get()
    done = reverse("activities:session_logged", args=[session.pk])
    assert first["Location"] == done
    assert second.status_code == 302
    assert second["Location"] == done + "?deja=1"
    page = _text(client.get(second["Location"]))
    assert "Cette séance est déjà enregistrée." in page
    assert f'data-session-saved="{session.client_token}"' in page
    assert session.audiences.count() == 2


def test_log_another_duration_in_minutes(client, mission):
    client.post(_log_url(mission), _data(duration="", duration_other="45"))
    assert Session.objects.get().duration_minutes == 45


def test_log_minutes_typed_win_over_a_quick_choice(client, mission):
    client.post(_log_url(mission), _data(duration="60", duration_other="75"))
    assert Session.objects.get().duration_minutes == 75


def test_log_remote_needs_no_place(client, mission):
    response = client.post(_log_url(mission), _data(is_remote="on", commune="Bobigny", postcode=""))
    assert response.status_code == 302
    session = Session.objects.get()
    assert (session.is_remote, session.commune, session.postcode, session.department) == (
        True,
        "",
        "",
        "",
    )


def test_log_kilometres_with_a_point_or_empty(client, mission):
    client.post(_log_url(mission), _data(kilometres="8.4"))
    client.post(_log_url(mission), _data(kilometres=""))
    assert sorted(s.kilometres for s in Session.objects.all()) == [Decimal("0"), Decimal("8.4")]


def _refused(response, *messages):
    assert response.status_code == 200
    html = _text(response)
    assert "Le formulaire contient des erreurs" in html
    for message in messages:
        assert message in html
    assert not Session.objects.exists()
    return html


def test_log_future_date_refused(client, mission):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    data = _data(date=tomorrow)
    html = _refused(
        client.post(_log_url(mission), data),
        "Une séance se note une fois faite : la date est dans le futur.",
    )
    # What was typed is kept, with the same token.
    assert f'value="{tomorrow}"' in html
    assert f'value="{data["client_token"]}"' in html
    assert 'value="Montreuil"' in html
    assert 'name="audience_pupils" value="25"' in html


def test_log_postcode_required_unless_remote(client, mission):
    html = _refused(
        client.post(_log_url(mission), _data(postcode="", commune="Montreuil")),
        "Indiquez le code postal du lieu (5 chiffres), ou « à distance ».",
    )
    assert 'value="Montreuil"' in html


def test_log_postcode_of_five_digits(client, mission):
    html = _refused(
        client.post(_log_url(mission), _data(postcode="9310")),
        "Un code postal a 5 chiffres, par exemple 93100.",
    )
    assert 'value="9310"' in html


def test_log_audience_required(client, mission):
    html = _refused(
        client.post(
            _log_url(mission), _data(audience_pupils="0", audience_professionals="", note="Ok")
        ),
        "Indiquez combien de personnes étaient là.",
    )
    assert 'name="audience_pupils" value="0"' in html
    assert "Ok</textarea>" in html


def test_log_negative_audience_refused(client, mission):
    _refused(
        client.post(_log_url(mission), _data(audience_pupils="-3")),
        "Assurez-vous que cette valeur est supérieure ou égale à 0.",
    )


def test_log_duration_required(client, mission):
    _refused(
        client.post(_log_url(mission), _data(duration="", duration_other="")),
        "Choisissez la durée de la séance.",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date": ""}, "Ce champ est obligatoire."),
        ({"date": "32/13/2025"}, "Saisissez une date valide."),
        ({"start_time": ""}, "Ce champ est obligatoire."),
        ({"duration": "", "duration_other": "2"}, "supérieure ou égale à 5"),
        ({"duration": "45"}, "Sélectionnez un choix valide."),
        ({"duration_other": "1000"}, "inférieure ou égale à 720"),
        ({"kilometres": "douze"}, "Saisissez un nombre."),
        ({"kilometres": "-4"}, "supérieure ou égale à 0"),
        ({"themes": ["chocolat"]}, "Sélectionnez un choix valide."),
    ],
)
def test_log_bad_input(client, mission, overrides, message):
    _refused(client.post(_log_url(mission), _data(**overrides)), message)


def test_log_exited_member_refused(client):
    member = MemberFactory(path="exited")
    client.force_login(member.user)
    mission = MissionFactory(entrepreneurs=[member])
    _refused(
        client.post(_log_url(mission), _data()),
        "Vous avez quitté la coopérative : les séances ne se notent plus ici.",
    )


def test_log_delivered_mission_refused_with_the_service_message(client, member):
    mission = MissionFactory(entrepreneurs=[member], status=MissionStatus.DELIVERED)
    _refused(
        client.post(_log_url(mission), _data()),
        "Cette mission est « Réalisée » : on n'y note plus de séance.",
    )


def test_log_token_of_someone_else_refused(client, mission):
    stranger = SessionFactory()
    response = client.post(_log_url(mission), _data(client_token=str(stranger.client_token)))
    assert response.status_code == 200
    assert "Vous ne pouvez pas noter de séance sur cette mission." in _text(response)
    assert list(Session.objects.all()) == [stranger]


@pytest.mark.parametrize("token", ["pas-un-uuid", ""])
def test_log_without_a_valid_token_gets_a_new_one(client, mission, token):
    response = client.post(_log_url(mission), _data(client_token=token))
    assert response.status_code == 302
    assert Session.objects.get().client_token


# --- the confirmation -----------------------------------------------------------------


def test_logged_page_only_for_its_entrepreneur(client, client_of_role, member, mission):
    session = SessionFactory(mission=mission)
    url = reverse("activities:session_logged", args=[session.pk])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405
    stranger = SessionFactory()
    assert client.get(reverse("activities:session_logged", args=[stranger.pk])).status_code == 404
    assert client_of_role(Role.COORDINATOR).get(url).status_code == 403


def test_logged_page_anonymous(client):
    session = SessionFactory()
    response = client.get(reverse("activities:session_logged", args=[session.pk]))
    assert response.status_code == 302


# --- my sessions ----------------------------------------------------------------------


def test_my_sessions_anonymous(client):
    response = client.get(MY_SESSIONS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_my_sessions_refused_to_other_roles(client_of_role, role):
    assert client_of_role(role).get(MY_SESSIONS_URL).status_code == 403


def test_my_sessions_wrong_method(client, member):
    assert client.post(MY_SESSIONS_URL).status_code == 405


def test_my_sessions_empty(client, member):
    response = client.get(MY_SESSIONS_URL)
    assert "Vous n'avez pas encore noté de séance." in _text(response)


def _expense(session, **fields) -> Expense:
    return Expense.objects.create(
        session=session, **({"kind": "meals", "amount": Decimal("1234.56")} | fields)
    )


def test_my_sessions_lists_own_sessions_newest_first_with_statuses(client, member, mission):
    today = timezone.localdate()
    coordinator = UserFactory(role=Role.COORDINATOR)
    older = SessionFactory(mission=mission, date=today - datetime.timedelta(days=9))
    validated = SessionFactory(mission=mission, date=today - datetime.timedelta(days=5))
    services.session_validate(actor=coordinator, session=validated)
    returned = SessionFactory(
        mission=mission,
        date=today - datetime.timedelta(days=2),
        duration_minutes=90,
        audiences={AudienceKind.PUPILS: 20, AudienceKind.PROFESSIONALS: 3},
    )
    services.session_return(actor=coordinator, session=returned, reason="Il manque le public.")
    _expense(returned)
    refused = _expense(returned, kind="transport", amount=Decimal("8.50"))
    services.expense_review(
        actor=coordinator,
        expense=refused,
        status=ExpenseStatus.RETURNED,
        reason="Ticket illisible.",
    )
    stranger = SessionFactory(note="pas à moi")
    response = client.get(MY_SESSIONS_URL)
    assert response.status_code == 200
    html = _text(response)
    sessions = list(response.context["page"])
    assert sessions == [returned, validated, older]
    assert stranger not in sessions
    assert "À valider" in html
    assert "Validée" in html
    assert "Renvoyée pour correction" in html
    assert "Il manque le public." in html
    assert "1 h 30" in html and "23 personnes" in html
    assert "Repas : 1\xa0234,56 €" in html
    assert "Transport (billet, parking, péage) : 8,50 €" in html
    assert "Ticket illisible." in html
    # Logged or returned: to correct; validated: locked.
    for session in (older, returned):
        assert f'href="{reverse("activities:session_edit", args=[session.pk])}"' in html
        assert f'href="{reverse("activities:expense_add", args=[session.pk])}"' in html
    assert reverse("activities:session_edit", args=[validated.pk]) not in html
    assert reverse("activities:expense_add", args=[validated.pk]) not in html


def test_my_sessions_paginated(client, member, mission):
    today = timezone.localdate()
    for day in range(25):
        SessionFactory(mission=mission, date=today - datetime.timedelta(days=day + 1))
    first = client.get(MY_SESSIONS_URL)
    assert len(first.context["page"]) == 20
    second = client.get(MY_SESSIONS_URL, {"page": 2})
    assert len(second.context["page"]) == 5
    assert client.get(MY_SESSIONS_URL, {"page": "abc"}).status_code == 200


@pytest.mark.parametrize("sessions", [3, 30])
def test_my_sessions_query_count_does_not_grow(
    client, member, mission, django_assert_num_queries, sessions
):
    for day in range(sessions):
        session = SessionFactory(
            mission=mission, date=timezone.localdate() - datetime.timedelta(days=day + 1)
        )
        _expense(session)
    # session, user, count of sessions, the page of sessions (with their mission, client
    # and people reached), their expenses
    with django_assert_num_queries(5):
        response = client.get(MY_SESSIONS_URL)
    assert response.status_code == 200


# --- correcting a session -------------------------------------------------------------


def _edit_url(session) -> str:
    return reverse("activities:session_edit", args=[session.pk])


def test_edit_anonymous(client):
    session = SessionFactory()
    response = client.get(_edit_url(session))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_edit_refused_to_other_roles(client_of_role, role):
    session = SessionFactory()
    assert client_of_role(role).get(_edit_url(session)).status_code == 403


def test_edit_session_of_someone_else_404(client, member):
    session = SessionFactory()
    assert client.get(_edit_url(session)).status_code == 404
    assert client.post(_edit_url(session), _data()).status_code == 404


def test_edit_wrong_method(client, mission):
    session = SessionFactory(mission=mission)
    assert client.put(_edit_url(session)).status_code == 405


def test_edit_form_is_prefilled(client, mission):
    session = SessionFactory(
        mission=mission,
        duration_minutes=45,
        kilometres=Decimal("7.5"),
        audiences={AudienceKind.YOUNG_PEOPLE: 12},
        themes=["cannabis"],
    )
    response = client.get(_edit_url(session))
    assert response.status_code == 200
    html = _text(response)
    assert f'value="{session.date.isoformat()}"' in html
    assert 'value="09:00"' in html
    assert not re.search(r'name="duration" value="\d+" id="id_duration_\d" checked', html)
    assert 'name="duration_other" value="45"' in html
    assert 'name="audience_young_people" value="12"' in html
    assert 'name="themes" value="cannabis" id="id_themes_2" checked' in html
    assert 'value="7,5"' in html
    assert 'value="93100"' in html
    assert 'name="client_token"' not in html


def test_edit_form_prefills_a_quick_duration(client, mission):
    session = SessionFactory(mission=mission, duration_minutes=120, is_remote=True, postcode="")
    html = _text(client.get(_edit_url(session)))
    assert 'name="duration" value="120" id="id_duration_2" checked' in html
    assert 'name="is_remote" role="switch" id="id_is_remote" checked' in html


def test_edit_a_returned_session(client, mission):
    session = SessionFactory(mission=mission)
    coordinator = UserFactory(role=Role.COORDINATOR)
    services.session_return(actor=coordinator, session=session, reason="Mauvaise date.")
    page = _text(client.get(_edit_url(session)))
    assert "Mauvaise date." in page
    data = _data(duration="90", audience_pupils="30", audience_professionals="")
    response = client.post(_edit_url(session), data)
    assert response.status_code == 302
    assert response["Location"] == MY_SESSIONS_URL
    session.refresh_from_db()
    assert session.status == SessionStatus.LOGGED
    assert session.return_reason == ""
    assert session.duration_minutes == 90
    assert {a.kind: a.count for a in session.audiences.all()} == {"pupils": 30}
    assert Session.objects.count() == 1
    assert "La séance est corrigée." in _text(client.get(MY_SESSIONS_URL))


def test_edit_bad_input_keeps_input(client, mission):
    session = SessionFactory(mission=mission)
    response = client.post(_edit_url(session), _data(postcode="", commune="Pantin"))
    assert response.status_code == 200
    html = _text(response)
    assert "Indiquez le code postal du lieu (5 chiffres), ou « à distance »." in html
    assert 'value="Pantin"' in html
    session.refresh_from_db()
    assert session.commune == "Montreuil"


def test_edit_future_date_refused_by_the_service(client, mission):
    session = SessionFactory(mission=mission)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(_edit_url(session), _data(date=tomorrow))
    assert "la date est dans le futur" in _text(response)
    session.refresh_from_db()
    assert session.date < timezone.localdate()


def test_edit_validated_session_is_locked(client, mission):
    session = SessionFactory(mission=mission)
    services.session_validate(actor=UserFactory(role=Role.COORDINATOR), session=session)
    for response in (client.get(_edit_url(session)), client.post(_edit_url(session), _data())):
        assert response.status_code == 302
        assert response["Location"] == MY_SESSIONS_URL
    assert "Cette séance est validée : elle ne se modifie plus." in _text(
        client.get(MY_SESSIONS_URL)
    )
    session.refresh_from_db()
    assert session.duration_minutes == 120
