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
    # Peer support: the retention rule, then reminders of unanswered referrals (at night
    # and in the morning, Europe/Paris).
    "peer-support-anonymise-expired": {
        "task": "peer_support.tasks.anonymise_expired_followups",
        "schedule": crontab(hour=3, minute=17),
    },
    "peer-support-remind-referrals": {
        "task": "peer_support.tasks.remind_unanswered_referrals",
        "schedule": crontab(hour=8, minute=5),
    },
    # Invoicing: the automatic reminders of overdue invoices, at 08:00 Europe/Paris
    # (CELERY_TIMEZONE), at the delays set on the cooperative's profile.
    # Research: the monthly snapshots and funder reports, at 06:00 Europe/Paris. It runs
    # every day: on the first of the month it starts the month just finished; the other
    # days it catches up what a Redis or worker outage left undone (idempotent).
    "research-monthly-snapshots": {
        "task": "research.tasks_reports.monthly_snapshots",
        "schedule": crontab(hour=6, minute=0),
    },
    # Research: reminders of structure surveys whose deadline nears (once per step).
    "research-survey-reminders": {
        "task": "research.tasks_surveys.survey_reminders_send",
        "schedule": crontab(hour=8, minute=10),
    },
    "invoice-reminders-send": {
        "task": "coop.tasks.invoice_reminders_send",
        "schedule": crontab(hour=8, minute=0),
    },
}
