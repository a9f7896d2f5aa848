import pytest
from django.test import Client
from django.urls import path, reverse

from members.enums import Role

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom)]


def test_404_page_is_french(client_of_role):
    response = client_of_role(Role.ENTREPRENEUR).get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_403_page_is_french(client_of_role):
    response = client_of_role(Role.ENTREPRENEUR).get(reverse("members:account_list"))
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_500_page_is_french(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Un problème est survenu" in response.content.decode()


def test_language_switch_to_english_and_back(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html
    assert "What you can do" in html
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert "Ce que vous pouvez faire" in client.get(reverse("home")).content.decode()


def test_login_page_is_french_by_default(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "Connexion" in html
    assert "Mot de passe" in html
