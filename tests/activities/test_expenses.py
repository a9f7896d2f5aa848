"""Expenses of a session: one on the session form itself, more afterwards on their own
page; the receipt's real type is checked, and the file is served only to those who may
see the expense."""

import datetime
import html as html_lib
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Expense, Session
from members.enums import Role
from members.models import Document
from tests.activities.factories import MissionFactory, SessionFactory
from tests.members.factories import MemberFactory, UserFactory
from tests.members.factories_extra import EXE_BYTES, PDF_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db

JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
MY_SESSIONS_URL = reverse("activities:my_sessions")


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _receipt(name="ticket.jpg", content=JPEG_BYTES, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def member(client):
    member = MemberFactory(path="cape")
    client.force_login(member.user)
    return member


@pytest.fixture
def session(member):
    return SessionFactory(mission=MissionFactory(entrepreneurs=[member]))


def _add_url(session) -> str:
    return reverse("activities:expense_add", args=[session.pk])


def _add(client, session, **overrides):
    data = {"kind": "transport", "amount": "8,50", "receipt": _receipt()} | overrides
    return client.post(_add_url(session), data)


# --- one expense on the session form ------------------------------------------------


def _session_data(**overrides) -> dict:
    return {
        "client_token": str(uuid.uuid4()),
        "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "start_time": "09:30",
        "duration": "60",
        "postcode": "93100",
        "commune": "Montreuil",
        "audience_general_public": "14",
        "kilometres": "3",
    } | overrides


def test_session_form_with_an_expense(client, member, private_media):
    mission = MissionFactory(entrepreneurs=[member])
    data = _session_data(
        **{"frais-kind": "meals", "frais-amount": "12,40", "frais-receipt": _receipt()}
    )
    response = client.post(reverse("activities:session_log", args=[mission.pk]), data)
    assert response.status_code == 302
    expense = Expense.objects.get()
    assert expense.session == Session.objects.get()
    assert (expense.kind, expense.amount, expense.receipt_content_type) == (
        "meals",
        Decimal("12.40"),
        "image/jpeg",
    )
    assert expense.receipt.name.startswith(f"private/receipts/{member.pk}/")
    assert (private_media / expense.receipt.name).read_bytes() == JPEG_BYTES


def test_session_form_sent_twice_keeps_one_expense(client, member):
    mission = MissionFactory(entrepreneurs=[member])
    data = _session_data(**{"frais-kind": "meals", "frais-amount": "12,40"})
    url = reverse("activities:session_log", args=[mission.pk])
    client.post(url, data | {"frais-receipt": _receipt()})
    client.post(url, data | {"frais-receipt": _receipt()})
    assert Session.objects.count() == 1
    assert Expense.objects.count() == 1


def test_session_form_expense_with_a_bad_file_saves_nothing(client, member):
    mission = MissionFactory(entrepreneurs=[member])
    data = _session_data(
        **{
            "frais-kind": "materials",
            "frais-amount": "30",
            "frais-receipt": _receipt("ticket.jpg", EXE_BYTES),
        }
    )
    response = client.post(reverse("activities:session_log", args=[mission.pk]), data)
    assert response.status_code == 200
    html = _text(response)
    assert "Seuls les fichiers PDF, JPEG et PNG sont acceptés." in html
    # Everything typed is still there; the expense part stays open.
    assert 'name="audience_general_public" value="14"' in html
    assert '<option value="materials" selected>' in html
    assert 'name="frais-amount" value="30"' in html
    assert '<details class="expense" open>' in html
    assert not Session.objects.exists()
    assert not Expense.objects.exists()


@pytest.mark.parametrize(
    ("expense", "message"),
    [
        ({"frais-amount": "5"}, "Choisissez le type de frais."),
        ({"frais-kind": "meals"}, "Indiquez le montant payé."),
        ({"frais-kind": "meals", "frais-amount": "5"}, "Ajoutez la photo du justificatif."),
        ({"frais-kind": "meals", "frais-amount": "0"}, "Le montant est plus grand que zéro."),
        ({"frais-kind": "vin", "frais-amount": "5"}, "Sélectionnez un choix valide."),
    ],
)
def test_session_form_incomplete_expense(client, member, expense, message):
    mission = MissionFactory(entrepreneurs=[member])
    response = client.post(
        reverse("activities:session_log", args=[mission.pk]), _session_data(**expense)
    )
    assert response.status_code == 200
    assert message in _text(response)
    assert not Session.objects.exists()


def test_session_form_without_expense_part_folded(client, member):
    mission = MissionFactory(entrepreneurs=[member])
    html = _text(client.get(reverse("activities:session_log", args=[mission.pk])))
    assert '<details class="expense">' in html


# --- adding an expense afterwards -----------------------------------------------------


def test_add_anonymous(client):
    session = SessionFactory()
    response = client.get(_add_url(session))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", [role for role in Role if role != Role.ENTREPRENEUR])
def test_add_refused_to_other_roles(client_of_role, role):
    session = SessionFactory()
    client = client_of_role(role)
    assert client.get(_add_url(session)).status_code == 403
    assert _add(client, session).status_code == 403
    assert not Expense.objects.exists()


def test_add_to_the_session_of_someone_else_404(client, member):
    session = SessionFactory()
    assert client.get(_add_url(session)).status_code == 404
    assert _add(client, session).status_code == 404
    assert not Expense.objects.exists()


def test_add_wrong_method(client, session):
    assert client.put(_add_url(session)).status_code == 405


def test_add_form(client, session):
    response = client.get(_add_url(session))
    assert response.status_code == 200
    html = _text(response)
    assert 'enctype="multipart/form-data"' in html
    assert 'accept="image/*,application/pdf"' in html
    assert 'capture="environment"' in html
    assert 'name="amount" inputmode="decimal"' in html


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("ticket.jpg", JPEG_BYTES, "image/jpeg"),
        ("ticket.png", PNG_BYTES, "image/png"),
        ("facture.pdf", PDF_BYTES, "application/pdf"),
    ],
)
def test_add_an_expense(client, session, name, content, content_type):
    response = _add(client, session, receipt=_receipt(name, content, content_type))
    assert response.status_code == 302
    assert response["Location"] == MY_SESSIONS_URL
    expense = Expense.objects.get()
    assert (expense.session, expense.kind, expense.amount) == (
        session,
        "transport",
        Decimal("8.50"),
    )
    assert expense.receipt_content_type == content_type
    assert "Le frais est noté." in _text(client.get(MY_SESSIONS_URL))


def test_add_refuses_an_exe_renamed_jpeg_and_keeps_what_was_typed(client, session):
    response = _add(
        client, session, kind="meals", amount="14,90", receipt=_receipt(content=EXE_BYTES)
    )
    assert response.status_code == 200
    html = _text(response)
    assert "Seuls les fichiers PDF, JPEG et PNG sont acceptés." in html
    assert '<option value="meals" selected>' in html
    assert 'value="14,90"' in html
    assert not Expense.objects.exists()


def test_add_refuses_a_file_over_ten_megabytes(client, session, private_media):
    content = JPEG_BYTES + b"0" * (Document.MAX_SIZE + 1 - len(JPEG_BYTES))
    response = _add(client, session, amount="3,20", receipt=_receipt(content=content))
    assert response.status_code == 200
    html = _text(response)
    assert "10 Mo au plus." in html
    assert 'value="3,20"' in html
    assert not Expense.objects.exists()
    assert not list(private_media.rglob("*.jpg"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"receipt": ""}, "Ce champ est obligatoire."),
        ({"amount": ""}, "Ce champ est obligatoire."),
        ({"amount": "huit"}, "Saisissez un nombre."),
        ({"amount": "-2"}, "Le montant est plus grand que zéro."),
        ({"amount": "2,555"}, "Assurez-vous qu’il n’y a pas plus de 2 chiffres après la virgule."),
        ({"kind": ""}, "Ce champ est obligatoire."),
        ({"receipt": _receipt(content=b"")}, "Le fichier soumis est vide."),
    ],
)
def test_add_bad_input(client, session, overrides, message):
    response = _add(client, session, **overrides)
    assert response.status_code == 200
    assert message in _text(response)
    assert not Expense.objects.exists()


def test_add_to_a_validated_session_refused(client, session):
    services.session_validate(actor=UserFactory(role=Role.COORDINATOR), session=session)
    for response in (client.get(_add_url(session)), _add(client, session)):
        assert response.status_code == 302
        assert response["Location"] == MY_SESSIONS_URL
    assert "Cette séance est validée : on n'y ajoute plus de frais." in _text(
        client.get(MY_SESSIONS_URL)
    )
    assert not Expense.objects.exists()


# --- the receipt ----------------------------------------------------------------------


def _expense_with_receipt(session, content=PNG_BYTES, name="ticket.png") -> Expense:
    return services.expense_add(
        actor=session.entrepreneur.user,
        session=session,
        kind="meals",
        amount=Decimal("9.90"),
        receipt=_receipt(name, content, "image/png"),
    )


def _download_url(expense) -> str:
    return reverse("activities:receipt_download", args=[expense.pk])


def test_download_anonymous(client):
    expense = _expense_with_receipt(SessionFactory())
    response = client.get(_download_url(expense))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", list(Role))
def test_download_for_each_role(client_of_role, role):
    expense = _expense_with_receipt(SessionFactory())
    expected = 200 if role in (Role.COORDINATOR, Role.ADMINISTRATOR, Role.ACCOUNTANT) else 404
    response = client_of_role(role).get(_download_url(expense))
    assert response.status_code == expected
    response.close()


def test_download_own_receipt_privately(client, session):
    expense = _expense_with_receipt(session)
    response = client.get(_download_url(expense))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG_BYTES
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == (
        f'attachment; filename="justificatif-{expense.pk}.png"'
    )
    # Never reachable other than through the view.
    assert client.get("/media/" + expense.receipt.name).status_code == 404


def test_download_receipt_of_someone_else_404(client, member):
    expense = _expense_with_receipt(SessionFactory())
    assert client.get(_download_url(expense)).status_code == 404


def test_download_expense_without_receipt_404(client, session):
    expense = Expense.objects.create(session=session, kind="meals", amount=Decimal("4"))
    assert client.get(_download_url(expense)).status_code == 404


def test_download_missing_file_404(client, session, private_media):
    expense = _expense_with_receipt(session)
    (private_media / expense.receipt.name).unlink()
    assert client.get(_download_url(expense)).status_code == 404


def test_download_wrong_method(client, session):
    expense = _expense_with_receipt(session)
    assert client.post(_download_url(expense)).status_code == 405
