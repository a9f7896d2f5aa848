"""Celery tasks of the research app: each module below defines its own, imported here
so that the worker finds them."""

from research.tasks_reports import *  # noqa: F403
from research.tasks_surveys import *  # noqa: F403
