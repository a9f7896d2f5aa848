"""Through a real Celery worker consuming from a real Redis (CI starts both; without
REDIS_URL these tests are skipped)."""

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.core.mail import send_mail
from django.db import connections
from django.urls import reverse

from coop.celery import app as celery_app
from coop.enums import EmailStatus
from coop.models import OutgoingEmail

REDIS_URL = os.environ.get("REDIS_URL")

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a running Redis)"),
    pytest.mark.django_db(transaction=True),
]


def _close_worker_connections(**kwargs):
    """The worker runs in a thread of the test process: its database connections must be
    closed after each task, or the test database cannot be dropped at the end."""
    connections.close_all()


@pytest.fixture
def worker(settings):
    # Read before the settings change: Celery reads Django's settings lazily.
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    settings.REDIS_URL = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    # A private queue per test process, so parallel test workers never take each other's tasks.
    queue = f"tests-{os.getpid()}"
    celery_app.conf.task_default_queue = queue
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(
            celery_app,
            pool="solo",
            concurrency=1,
            queues=[queue],
            perform_ping_check=False,
            shutdown_timeout=10,
        ) as started:
            yield started
    finally:
        task_postrun.disconnect(_close_worker_connections)
        celery_app.conf.update(saved)
        celery_app.conf.task_default_queue = "celery"


def _wait_for(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_an_email_is_delivered_by_the_worker(worker, settings):
    settings.EMAIL_BACKEND = "coop.mail.OutboxBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    send_mail("Par le worker", "Texte", None, ["a@exemple.fr"])
    assert _wait_for(lambda: OutgoingEmail.objects.get().status == EmailStatus.SENT)
    assert [m.subject for m in mail.outbox] == ["Par le worker"]


def test_health_sees_the_worker(worker, client):
    response = client.get(reverse("health"))
    assert response.json()["redis"] == "ok"
    assert response.json()["worker"] == "ok"
    assert response.status_code == 200
