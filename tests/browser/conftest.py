import pytest


@pytest.fixture(scope="session", autouse=True)
def _drop_live_server_connections(django_db_setup, django_db_blocker):
    """Once the browser tests are over, the live server's request threads may still hold
    a PostgreSQL connection, and the test database could not be dropped at the end."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
