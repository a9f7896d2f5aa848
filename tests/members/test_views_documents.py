"""Private documents: uploaded by coordinators (size and real type checked), stored under
MEDIA_ROOT/private/, served only by a view to those allowed to see them."""

import html as html_lib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.enums import Role
from members.models import Document
from tests.members.factories import MemberFactory
from tests.members.factories_extra import (
    EXE_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    document_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _upload(client, member, *, name="contrat.pdf", content=PDF_BYTES, **overrides):
    data = {
        "kind": "contract",
        "title": "Contrat CAPE signé",
        "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
    } | overrides
    return client.post(reverse("members:document_upload", args=[member.pk]), data)


# --- uploading ------------------------------------------------------------------------


def test_upload_anonymous(client):
    member = MemberFactory()
    response = client.get(reverse("members:document_upload", args=[member.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", list(Role))
def test_upload_for_each_role(client_of_role, role):
    member = MemberFactory()
    expected = {Role.COORDINATOR: 200, Role.ENTREPRENEUR: 404}.get(role, 403)
    response = client_of_role(role).get(reverse("members:document_upload", args=[member.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize("role", [role for role in Role if role != Role.COORDINATOR])
def test_upload_post_refused_to_other_roles(client_of_role, role):
    member = MemberFactory()
    response = _upload(client_of_role(role), member)
    assert response.status_code in (403, 404)
    assert not Document.objects.exists()


def test_upload_entrepreneur_for_own_record_404(client):
    member = MemberFactory()
    client.force_login(member.user)
    assert _upload(client, member).status_code == 404
    assert not Document.objects.exists()


def test_upload_wrong_method(client_of_role):
    member = MemberFactory()
    client = client_of_role(Role.COORDINATOR)
    assert client.put(reverse("members:document_upload", args=[member.pk])).status_code == 405


def test_upload_form_is_multipart(client_of_role):
    member = MemberFactory()
    response = client_of_role(Role.COORDINATOR).get(
        reverse("members:document_upload", args=[member.pk])
    )
    assert 'enctype="multipart/form-data"' in _text(response)


def test_upload_stores_the_file_privately(client_of_role, private_media):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    response = _upload(client, member)
    assert response.status_code == 302
    assert response["Location"] == reverse("members:member_detail", args=[member.pk])
    document = Document.objects.get()
    assert (document.member, document.kind, document.title) == (
        member,
        "contract",
        "Contrat CAPE signé",
    )
    assert document.content_type == "application/pdf"
    assert document.size == len(PDF_BYTES)
    assert document.original_name == "contrat.pdf"
    assert document.uploaded_by == client.user
    assert document.file.name.startswith(f"private/members/{member.pk}/")
    assert (private_media / document.file.name).read_bytes() == PDF_BYTES
    page = _text(client.get(response["Location"]))
    assert "Le document « Contrat CAPE signé » est enregistré." in page
    # Never reachable other than through the view.
    assert client.get("/" + document.file.name).status_code == 404
    assert client.get("/media/" + document.file.name).status_code == 404


def test_upload_png(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    assert _upload(client, member, name="attestation.png", content=PNG_BYTES).status_code == 302
    assert Document.objects.get().content_type == "image/png"


def test_upload_refuses_an_exe_renamed_pdf(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    response = _upload(client, member, name="contrat.pdf", content=EXE_BYTES)
    assert response.status_code == 200
    html = _text(response)
    assert "Seuls les fichiers PDF, JPEG et PNG sont acceptés." in html
    assert 'value="Contrat CAPE signé"' in html
    assert '<option value="contract" selected>' in html
    assert not Document.objects.exists()


def test_upload_refuses_a_file_over_ten_megabytes(client_of_role, private_media):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    content = PDF_BYTES + b"0" * (Document.MAX_SIZE + 1 - len(PDF_BYTES))
    response = _upload(client, member, content=content, title="Gros scan")
    assert response.status_code == 200
    html = _text(response)
    assert "10 Mo au plus." in html
    assert 'value="Gros scan"' in html
    assert not Document.objects.exists()
    assert not list(private_media.rglob("*.pdf"))


def test_upload_accepts_exactly_ten_megabytes(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    content = PDF_BYTES + b"0" * (Document.MAX_SIZE - len(PDF_BYTES))
    assert _upload(client, member, content=content).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"file": ""}, "Ce champ est obligatoire."),
        ({"title": ""}, "Ce champ est obligatoire."),
        ({"kind": "diplome"}, "Sélectionnez un choix valide."),
    ],
)
def test_upload_bad_input(client_of_role, overrides, message):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    response = _upload(client, member, **overrides)
    assert response.status_code == 200
    assert message in _text(response)
    assert not Document.objects.exists()


def test_upload_refuses_an_empty_file(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    response = _upload(client, member, content=b"")
    assert response.status_code == 200
    assert "Le fichier soumis est vide." in _text(response)


# --- downloading ----------------------------------------------------------------------


def test_download_anonymous(client):
    document = document_create(MemberFactory())
    response = client.get(reverse("members:document_download", args=[document.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", list(Role))
def test_download_for_each_role(client_of_role, role):
    document = document_create(MemberFactory())
    expected = 200 if role in (Role.COORDINATOR, Role.ADMINISTRATOR) else 404
    response = client_of_role(role).get(reverse("members:document_download", args=[document.pk]))
    assert response.status_code == expected
    response.close()  # an unread file response keeps its file open until closed


def test_download_serves_the_file_privately(client_of_role):
    document = document_create(MemberFactory(), name="Contrat CAPE.pdf")
    response = client_of_role(Role.COORDINATOR).get(
        reverse("members:document_download", args=[document.pk])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Contrat CAPE.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_download_names_the_file_after_its_real_type(client_of_role):
    document = document_create(MemberFactory(), name="photo.png", content=PDF_BYTES)
    response = client_of_role(Role.COORDINATOR).get(
        reverse("members:document_download", args=[document.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="photo.pdf"' in response["Content-Disposition"]
    response.close()


def test_download_by_the_member_themself(client):
    member = MemberFactory()
    document = document_create(member)
    client.force_login(member.user)
    response = client.get(reverse("members:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_download_by_another_entrepreneur_is_404(client):
    document = document_create(MemberFactory())
    other = MemberFactory()
    client.force_login(other.user)
    assert client.get(reverse("members:document_download", args=[document.pk])).status_code == 404


def test_download_wrong_method(client_of_role):
    document = document_create(MemberFactory())
    client = client_of_role(Role.COORDINATOR)
    assert client.post(reverse("members:document_download", args=[document.pk])).status_code == 405


def test_download_unknown_id(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.get(reverse("members:document_download", args=[999999])).status_code == 404


def test_download_of_a_file_missing_on_disk_is_404(client_of_role, private_media):
    document = document_create(MemberFactory())
    (private_media / document.file.name).unlink()
    client = client_of_role(Role.COORDINATOR)
    assert client.get(reverse("members:document_download", args=[document.pk])).status_code == 404
