"""The Celery application: Redis broker, tasks discovered in each app's tasks.py."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")

app = Celery("coop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Delivers the e-mails whose task was lost (Redis down) or failed for good too early.
    "email-send-pending": {
        "task": "coop.tasks.email_send_pending",
        "schedule": crontab(minute="*/5"),
    },
}
