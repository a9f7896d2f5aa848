import datetime
import random
import time
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import validate_totp_code
from allauth.mfa.utils import decrypt
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from faker import Faker

from coop.management.commands import seed as seed_command
from coop.models import Programme
from coop.seed import seed_programmes
from members.dates import add_months, add_years
from members.enums import (
    AppointmentStatus,
    Attendance,
    ConsentScope,
    ContractKind,
    ExitReason,
    Role,
    Stage,
)
from members.models import (
    AccessLog,
    Appointment,
    Consent,
    Contract,
    Invitation,
    Member,
    PathStep,
    SensitiveProfile,
    Training,
    User,
    Workshop,
)
from members.seed import DEMO_LOGINS, DEMO_PASSWORD, draw_plan, seed_members, seed_path
from members.services.people import detect_content_type
from tests.members.factories import UserFactory


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    """The demo writes real PDFs: keep them out of the project's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _seed(seed=2026, size="demo", **kwargs):
    faker = Faker("fr_FR")
    faker.seed_instance(seed)
    return seed_members(rng=random.Random(seed), faker=faker, size=size, **kwargs)


def _seed_and_roll_back(seed):
    """What a seed creates, forgotten at once so that the next run starts from empty."""
    with transaction.atomic():
        logins = _seed(seed)
        emails = sorted(User.objects.values_list("email", flat=True))
        invitations = sorted(Invitation.objects.values_list("email", flat=True))
        transaction.set_rollback(True)
    return logins, emails, invitations


def _role_counts():
    return dict(User.objects.values_list("role").annotate(n=Count("pk")).order_by())


def _wait_for_fresh_totp_period():
    """A code read in the last second of its 30-second period would be stale when posted."""
    if mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD < 2:
        time.sleep(2)


def _demo_totp(email):
    out = StringIO()
    call_command("demo_totp", email, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def _failing_step(**kwargs):
    raise RuntimeError("step failed")


@pytest.mark.django_db
def test_demo_seed_creates_one_login_per_role():
    logins = _seed()

    assert [login["role"] for login in logins] == list(Role)
    assert [login["email"] for login in logins] == list(DEMO_LOGINS.values())
    for login in logins:
        user = User.objects.get(email=login["email"])
        assert user.role == login["role"]
        assert user.check_password(DEMO_PASSWORD)
        assert login["name"] == user.get_full_name() != ""
        has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
        if login["role"] in Role.requiring_two_factor():
            assert decrypt(has_totp.get().data["secret"]) == login["totp_secret"]
            assert len(login["recovery_codes"]) == mfa_settings.RECOVERY_CODE_COUNT
        else:
            assert not has_totp.exists()
            assert login["totp_secret"] is None
            assert login["recovery_codes"] == []


@pytest.mark.django_db
def test_demo_seed_has_about_forty_verified_members_and_pending_invitations():
    _seed()

    assert _role_counts() == {
        Role.ADMINISTRATOR: 1,
        Role.COORDINATOR: 3,
        Role.ENTREPRENEUR: 32,
        Role.PEER_SUPPORT_LEAD: 1,
        Role.ACCOUNTANT: 1,
        Role.FUNDER: 2,
        Role.RESEARCHER: 1,
    }
    assert not User.objects.exclude(email__endswith="@demo.entrepairs.fr").exists()
    # Every account has its address verified and primary: e-mail verification is mandatory.
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 41
    assert not User.objects.filter(emailaddress__isnull=True).exists()
    coordinator = User.objects.get(email=DEMO_LOGINS[Role.COORDINATOR])
    invitations = Invitation.objects.pending()
    assert invitations.count() == 3
    assert set(invitations.values_list("invited_by", "role")) == {
        (coordinator.pk, Role.ENTREPRENEUR)
    }
    assert not User.objects.filter(email__in=invitations.values("email")).exists()


@pytest.mark.django_db
def test_seed_is_deterministic():
    first = _seed_and_roll_back(2026)
    again = _seed_and_roll_back(2026)
    other = _seed_and_roll_back(2027)

    # Same e-mails, names, TOTP secrets and recovery codes for the same seed.
    assert first == again
    assert other[1] != first[1]
    assert [login["totp_secret"] for login in other[0]] != [
        login["totp_secret"] for login in first[0]
    ]


@pytest.mark.django_db
def test_large_seed_at_reduced_scale_keeps_the_role_proportions():
    logins = _seed(size="large", scale=0.1)

    # DESIGN.md's counts times 0.1, at least one account per role.
    assert _role_counts() == {
        Role.ADMINISTRATOR: 1,
        Role.COORDINATOR: 6,
        Role.ENTREPRENEUR: 200,
        Role.PEER_SUPPORT_LEAD: 1,
        Role.ACCOUNTANT: 1,
        Role.FUNDER: 3,
        Role.RESEARCHER: 2,
    }
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 214
    assert len({login["email"] for login in logins}) == len(Role)
    # Only the fixed demo logins get two-factor: the bulk accounts have none.
    assert set(
        Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list(
            "user__email", flat=True
        )
    ) == {DEMO_LOGINS[role] for role in Role.requiring_two_factor()}


@pytest.mark.django_db
def test_seed_members_refuses_an_unknown_size():
    with pytest.raises(ValueError, match="Unknown size"):
        _seed(size="huge")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_command_prints_the_demo_logins():
    out = StringIO()
    call_command("seed", stdout=out)

    output = out.getvalue()
    for email in DEMO_LOGINS.values():
        assert email in output
    assert DEMO_PASSWORD in output
    for authenticator in Authenticator.objects.filter(type=Authenticator.Type.TOTP):
        assert decrypt(authenticator.data["secret"]) in output
    assert ".venv/bin/python manage.py demo_totp EMAIL" in output
    assert User.objects.count() == 41


@pytest.mark.django_db
def test_seed_command_refuses_a_database_with_accounts():
    UserFactory()

    with pytest.raises(CommandError, match="already holds accounts"):
        call_command("seed", stdout=StringIO())
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_seed_command_keeps_nothing_when_a_step_fails(monkeypatch):
    monkeypatch.setattr(
        seed_command, "STEPS", [*seed_command.STEPS, "tests.members.test_seed._failing_step"]
    )

    with pytest.raises(RuntimeError, match="step failed"):
        call_command("seed", stdout=StringIO())
    assert not User.objects.exists()
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_demo_totp_prints_a_code_that_allauth_accepts(settings):
    settings.DEBUG = True
    logins = {login["role"]: login for login in _seed()}
    secret = logins[Role.COORDINATOR]["totp_secret"]
    _wait_for_fresh_totp_period()

    code = _demo_totp("Coordination@demo.entrepairs.fr")

    assert len(code) == 6
    assert code.isdigit()
    assert validate_totp_code(secret, code)


@pytest.mark.django_db
def test_demo_totp_refuses_without_debug(settings):
    settings.DEBUG = False
    _seed()

    with pytest.raises(CommandError, match="DEBUG=1"):
        _demo_totp(DEMO_LOGINS[Role.COORDINATOR])


@pytest.mark.django_db
def test_demo_totp_refuses_an_unknown_address(settings):
    settings.DEBUG = True

    with pytest.raises(CommandError, match="No account"):
        _demo_totp("personne@demo.entrepairs.fr")


@pytest.mark.django_db
def test_demo_totp_refuses_an_account_without_authenticator(settings):
    settings.DEBUG = True
    _seed()

    with pytest.raises(CommandError, match="no authenticator"):
        _demo_totp(DEMO_LOGINS[Role.ENTREPRENEUR])


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_demo_login_logs_in_through_the_real_views(client, settings, role):
    """Password, then (for the roles that require it) the code that demo_totp prints."""
    settings.DEBUG = True
    _seed()
    email = DEMO_LOGINS[role]
    _wait_for_fresh_totp_period()

    response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})

    if role in Role.requiring_two_factor():
        assert response.status_code == 302
        assert response.url == reverse("mfa_authenticate")
        assert "_auth_user_id" not in client.session
        response = client.post(reverse("mfa_authenticate"), {"code": _demo_totp(email)})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)


# --- seed_path: members on their path -------------------------------------------------


def _seed_all(seed=2026, size="demo", scale=1.0):
    """The seed command's steps, drawing from one rng and one faker."""
    rng, faker = random.Random(seed), Faker("fr_FR")
    faker.seed_instance(seed)
    seed_members(rng=rng, faker=faker, size=size, scale=scale)
    seed_programmes(rng=rng, faker=faker, size=size)
    seed_path(rng=rng, faker=faker, size=size, scale=scale)


def _assert_the_path_rules_hold():
    """What the services guarantee, for every seeded member."""
    today = timezone.localdate()
    members = Member.objects.prefetch_related("path_steps", "contracts")
    for member in members:
        steps = list(member.path_steps.all())
        contracts = list(member.contracts.all())
        by_pk = {contract.pk: contract for contract in contracts}
        # The history starts at the welcome, in date order, and ends where the member is.
        assert steps[0].stage == Stage.WELCOME
        assert steps[0].on == member.information_meeting_on
        assert [step.on for step in steps] == sorted(step.on for step in steps)
        assert steps[-1].stage == member.stage
        assert member.stage_since == min(s.on for s in steps if s.stage == member.stage)
        assert all(step.on <= today for step in steps)
        assert sum(contract.end_date is None for contract in contracts) <= 1
        if member.stage == Stage.EXITED:
            assert member.exited_on == steps[-1].on and member.exit_reason
            assert steps[-1].exit_reason == member.exit_reason
            assert all(contract.end_date is not None for contract in contracts)
        else:
            assert member.exited_on is None and member.exit_reason == ""
        if member.stage in (Stage.CAPE, Stage.CESA, Stage.ASSOCIATE):
            open_contract = next(c for c in contracts if c.end_date is None)
            assert open_contract.kind == (
                ContractKind.CAPE if member.stage == Stage.CAPE else ContractKind.CESA
            )
        for contract in contracts:
            assert contract.end_date is None or contract.end_date >= contract.start_date
            if contract.kind == ContractKind.CAPE:
                # Twelve months at most, renewed twice at most.
                assert contract.planned_end_date < add_months(contract.start_date, 12)
                renewals, renewal = 0, contract
                while renewal.renewal_of_id is not None:
                    renewals += 1
                    renewed = by_pk[renewal.renewal_of_id]
                    assert renewed.end_date == renewal.start_date - datetime.timedelta(1)
                    renewal = renewed
                assert renewals <= 2
        # Each step points at the contract it came with.
        for step in steps:
            if step.stage in (Stage.CAPE, Stage.CESA):
                assert by_pk[step.contract_id].start_date == step.on
            if step.stage == Stage.ASSOCIATE:
                cesa = by_pk[step.contract_id]
                assert cesa.kind == ContractKind.CESA
                assert step.on <= add_years(cesa.start_date, 3)
        cesa_steps = [step for step in steps if step.stage == Stage.CESA]
        if cesa_steps and member.stage == Stage.CESA:
            assert today <= add_years(cesa_steps[0].on, 3)
    # Health data only where the member's consent to it is in force.
    in_force = Consent.objects.in_force().filter(scope=ConsentScope.HEALTH_PROFILE)
    assert not SensitiveProfile.objects.exclude(member__in=in_force.values("member")).exists()
    assert not Member.objects.filter(user__isnull=True, stage__in=[Stage.CESA, Stage.ASSOCIATE])
    for scope in ConsentScope:
        assert not (
            Consent.objects.in_force()
            .filter(scope=scope)
            .values("member")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .exists()
        )


def _assert_accompaniment_is_consistent():
    today = timezone.localdate()
    now = timezone.now()
    # Held, missed or cancelled appointments are past; planned ones are to come, on the
    # member's path.
    assert not Appointment.objects.exclude(status=AppointmentStatus.PLANNED).filter(
        starts_at__gte=now
    )
    assert not Appointment.objects.filter(status=AppointmentStatus.PLANNED, starts_at__lt=now)
    assert not Appointment.objects.filter(member__stage=Stage.EXITED, starts_at__gte=now)
    for appointment in Appointment.objects.select_related("member"):
        day = timezone.localdate(appointment.starts_at)
        assert day >= appointment.member.information_meeting_on
        assert appointment.member.exited_on is None or day < appointment.member.exited_on
    # No workshop overbooked; past ones have their attendance noted, upcoming ones not.
    for workshop in Workshop.objects.with_counts():
        assert workshop.registered_count <= workshop.capacity
    assert not Workshop.objects.filter(
        date__lt=today, registrations__attendance=Attendance.REGISTERED
    )
    assert not Workshop.objects.filter(
        Q(date__gte=today) & ~Q(registrations__attendance=Attendance.REGISTERED),
        registrations__isnull=False,
    )
    assert not Workshop.objects.filter(slots__isnull=True)
    assert not Training.objects.filter(obtained_on__gt=today)


@pytest.mark.django_db
def test_demo_path_puts_people_at_every_stage():
    _seed_all()

    entrepreneurs = User.objects.filter(role=Role.ENTREPRENEUR)
    # Every entrepreneur account has its member record, with the same name and address.
    assert Member.objects.filter(user__in=entrepreneurs).count() == entrepreneurs.count() == 32
    for member in Member.objects.filter(user__isnull=False).select_related("user"):
        assert (member.first_name, member.last_name, member.email) == (
            member.user.first_name,
            member.user.last_name,
            member.user.email,
        )
    stages = dict(Member.objects.values_list("stage").annotate(n=Count("pk")).order_by())
    assert set(stages) == set(Stage)
    # Candidates have no account yet; those who left have none any more.
    assert Member.objects.filter(user__isnull=True, stage=Stage.WELCOME).count() == 6
    assert Member.objects.filter(user__isnull=True, stage=Stage.EXITED).count() == 5
    assert stages[Stage.CAPE] + stages[Stage.CESA] + stages[Stage.ASSOCIATE] == 30
    assert {postcode[:2] for postcode in Member.objects.values_list("postcode", flat=True)} <= {
        "93",
        "75",
    }
    assert Programme.objects.count() == 4
    _assert_the_path_rules_hold()
    _assert_accompaniment_is_consistent()


@pytest.mark.django_db
def test_demo_history_is_what_the_services_write():
    _seed_all()

    # sensitive_profile_set logs every write of health data; consent_withdraw erases it.
    for profile in SensitiveProfile.objects.all():
        assert AccessLog.objects.filter(
            record_type="members.sensitiveprofile", record_id=profile.pk, action="change"
        ).exists()
    assert Consent.objects.filter(withdrawn_on__isnull=False).exists()
    assert SensitiveProfile.objects.count() >= 10
    renewals = PathStep.objects.filter(stage=Stage.CAPE, contract__renewal_of__isnull=False)
    assert renewals.exists()
    assert set(renewals.values_list("note", flat=True)) == {"Renouvellement du CAPE"}


@pytest.mark.django_db
def test_demo_warns_of_deadlines_and_fills_the_coming_weeks():
    _seed_all()
    today = timezone.localdate()
    lead = User.objects.get(email=DEMO_LOGINS[Role.COORDINATOR])

    ending_soon = Contract.objects.open().filter(
        kind=ContractKind.CAPE,
        member__coordinator=lead,
        planned_end_date__gte=today,
        planned_end_date__lte=today + datetime.timedelta(days=30),
    )
    assert ending_soon.count() >= 2
    cesa_starts = Contract.objects.open().filter(
        kind=ContractKind.CESA, member__stage=Stage.CESA, member__coordinator=lead
    )
    assert any(
        add_years(start, 3) <= today + datetime.timedelta(days=60)
        for start in cesa_starts.values_list("start_date", flat=True)
    )
    in_two_weeks = Appointment.objects.upcoming().filter(
        starts_at__lt=timezone.now() + datetime.timedelta(days=14)
    )
    assert in_two_weeks.count() >= 5
    upcoming = Workshop.objects.upcoming()
    assert upcoming.count() == 6
    assert upcoming.filter(registrations__isnull=False).distinct().count() >= 5
    assert Workshop.objects.filter(date__lt=today, programme__isnull=False).exists()


@pytest.mark.django_db
def test_demo_entrepreneur_has_a_rich_record():
    _seed_all()
    member = Member.objects.get(user__email=DEMO_LOGINS[Role.ENTREPRENEUR])

    assert member.stage == Stage.CESA
    assert list(member.contracts.values_list("kind", flat=True)) == ["cape", "cape", "cesa"]
    assert member.sensitive_profile.is_former_service_user
    assert set(member.consents.in_force().values_list("scope", flat=True)) == set(ConsentScope)
    assert member.skills.count() == 3
    du = member.trainings.get(kind="peer_support_du")
    assert du.document is not None
    assert member.trainings.expiring_before(timezone.localdate() + datetime.timedelta(30))
    for document in member.documents.all():
        with document.file.open("rb") as pdf:
            assert detect_content_type(pdf) == "application/pdf"
            assert pdf.read().rstrip().endswith(b"%%EOF")
    assert member.contracts.get(kind=ContractKind.CESA).document is not None
    assert member.appointments.upcoming().exists()
    assert member.appointments.filter(status=AppointmentStatus.HELD).count() >= 5
    assert member.workshop_registrations.filter(workshop__date__gte=timezone.localdate()).exists()


@pytest.mark.django_db
def test_path_seed_is_deterministic():
    def members_of(seed):
        with transaction.atomic():
            _seed_all(seed)
            members = list(
                Member.objects.order_by("pk").values_list(
                    "first_name",
                    "last_name",
                    "stage",
                    "stage_since",
                    "information_meeting_on",
                    "exited_on",
                    "activity",
                    "postcode",
                    "birth_year",
                    "coordinator__email",
                )
            )
            contracts = list(
                Contract.objects.order_by("pk").values_list(
                    "member__last_name", "kind", "start_date", "planned_end_date", "end_date"
                )
            )
            appointments = list(
                Appointment.objects.order_by("pk").values_list(
                    "member__last_name", "starts_at", "status", "topics"
                )
            )
            registrations = list(
                Workshop.objects.order_by("pk").values_list(
                    "subject", "date", "registrations__member__last_name"
                )
            )
            transaction.set_rollback(True)
        return members, contracts, appointments, registrations

    first = members_of(2026)
    assert first == members_of(2026)
    assert first[0] != members_of(2027)[0]


@pytest.mark.django_db
def test_large_path_at_reduced_scale_keeps_the_rules():
    _seed_all(size="large", scale=0.05)

    # 100 entrepreneur accounts, and 5% of the candidates and of the people who left.
    assert Member.objects.filter(user__isnull=False).count() == 100
    assert Member.objects.filter(user__isnull=True, stage=Stage.WELCOME).count() == 8
    assert Member.objects.filter(user__isnull=True, stage=Stage.EXITED).count() == 68
    assert set(Member.objects.values_list("stage", flat=True)) == set(Stage)
    assert Workshop.objects.count() == 73 + 2
    assert Appointment.objects.count() > 8 * Member.objects.count()
    # The bulk rows carry what the services would have logged.
    assert AccessLog.objects.count() == SensitiveProfile.objects.count() > 0
    _assert_the_path_rules_hold()
    _assert_accompaniment_is_consistent()


@pytest.mark.parametrize("stage", [Stage.WELCOME, Stage.CAPE, Stage.CESA, Stage.ASSOCIATE])
@pytest.mark.parametrize("deadline", [False, True])
def test_drawn_paths_follow_the_rules(stage, deadline):
    """Many draws, each checked against the rules the services enforce."""
    today = datetime.date(2026, 3, 1)
    rng = random.Random(stage + str(deadline))
    for _ in range(300):
        plan = draw_plan(rng, stage, today=today, history=10 * 365, deadline=deadline)
        steps = plan.steps()
        days = [on for _stage, on, *_rest in steps]
        assert days == sorted(days) and days[-1] <= today
        assert steps[-1][0] == plan.stage
        contracts = plan.contracts()
        assert len(contracts) == len(plan.capes) + (plan.cesa_on is not None)
        assert len(plan.capes) <= 3
        assert sum(row["end_date"] is None for row in contracts) == (plan.exit_on is None) * bool(
            contracts
        )
        for row in contracts:
            if row["kind"] == ContractKind.CAPE:
                assert row["start_date"] <= row["planned_end_date"]
                assert row["planned_end_date"] < add_months(row["start_date"], 12)
            assert row["end_date"] is None or row["end_date"] >= row["start_date"]
        if plan.associate_on:
            assert plan.associate_on <= add_years(plan.cesa_on, 3)
        if stage == Stage.CAPE:
            assert plan.capes[-1][1] >= today
            if deadline:
                assert plan.capes[-1][1] <= today + datetime.timedelta(days=30)
        if stage == Stage.CESA:
            deadline_day = add_years(plan.cesa_on, 3)
            assert today < deadline_day
            if deadline:
                assert deadline_day <= today + datetime.timedelta(days=60)


def test_drawn_exits_are_dated_and_explained():
    today = datetime.date(2026, 3, 1)
    rng = random.Random(3)
    reasons = set()
    for _ in range(500):
        plan = draw_plan(rng, Stage.EXITED, today=today, history=10 * 365)
        assert plan.stage_since == plan.exit_on < today
        assert all(row["end_date"] is not None for row in plan.contracts())
        if plan.capes:
            assert plan.capes[0][0] <= plan.exit_on
        if plan.exit_reason == ExitReason.CESA_DEADLINE:
            assert plan.exit_on == add_years(plan.cesa_on, 3) and plan.associate_on is None
        if plan.exit_reason == ExitReason.CAPE_NOT_RENEWED:
            assert plan.cesa_on is None and plan.exit_on == plan.capes[-1][1]
        reasons.add(plan.exit_reason)
    assert reasons == set(ExitReason)


@pytest.mark.django_db
def test_seed_command_prints_one_line_per_step():
    out = StringIO()
    call_command("seed", stdout=out)

    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines[: len(seed_command.STEPS)]] == (seed_command.STEPS)
    assert lines[len(seed_command.STEPS)].startswith("Seeded the demo data set")
    assert lines[len(seed_command.STEPS) + 1 : len(seed_command.STEPS) + 3] == [
        "",
        "Demo logins:",
    ]
