"""Celery tasks of the structure surveys."""
