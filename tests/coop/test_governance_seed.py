"""The governance's seed step: the demo played through the services where they apply,
the large size written in bulk, both keeping the rules the services keep."""

import random
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from faker import Faker

from coop import governance
from coop.enums import BodyKind, CollectiveKind, ShareMovementKind
from coop.management.commands import seed as seed_command
from coop.models import (
    Associate,
    Body,
    Collective,
    CollectivePerson,
    Decision,
    Election,
    Meeting,
    MeetingParticipant,
    MembershipEvent,
    ShareMovement,
)
from coop.seed import seed_programmes
from coop.seed_collectives import seed_collectives
from coop.seed_governance import seed_governance
from members.enums import Role, Stage
from members.models import PathStep, User
from members.seed import DEMO_LOGINS, seed_members, seed_path

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    """The members' step writes real PDFs: keep them out of the project's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _seed(size="demo", scale=1.0, seed=2026):
    rng = random.Random(seed)
    faker = Faker("fr_FR")
    faker.seed_instance(seed)
    seed_members(rng=rng, faker=faker, size=size, scale=scale)
    seed_programmes(rng=rng, faker=faker, size=size)
    seed_path(rng=rng, faker=faker, size=size, scale=scale)
    seed_collectives(rng=rng, faker=faker, size=size, scale=scale)
    seed_governance(rng=rng, faker=faker, size=size)


def _check_rules():
    """What the services guarantee, checked over the whole data set."""
    today = timezone.localdate()
    cooperative = Collective.objects.get(kind=CollectiveKind.COOPERATIVE)
    # Every member who reached the "associé" step is in the register, numbered in order.
    members = set(PathStep.objects.filter(stage=Stage.ASSOCIATE).values_list("member", flat=True))
    registered = set(
        Associate.objects.filter(person__member__isnull=False).values_list(
            "person__member", flat=True
        )
    )
    assert members == registered
    numbers = list(Associate.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    # The ledger: running balances, in date order, paid within subscribed; the associate's
    # balances are the last line's.
    for associate in Associate.objects.prefetch_related("movements"):
        shares, paid, previous = 0, Decimal("0"), None
        for movement in associate.movements.all():
            shares += movement.shares
            assert movement.shares_balance == shares
            assert movement.paid_balance <= movement.subscribed_balance
            assert movement.on <= today
            if previous is not None:
                assert movement.on >= previous.on
            previous = movement
            if movement.kind == ShareMovementKind.PAYMENT:
                paid += movement.amount
        assert associate.shares == shares
        assert associate.paid == previous.paid_balance
        if associate.left_on:
            assert associate.shares == 0
            refund = associate.movements.filter(kind=ShareMovementKind.REFUND).first()
            assert refund is None or refund.due_on > associate.left_on
    assert Associate.objects.filter(left_on__isnull=True).aggregate(s=Sum("shares"))["s"] > 0
    # Each membership of the cooperative's collective starts with its arrival.
    people = CollectivePerson.objects.filter(collective=cooperative)
    assert MembershipEvent.objects.filter(person__collective=cooperative).count() >= people.count()
    # Elected members hold at least half of the seats wherever the collective requires it.
    for body in Body.objects.filter(collective__requires_elected_majority=True).exclude(
        kind=BodyKind.GENERAL_ASSEMBLY
    ):
        composition = governance.composition_on(body, today)
        assert composition.elected_majority, body
        for election in body.elections.all():
            assert governance.composition_on(body, election.held_on).elected_majority
    # Meetings: convened within the notice period, proxies within the cap and held by
    # people present, decisions only with the quorum and never more votes than voters.
    for meeting in Meeting.objects.filter(closed_at__isnull=False).select_related("body"):
        assert (
            timezone.localtime(meeting.starts_at).date()
            - timezone.localtime(meeting.convened_at).date()
        ).days >= meeting.body.notice_days
        quorum = governance.quorum_of(meeting)
        assert quorum.recorded
        assert meeting.quorum_reached == quorum.reached
        for decision in meeting.decisions.all():
            assert quorum.reached
            assert (
                decision.votes_for + decision.votes_against + decision.votes_abstain
                <= quorum.voters
            )
            assert decision.result == governance.majority_result(
                decision.majority,
                votes_for=decision.votes_for,
                against=decision.votes_against,
                abstain=decision.votes_abstain,
            )
    for participant in MeetingParticipant.objects.filter(proxy_holder__isnull=False).select_related(
        "proxy_holder", "meeting__body"
    ):
        assert participant.proxy_holder.attendance == "present"
        assert participant.proxy_holder.meeting_id == participant.meeting_id
        assert participant.proxy_holder.proxies_held.count() <= participant.meeting.body.max_proxies
    for election in Election.objects.all():
        assert election.is_counted
        assert election.candidates.filter(elected=True).count() <= election.seats_to_fill


def test_demo_seed(client):
    _seed()
    _check_rules()
    cooperative = Collective.objects.get(kind=CollectiveKind.COOPERATIVE)
    assert cooperative.share_terms.nominal_value == Decimal("25.00")
    # Members, staff, supporters and two legal persons; one supporter left, refund owed.
    assert Associate.objects.legal_persons().count() == 2
    left = Associate.objects.get(left_on__isnull=False)
    assert left.refund_due > 0
    assert ShareMovement.objects.filter(kind=ShareMovementKind.TRANSFER_IN).count() == 1
    # The cooperative's board was elected at a general assembly, with decisions voted.
    board = Body.objects.get(collective=cooperative, kind=BodyKind.BOARD)
    assert board.seats.filter(election__isnull=False).exists()
    assert Decision.objects.filter(meeting__body__collective=cooperative).count() > 5
    # The next general assembly waits for a coordinator to convene it.
    upcoming = Meeting.objects.get(
        body__collective=cooperative, body__kind=BodyKind.GENERAL_ASSEMBLY, convened_at=None
    )
    assert upcoming.agenda_items.exists()
    assert upcoming.starts_at > timezone.now()
    # The demo entrepreneur sits, elected, on their club's council and sees its meetings.
    demo = User.objects.get(email=DEMO_LOGINS[Role.ENTREPRENEUR])
    mine = list(Body.objects.of_user(demo))
    assert {body.kind for body in mine} == {BodyKind.COLLECTIVE_COUNCIL, BodyKind.GENERAL_ASSEMBLY}
    client.force_login(demo)
    response = client.get(reverse("coop:my_bodies"))
    assert response.status_code == 200
    assert "Élu·e" in response.content.decode()
    # The seed command runs this step after the collectives it fills.
    steps = seed_command.STEPS
    assert steps.index("coop.seed_governance.seed_governance") > steps.index(
        "coop.seed_collectives.seed_collectives"
    )


def test_large_seed_path_at_a_small_scale():
    _seed(size="large", scale=0.03)
    _check_rules()
    cooperative = Collective.objects.get(kind=CollectiveKind.COOPERATIVE)
    # Ten years of yearly general assemblies and monthly councils, in bulk.
    assembly = Body.objects.get(collective=cooperative, kind=BodyKind.GENERAL_ASSEMBLY)
    assert assembly.meetings.filter(closed_at__isnull=False).count() >= 9
    assert Meeting.objects.filter(body__kind=BodyKind.COLLECTIVE_COUNCIL).count() > 100
    assert ShareMovement.objects.filter(kind=ShareMovementKind.PAYMENT).count() > 50
