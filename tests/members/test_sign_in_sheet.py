import datetime
import subprocess

import pytest
from django.urls import reverse

from members.enums import Attendance, Role
from members.models import WorkshopRegistration
from tests.members.factories import (
    MemberFactory,
    ProgrammeFactory,
    UserFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.django_db

SHEET_READERS = [Role.COORDINATOR, Role.ADMINISTRATOR]
OTHERS = [role for role in Role if role not in SHEET_READERS]


def _url(workshop):
    return reverse("members:workshop_sign_in_sheet", args=[workshop.pk])


def _pdf_text(content: bytes, tmp_path) -> str:
    """The PDF's text as poppler's pdftotext reads it (layout kept, pages split by \\f)."""
    pdf = tmp_path / "emargement.pdf"
    pdf.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],  # noqa: S607 (poppler-utils, a Debian package)
        capture_output=True,
        check=True,
        text=True,
    )
    return result.stdout


def _workshop(**kwargs):
    defaults = {
        "subject": "Parler de son parcours en public",
        "date": datetime.date(2099, 11, 29),
        "place": "Maison des associations, Montreuil",
        "coordinator": UserFactory(role=Role.COORDINATOR, first_name="Samia", last_name="Roussel"),
    }
    return WorkshopFactory(**(defaults | kwargs))


def _register(workshop, first_name, last_name, **kwargs):
    return WorkshopRegistration.objects.create(
        workshop=workshop,
        member=MemberFactory(first_name=first_name, last_name=last_name),
        **kwargs,
    )


def test_sheet_anonymous(client):
    response = client.get(_url(_workshop()))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", OTHERS)
def test_sheet_refused_to_other_roles(client_of_role, role):
    assert client_of_role(role).get(_url(_workshop())).status_code == 403


def test_sheet_unknown_workshop(client_of_role):
    response = client_of_role(Role.COORDINATOR).get(
        reverse("members:workshop_sign_in_sheet", args=[999999])
    )
    assert response.status_code == 404


def test_sheet_wrong_method(client_of_role):
    assert client_of_role(Role.COORDINATOR).post(_url(_workshop())).status_code == 405


@pytest.mark.parametrize("role", SHEET_READERS)
def test_sheet_is_a_pdf_with_the_participants_and_the_slots(client_of_role, role, tmp_path):
    workshop = _workshop(
        programme=ProgrammeFactory(name="Pairs en action 93", funder="ARS Île-de-France")
    )
    _register(workshop, "Nadia", "Benali")
    _register(workshop, "Karim", "Haddad", attendance=Attendance.PRESENT)
    _register(workshop, "Ysaline", "Vauquois", attendance=Attendance.EXCUSED)
    response = client_of_role(role).get(_url(workshop))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'inline; filename="emargement-2099-11-29-parler-de-son-parcours-en-public.pdf"'
    )
    assert response.content.startswith(b"%PDF-")

    text = _pdf_text(response.content, tmp_path)
    assert "Entrepairs — coopérative d'activité et d'emploi" in text
    assert "Feuille d'émargement" in text
    assert "Parler de son parcours en public" in text
    assert "Dimanche 29 novembre 2099" in text
    assert "Maison des associations, Montreuil" in text
    assert "Samia Roussel" in text
    assert "Action financée dans le cadre de : Pairs en action 93 (ARS Île-de-France)" in text
    assert "BENALI" in text and "Nadia" in text
    assert "HADDAD" in text and "Karim" in text
    # Excused people are not expected: no line for them.
    assert "VAUQUOIS" not in text
    assert "Matin" in text and "9 h 30 – 12 h 00" in text
    assert "Après-midi" in text and "14 h 00 – 16 h 30" in text
    assert "Page 1 sur 1" in text


def test_sheet_has_blank_rows_for_walk_ins(client_of_role):
    workshop = _workshop(capacity=4)
    for index in range(4):
        _register(workshop, "Camille", f"Martin{index}")
    response = client_of_role(Role.COORDINATOR).get(_url(workshop))
    # The PDF is rendered from this HTML: at least three empty rows, even when full.
    assert len(response.context["walk_in_rows"]) == 3
    assert len(response.context["participants"]) == 4


def test_sheet_blank_rows_follow_the_places_left(client_of_role):
    workshop = _workshop(capacity=12)
    _register(workshop, "Camille", "Martin")
    response = client_of_role(Role.COORDINATOR).get(_url(workshop))
    assert len(response.context["walk_in_rows"]) == 10


def test_sheet_without_programme_or_registration(client_of_role, tmp_path):
    workshop = _workshop(slots=False)
    workshop.slots.create(starts_at=datetime.time(18, 30), ends_at=datetime.time(20))
    response = client_of_role(Role.COORDINATOR).get(_url(workshop))
    text = _pdf_text(response.content, tmp_path)
    assert "Action financée" not in text
    assert "Soir" in text and "18 h 30 – 20 h 00" in text


def test_sheet_names_slots_in_the_same_part_of_the_day(client_of_role, tmp_path):
    workshop = _workshop(slots=False)
    workshop.slots.create(starts_at=datetime.time(9), ends_at=datetime.time(10, 30))
    workshop.slots.create(starts_at=datetime.time(10, 45), ends_at=datetime.time(12))
    workshop.slots.create(starts_at=datetime.time(13, 30), ends_at=datetime.time(15))
    response = client_of_role(Role.COORDINATOR).get(_url(workshop))
    text = _pdf_text(response.content, tmp_path)
    for heading in ("Créneau 1", "Créneau 2", "Créneau 3"):
        assert heading in text
    assert "10 h 45 – 12 h 00" in text


def test_sheet_runs_over_several_pages(client_of_role, tmp_path):
    workshop = _workshop(capacity=40)
    for index in range(40):
        _register(workshop, "Camille", f"Participant{index:02d}")
    response = client_of_role(Role.COORDINATOR).get(_url(workshop))
    text = _pdf_text(response.content, tmp_path)
    pages = text.strip("\f").split("\f")
    assert len(pages) >= 2
    assert f"Page 1 sur {len(pages)}" in pages[0]
    assert f"Page {len(pages)} sur {len(pages)}" in pages[-1]
    # The table's header is repeated on every page.
    assert all("Signature" in page for page in pages)
    assert "PARTICIPANT39" in text


def test_sheet_escapes_what_people_typed(client_of_role, tmp_path):
    workshop = _workshop(subject='Atelier <img src="http://exemple.invalid/x.png"> & co')
    response = client_of_role(Role.COORDINATOR).get(_url(workshop))
    assert response.status_code == 200
    text = _pdf_text(response.content, tmp_path)
    assert 'Atelier <img src="http://exemple.invalid/x.png"> & co' in text
