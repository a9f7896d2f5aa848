import pytest
from django.contrib import admin
from django.db import ProgrammingError, connection, transaction
from django.db.models import ProtectedError
from django.db.utils import DatabaseError

from peer_support.enums import AccessAction
from peer_support.models import AccessLog, AppendOnlyError, FollowUp
from peer_support.services import access_log_write
from tests.members.factories import UserFactory
from tests.peer_support.factories import FollowUpFactory, lead_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    followup = FollowUpFactory()
    return access_log_write(
        actor=followup.mediator.user, action=AccessAction.VIEW, followup=followup
    )


def test_the_orm_refuses_to_change_or_delete_the_log(entry):
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=entry.pk).update(action=AccessAction.EXPORT)
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    entry.action = AccessAction.EXPORT
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AccessLog.objects.bulk_update([entry], ["action"])
    assert AccessLog.objects.get().action == AccessAction.VIEW


def test_what_the_log_points_to_cannot_vanish(entry):
    with pytest.raises(ProtectedError):
        FollowUp.objects.filter(pk=entry.followup_id).delete()
    actor = entry.actor
    with pytest.raises(ProtectedError):
        actor.delete()
    assert AccessLog.objects.count() == 1


def test_the_log_names_no_one(entry):
    followup = entry.followup
    assert followup.pseudonym not in str(entry)
    row = AccessLog.objects.values().get()
    assert followup.pseudonym not in " ".join(str(value) for value in row.values())


def test_only_the_retention_rule_writes_without_an_actor():
    followup = FollowUpFactory()
    with pytest.raises(DatabaseError), transaction.atomic():
        access_log_write(actor=None, action=AccessAction.VIEW, followup=followup)


def test_the_log_is_not_in_the_admin_site():
    for model in admin.site._registry:
        assert model._meta.app_label != "peer_support"


def test_the_admin_site_has_no_page_for_it(client):
    client.force_login(UserFactory(role="administrator"))
    assert client.get("/admin/peer_support/accesslog/").status_code == 404
    assert client.get("/admin/peer_support/followup/").status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_refuses_update_and_delete_whatever_the_client(entry):
    table = AccessLog._meta.db_table
    for statement in (
        f"UPDATE {table} SET action = 'export' WHERE id = %s",  # noqa: S608
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
    ):
        with (
            pytest.raises(ProgrammingError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    assert AccessLog.objects.get().action == AccessAction.VIEW
    # Inserting stays possible.
    access_log_write(actor=lead_user(), action=AccessAction.VIEW, followup=entry.followup)
    assert AccessLog.objects.count() == 2
