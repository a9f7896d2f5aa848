"""Celery tasks of the monthly reports."""
