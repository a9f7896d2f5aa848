import pytest

from members.enums import Role
from members.models import Invitation, User
from members.perms import can_manage_invitation, invitable_roles
from tests.members.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_user_visible_to_each_role():
    people = {role: UserFactory(role=role, totp=False) for role in Role}
    everyone = set(User.objects.values_list("pk", flat=True))
    for role, user in people.items():
        visible = set(User.objects.visible_to(user).values_list("pk", flat=True))
        if role in (Role.ADMINISTRATOR, Role.COORDINATOR):
            assert visible == everyone
        else:
            assert visible == {user.pk}


def test_nobody_is_visible_to_an_inactive_account():
    user = UserFactory(role=Role.ADMINISTRATOR, is_active=False, totp=False)
    assert not User.objects.visible_to(user).exists()
    assert not user.has_perm("members.view_accounts")


def test_invitations_visible_only_to_managers():
    InvitationFactory()
    for role in Role:
        user = UserFactory(role=role, totp=False)
        expected = 1 if role in (Role.ADMINISTRATOR, Role.COORDINATOR) else 0
        assert Invitation.objects.visible_to(user).count() == expected


def test_invitable_roles():
    assert invitable_roles(UserFactory(role=Role.ADMINISTRATOR, totp=False)) == list(Role)
    assert set(invitable_roles(UserFactory(role=Role.COORDINATOR, totp=False))) == {
        Role.ENTREPRENEUR,
        Role.FUNDER,
        Role.RESEARCHER,
    }
    assert invitable_roles(UserFactory(role=Role.ACCOUNTANT, totp=False)) == []
    coordinator = UserFactory(role=Role.COORDINATOR, totp=False)
    assert not can_manage_invitation(coordinator, InvitationFactory(role=Role.ADMINISTRATOR))


def test_no_account_can_be_a_superuser():
    from django.db import IntegrityError

    user = UserFactory()
    user.is_superuser = True
    with pytest.raises(IntegrityError):
        user.save()


def test_email_is_unique_whatever_its_case():
    from django.db import IntegrityError

    UserFactory(email="lea@exemple.fr")
    with pytest.raises(IntegrityError):
        User.objects.bulk_create([User(email="LEA@exemple.fr", role=Role.ENTREPRENEUR)])


@pytest.mark.parametrize("role", list(Role))
def test_admin_site_is_for_administrators_only(client, role):
    user = UserFactory(role=role)
    client.force_login(user)
    response = client.get("/admin/")
    if role == Role.ADMINISTRATOR:
        assert response.status_code == 200
        assert client.get("/admin/members/user/").status_code == 200
        assert client.get(f"/admin/members/user/{user.pk}/change/").status_code == 200
    else:
        assert response.status_code in (302, 403)
        assert client.get("/admin/members/user/", follow=True).status_code == 403


def test_changes_to_an_account_are_audited(client):
    from auditlog.models import LogEntry

    admin = UserFactory(role=Role.ADMINISTRATOR)
    person = UserFactory(role=Role.ENTREPRENEUR)
    client.force_login(admin)
    client.post(
        f"/admin/members/user/{person.pk}/change/",
        {
            "email": person.email,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "role": Role.FUNDER,
            "is_active": "on",
        },
    )
    person.refresh_from_db()
    assert person.role == Role.FUNDER
    entry = LogEntry.objects.get_for_object(person).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == admin
    assert entry.changes_dict["role"] == [Role.ENTREPRENEUR, Role.FUNDER]


def test_member_changes_are_audited_without_health_data(client):
    from auditlog.models import LogEntry

    from members import services
    from members.models import Member, SensitiveProfile
    from tests.members.factories import AppointmentFactory, MemberFactory

    member = MemberFactory(path="cape")
    assert LogEntry.objects.get_for_model(Member).exists()
    services.consent_record(
        actor=member.coordinator,
        member=member,
        scope="health_profile",
        given_on=member.information_meeting_on,
        explanation="Expliqué à l'oral.",
    )
    services.sensitive_profile_set(
        actor=member.coordinator, member=member, is_former_service_user=True
    )
    assert not LogEntry.objects.get_for_model(SensitiveProfile).exists()
    appointment = AppointmentFactory(member=member, topics="Sujet confidentiel")
    entry = LogEntry.objects.get_for_object(appointment).get()
    assert "Sujet confidentiel" not in str(entry.changes)
