import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from members.enums import AppointmentMode, AppointmentStatus, Role
from members.models import Appointment
from tests.members.factories import AppointmentFactory, MemberFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

# Roles that never plan an appointment, whatever the id: refused outright.
NEVER = [Role.PEER_SUPPORT_LEAD, Role.ACCOUNTANT, Role.FUNDER, Role.RESEARCHER]


def _create_url(member):
    return reverse("members:appointment_create", args=[member.pk])


def _edit_url(appointment):
    return reverse("members:appointment_edit", args=[appointment.pk])


def _in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _plan(client, member, **overrides):
    data = {
        "date": _in_days(3).isoformat(),
        "time": "14:30",
        "duration_minutes": "45",
        "mode": AppointmentMode.PHONE,
        "programme": "",
        "topics": "",
    } | overrides
    return client.post(_create_url(member), data)


# --- planning an appointment ----------------------------------------------------------


def test_create_anonymous(client):
    member = MemberFactory()
    response = client.get(_create_url(member))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert _plan(client, member).status_code == 302
    assert not Appointment.objects.exists()


def test_create_form_for_any_coordinator(client_of_role):
    member = MemberFactory(first_name="Nadia", last_name="Benali")
    # Not the member's own coordinator: any coordinator may plan it.
    response = client_of_role(Role.COORDINATOR).get(_create_url(member))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nouveau rendez-vous avec Nadia Benali" in html
    assert 'type="date"' in html and 'type="time"' in html
    assert "Par téléphone" in html and "En visio" in html
    # Three plain choices, in person ticked: no empty "---------" radio button.
    assert "---------" not in html.split('name="programme"')[0]
    assert re.search(r'value="in_person"[^>]* checked', html)


def test_create_form_for_the_members_own_coordinator(client):
    member = MemberFactory()
    client.force_login(member.coordinator)
    assert client.get(_create_url(member)).status_code == 200


@pytest.mark.parametrize("role", NEVER + [Role.ADMINISTRATOR])
def test_create_refused_to_other_roles(client_of_role, role):
    client = client_of_role(role)
    member = MemberFactory()
    assert client.get(_create_url(member)).status_code == 403
    assert _plan(client, member).status_code == 403
    assert not Appointment.objects.exists()


def test_create_entrepreneur_gets_404_for_another_member(client_of_role):
    client = client_of_role(Role.ENTREPRENEUR)
    MemberFactory(user=client.user)
    stranger = MemberFactory()
    assert client.get(_create_url(stranger)).status_code == 404
    assert _plan(client, stranger).status_code == 404


def test_create_entrepreneur_may_not_plan_their_own(client_of_role):
    client = client_of_role(Role.ENTREPRENEUR)
    own = MemberFactory(user=client.user)
    assert client.get(_create_url(own)).status_code == 403
    assert _plan(client, own).status_code == 403
    assert not Appointment.objects.exists()


def test_create_unknown_member(client_of_role):
    response = client_of_role(Role.COORDINATOR).get(
        reverse("members:appointment_create", args=[999999])
    )
    assert response.status_code == 404


def test_create_wrong_method(client_of_role):
    member = MemberFactory()
    assert client_of_role(Role.COORDINATOR).put(_create_url(member)).status_code == 405


def test_coordinator_plans_an_appointment(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    programme = ProgrammeFactory(name="Parcours pairs 93")
    response = _plan(client, member, programme=programme.pk, topics="Bilan du CAPE")
    assert response.status_code == 302
    assert response["Location"] == reverse("members:member_detail", args=[member.pk])
    appointment = Appointment.objects.get()
    assert appointment.member == member
    assert appointment.coordinator == client.user
    assert appointment.status == AppointmentStatus.PLANNED
    assert appointment.mode == AppointmentMode.PHONE
    assert appointment.duration_minutes == 45
    assert appointment.programme == programme
    assert appointment.topics == "Bilan du CAPE"
    local = timezone.localtime(appointment.starts_at)
    assert (local.date(), local.time()) == (_in_days(3), datetime.time(14, 30))
    assert str(local.tzinfo) == "Europe/Paris"
    followed = client.get(response["Location"], follow=True)
    assert followed.status_code == 200


def test_create_bad_input_keeps_what_was_typed(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    response = _plan(client, member, time="", duration_minutes="600", topics="Budget")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce champ est obligatoire." in html
    assert "Un rendez-vous dure entre 5 minutes et 8 heures." in html
    assert 'value="600"' in html
    assert f'value="{_in_days(3).isoformat()}"' in html
    assert "Budget</textarea>" in html
    assert re.search(r'value="phone"[^>]* checked', html)
    assert "Ce que vous avez saisi est conservé" in html
    assert not Appointment.objects.exists()


def test_create_rejects_a_malformed_date(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = _plan(client, MemberFactory(), date="31/02/2026")
    assert response.status_code == 200
    assert "Saisissez une date valide." in response.content.decode()
    assert not Appointment.objects.exists()


# --- logging or moving it -------------------------------------------------------------


def _past_appointment(**kwargs):
    return AppointmentFactory(starts_at=timezone.now() - datetime.timedelta(days=1), **kwargs)


def _log(client, appointment, **overrides):
    local = timezone.localtime(appointment.starts_at)
    data = {
        "status": AppointmentStatus.HELD,
        "topics": "Retour sur la première mission",
        "next_steps": "Préparer le devis pour le collège",
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "duration_minutes": str(appointment.duration_minutes),
        "mode": appointment.mode,
        "programme": "",
    } | overrides
    return client.post(_edit_url(appointment), data)


def test_edit_anonymous(client):
    appointment = _past_appointment()
    response = client.get(_edit_url(appointment))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_edit_form_shows_the_appointment(client_of_role):
    appointment = AppointmentFactory(
        starts_at=timezone.make_aware(datetime.datetime.combine(_in_days(4), datetime.time(9, 15))),
        member=MemberFactory(first_name="Karim", last_name="Haddad"),
    )
    response = client_of_role(Role.COORDINATOR).get(_edit_url(appointment))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rendez-vous avec Karim Haddad" in html
    assert f'value="{_in_days(4).isoformat()}"' in html
    assert 'value="09:15"' in html
    assert "Suites à donner" in html


@pytest.mark.parametrize("role", NEVER + [Role.ADMINISTRATOR])
def test_edit_refused_to_other_roles(client_of_role, role):
    client = client_of_role(role)
    appointment = _past_appointment()
    assert client.get(_edit_url(appointment)).status_code == 403
    assert _log(client, appointment).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.PLANNED


def test_edit_entrepreneur_gets_404_for_another_members_appointment(client_of_role):
    client = client_of_role(Role.ENTREPRENEUR)
    MemberFactory(user=client.user)
    appointment = _past_appointment()
    assert client.get(_edit_url(appointment)).status_code == 404
    assert _log(client, appointment).status_code == 404


def test_edit_entrepreneur_may_not_log_their_own(client_of_role):
    client = client_of_role(Role.ENTREPRENEUR)
    appointment = _past_appointment(member=MemberFactory(user=client.user))
    assert client.get(_edit_url(appointment)).status_code == 403


def test_edit_unknown(client_of_role):
    response = client_of_role(Role.COORDINATOR).get(
        reverse("members:appointment_edit", args=[999999])
    )
    assert response.status_code == 404


def test_edit_wrong_method(client_of_role):
    appointment = _past_appointment()
    assert client_of_role(Role.COORDINATOR).delete(_edit_url(appointment)).status_code == 405


def test_coordinator_logs_a_held_appointment(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    appointment = _past_appointment()
    response = _log(client, appointment)
    assert response.status_code == 302
    assert response["Location"] == reverse("members:member_detail", args=[appointment.member_id])
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.HELD
    assert appointment.topics == "Retour sur la première mission"
    assert appointment.next_steps == "Préparer le devis pour le collège"
    # The person who led it stays the same.
    assert appointment.coordinator == appointment.member.coordinator


def test_a_future_appointment_cannot_be_logged_as_held(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    appointment = AppointmentFactory()
    response = _log(client, appointment, status=AppointmentStatus.MISSED)
    assert response.status_code == 200
    html = response.content.decode()
    assert "n&#x27;a pas encore eu lieu" in html
    assert "Préparer le devis pour le collège</textarea>" in html
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.PLANNED
    assert appointment.next_steps == ""


def test_a_future_appointment_can_be_cancelled(client_of_role):
    appointment = AppointmentFactory()
    response = _log(
        client_of_role(Role.COORDINATOR), appointment, status=AppointmentStatus.CANCELLED
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_coordinator_moves_an_appointment(client_of_role):
    appointment = AppointmentFactory()
    response = _log(
        client_of_role(Role.COORDINATOR),
        appointment,
        status=AppointmentStatus.PLANNED,
        date=_in_days(10).isoformat(),
        time="10:00",
        mode=AppointmentMode.VIDEO,
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    local = timezone.localtime(appointment.starts_at)
    assert (local.date(), local.time()) == (_in_days(10), datetime.time(10))
    assert appointment.mode == AppointmentMode.VIDEO


def test_edit_bad_input_keeps_what_was_typed(client_of_role):
    appointment = _past_appointment()
    planned = timezone.localtime(appointment.starts_at)
    response = _log(
        client_of_role(Role.COORDINATOR),
        appointment,
        duration_minutes="2",
        date=_in_days(20).isoformat(),
    )
    assert response.status_code == 200
    html = response.content.decode()
    # The heading still says when it was planned, not the date just typed.
    assert f"Prévu le {date_format(planned, 'l j F Y')}" in html
    assert f'value="{_in_days(20).isoformat()}"' in html
    assert "Un rendez-vous dure entre 5 minutes et 8 heures." in html
    assert 'value="2"' in html
    assert "Retour sur la première mission</textarea>" in html
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.PLANNED
