"""The coordinators' page that records an entrepreneur's situation, and its list on the
member page (not on the entrepreneur's own page)."""

import datetime
import html as html_lib
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from members import services
from members.enums import Resource, Role, SituationCheckpoint
from members.models import Member, MemberSituation
from members.services.situation import situation_record
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)


def _today():
    return timezone.localdate()


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _checked(text: str, name: str, value: str) -> bool:
    """Whether the radio button `name` = `value` is ticked in the page."""
    for tag in re.findall(r"<input[^>]*>", text):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return " checked" in tag
    return False


def _url(member) -> str:
    return reverse("members:situation_record", args=[member.pk])


def _exited(days_ago: int = 400) -> Member:
    member = MemberFactory(information_meeting_on=_today() - datetime.timedelta(days=800))
    services.member_exit(
        actor=member.coordinator,
        member=member,
        on=_today() - datetime.timedelta(days=days_ago),
        reason="employment",
    )
    member.refresh_from_db()
    return member


def _record(member, checkpoint, recorded_on, resource=Resource.RSA):
    return situation_record(
        actor=member.coordinator,
        member=member,
        checkpoint=checkpoint,
        recorded_on=recorded_on,
        resource=resource,
    )


def _expected(role: Role) -> int:
    """Coordinators record situations; entrepreneurs never see a member id (404); every
    other role is refused (403), as on the member's other pages."""
    return {Role.COORDINATOR: 200, Role.ENTREPRENEUR: 404}.get(role, 403)


# --- access ---------------------------------------------------------------------------


def test_anonymous_goes_to_the_login_page(client):
    member = MemberFactory()
    for response in (client.get(_url(member)), client.post(_url(member), {})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not MemberSituation.objects.exists()


@pytest.mark.parametrize("role", list(Role))
def test_each_role(client_of_role, role):
    member = MemberFactory()
    client = client_of_role(role)
    assert client.get(_url(member)).status_code == _expected(role)
    data = {"checkpoint": "entry", "recorded_on": _today().isoformat(), "resource": "rsa"}
    response = client.post(_url(member), data)
    assert response.status_code == (302 if role == Role.COORDINATOR else _expected(role))
    assert MemberSituation.objects.exists() == (role == Role.COORDINATOR)


def test_an_entrepreneur_gets_404_for_their_own_record_too(client):
    member = MemberFactory()
    client.force_login(member.user)
    assert client.get(_url(member)).status_code == 404
    data = {"checkpoint": "entry", "recorded_on": _today().isoformat(), "resource": "rsa"}
    assert client.post(_url(member), data).status_code == 404
    assert not MemberSituation.objects.exists()


def test_an_unknown_member_is_404(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.get(reverse("members:situation_record", args=[999_999])).status_code == 404


def test_wrong_method_is_405(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    assert client.put(_url(member)).status_code == 405
    assert client.delete(_url(member)).status_code == 405


# --- recording ------------------------------------------------------------------------


def test_the_page_says_when_each_situation_opens(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = _exited(days_ago=400)
    _record(member, SituationCheckpoint.ENTRY, member.information_meeting_on, Resource.AAH)
    text = _text(client.get(_url(member)))
    day_28 = member.exited_on + datetime.timedelta(days=21)
    assert f"à partir du {day_28:%d/%m/%Y}" in text
    assert f"déjà recueillie : AAH (le {member.information_meeting_on:%d/%m/%Y})" in text
    # The form starts on today's date.
    assert f'value="{_today().isoformat()}"' in text


def test_the_page_says_later_situations_wait_for_the_exit(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(path="cape")
    text = _text(client.get(_url(member)))
    assert "après la sortie, une fois celle-ci enregistrée" in text


def test_coordinator_records_the_situation_at_entry(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    data = {"checkpoint": "entry", "recorded_on": _today().isoformat(), "resource": "aah"}
    response = client.post(_url(member), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("members:member_detail", args=[member.pk])
    situation = MemberSituation.objects.get()
    assert (situation.member, situation.checkpoint, situation.resource) == (
        member,
        SituationCheckpoint.ENTRY,
        Resource.AAH,
    )
    assert situation.recorded_by == client.user
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "La situation « À l'entrée » est enregistrée."
    ]


def test_coordinator_records_the_situation_six_months_after_the_exit(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = _exited(days_ago=200)
    data = {"checkpoint": "month_6", "recorded_on": _today().isoformat(), "resource": "employment"}
    assert client.post(_url(member), data).status_code == 302
    assert MemberSituation.objects.get().checkpoint == SituationCheckpoint.MONTH_6


def test_the_rectify_link_shows_what_was_recorded(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    recorded_on = _today() - datetime.timedelta(days=3)
    _record(member, SituationCheckpoint.ENTRY, recorded_on, Resource.NONE)
    text = _text(client.get(_url(member) + "?moment=entry"))
    assert _checked(text, "checkpoint", "entry")
    assert f'value="{recorded_on.isoformat()}"' in text
    assert _checked(text, "resource", "none")
    assert not _checked(text, "resource", "rsa")


def test_an_unknown_moment_in_the_link_is_ignored(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    response = client.get(_url(member) + "?moment=someday")
    assert response.status_code == 200
    assert response.context["form"].initial == {}


def test_recording_again_rectifies(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    _record(member, SituationCheckpoint.ENTRY, _today() - ONE_DAY, Resource.RSA)
    data = {"checkpoint": "entry", "recorded_on": _today().isoformat(), "resource": "employment"}
    response = client.post(_url(member), data)
    assert response.status_code == 302
    situation = MemberSituation.objects.get()
    assert situation.resource == Resource.EMPLOYMENT
    assert situation.rectified_at is not None
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "La situation « À l'entrée » est rectifiée."
    ]


# --- bad input: a French message, and what was typed is kept --------------------------


def test_a_date_before_the_entry_is_refused_and_kept(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    before = member.information_meeting_on - datetime.timedelta(days=10)
    data = {"checkpoint": "entry", "recorded_on": before.isoformat(), "resource": "aah"}
    response = client.post(_url(member), data)
    assert response.status_code == 200
    form = response.context["form"]
    meeting = f"{member.information_meeting_on:%d/%m/%Y}"
    assert form.errors["recorded_on"] == [
        f"La situation à l'entrée se recueille à partir de la réunion d'information (le {meeting})."
    ]
    text = _text(response)
    assert "se recueille à partir de la réunion d'information" in text
    assert f'value="{before.isoformat()}"' in text
    assert form["resource"].value() == "aah"
    assert _checked(text, "resource", "aah")
    assert not MemberSituation.objects.exists()


def test_a_later_checkpoint_before_the_exit_is_refused_and_kept(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(path="cesa")
    data = {"checkpoint": "day_28", "recorded_on": _today().isoformat(), "resource": "employment"}
    response = client.post(_url(member), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["checkpoint"] == [
        "La situation « 28 jours après la sortie » se recueille une fois la sortie "
        "enregistrée : enregistrez d'abord la sortie dans le parcours."
    ]
    text = _text(response)
    assert "enregistrez d'abord la sortie" in text
    assert _checked(text, "checkpoint", "day_28")
    assert _checked(text, "resource", "employment")
    assert not MemberSituation.objects.exists()


def test_too_early_after_the_exit_is_refused(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = _exited(days_ago=100)
    data = {"checkpoint": "month_6", "recorded_on": _today().isoformat(), "resource": "rsa"}
    response = client.post(_url(member), data)
    assert response.status_code == 200
    opens_on = member.exited_on + datetime.timedelta(days=168)
    assert response.context["form"].errors["recorded_on"] == [
        f"La situation « 6 mois après la sortie » se recueille à partir du {opens_on:%d/%m/%Y}."
    ]


def test_a_future_date_is_refused(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    tomorrow = (_today() + ONE_DAY).isoformat()
    data = {"checkpoint": "entry", "recorded_on": tomorrow, "resource": "rsa"}
    response = client.post(_url(member), data)
    assert response.status_code == 200
    assert response.context["form"].errors["recorded_on"] == [
        "La date de recueil ne peut pas être future."
    ]
    assert f'value="{tomorrow}"' in _text(response)


def test_missing_or_garbled_answers_get_french_messages(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    response = client.post(
        _url(member), {"checkpoint": "someday", "recorded_on": "31/02/2026", "resource": ""}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["checkpoint"] == ["Choisissez le moment de la situation."]
    assert errors["resource"] == ["Choisissez une réponse (ou « Non renseigné »)."]
    assert errors["recorded_on"] == ["Saisissez une date valide."]
    assert 'value="31/02/2026"' in _text(response)
    assert not MemberSituation.objects.exists()


# --- the member page ------------------------------------------------------------------


def test_the_member_page_lists_situations_for_a_coordinator(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = _exited(days_ago=400)
    _record(member, SituationCheckpoint.ENTRY, member.information_meeting_on, Resource.RSA)
    _record(member, SituationCheckpoint.EXIT, member.exited_on, Resource.EMPLOYMENT)
    text = _text(client.get(reverse("members:member_detail", args=[member.pk])))
    assert "Situation de la personne" in text
    assert "À l'entrée : RSA" in text
    assert "À la sortie : Revenus d'un emploi" in text
    assert _url(member) in text
    assert f"{_url(member)}?moment=exit" in text


def test_the_member_page_without_situations(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    text = _text(client.get(reverse("members:member_detail", args=[member.pk])))
    assert "Aucune situation enregistrée." in text


def test_an_administrator_reads_situations_without_changing_them(client_of_role):
    client = client_of_role(Role.ADMINISTRATOR)
    member = MemberFactory()
    _record(member, SituationCheckpoint.ENTRY, member.information_meeting_on, Resource.RSA)
    text = _text(client.get(reverse("members:member_detail", args=[member.pk])))
    assert "À l'entrée : RSA" in text
    assert _url(member) not in text


def test_the_entrepreneur_does_not_see_their_situation(client):
    member = MemberFactory()
    _record(member, SituationCheckpoint.ENTRY, member.information_meeting_on, Resource.AAH)
    client.force_login(member.user)
    response = client.get(reverse("members:my_profile"))
    assert response.status_code == 200
    text = _text(response)
    assert "Situation de la personne" not in text
    assert "AAH" not in text


def _member_with_situations(members: int) -> Member:
    """`members` members with their entry situation; the one returned has left and has
    all four situations."""
    for other in MemberFactory.create_batch(members - 1):
        _record(other, SituationCheckpoint.ENTRY, other.information_meeting_on)
    member = _exited(days_ago=400)
    for checkpoint, days in ((SituationCheckpoint.ENTRY, None), ("exit", 0), ("day_28", 28)):
        day = member.information_meeting_on if days is None else member.exited_on
        _record(member, checkpoint, day + datetime.timedelta(days=days or 0))
    _record(member, "month_6", member.exited_on + datetime.timedelta(days=182))
    return member


@pytest.mark.parametrize("members", [2, 20])
def test_member_page_query_count_does_not_grow_with_situations(
    client_of_role, django_assert_num_queries, members
):
    client = client_of_role(Role.COORDINATOR)
    member = _member_with_situations(members)
    # session, user, two-factor check; the member with their account and coordinator;
    # skills, path steps, contracts, trainings, documents, consents, appointments,
    # workshop registrations, situations (with who recorded them); the sensitive profile
    # (none: no access-log row)
    with django_assert_num_queries(14):
        response = client.get(reverse("members:member_detail", args=[member.pk]))
    assert response.status_code == 200
    assert len(response.context["member"].situations.all()) == 4


@pytest.mark.parametrize("members", [2, 20])
def test_situation_page_query_count_does_not_grow(
    client_of_role, django_assert_num_queries, members
):
    client = client_of_role(Role.COORDINATOR)
    member = _member_with_situations(members)
    # session, user, two-factor check; the member; their situations with who recorded them
    with django_assert_num_queries(5):
        response = client.get(_url(member) + "?moment=exit")
    assert response.status_code == 200
