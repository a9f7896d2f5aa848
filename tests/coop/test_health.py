import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_health_in_the_demo_setup(client, settings):
    settings.REDIS_URL = ""
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "not_configured",
        "worker": "eager",
    }
    assert "no-cache" in response["Cache-Control"]


def test_health_reports_redis_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "redis": "error",
        "worker": "error",
    }


def test_health_refuses_post(client):
    assert client.post(reverse("health")).status_code == 405
