"""The register of associates and its ledger of shares: admission, subscription, partial
payments, transfers, departure with the refund owed within the statutory delay, and the
refund paid; the ledger is append-only, down to the database."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from coop import governance
from coop.enums import AssociateCategory, AssociateExit, ShareMovementKind
from coop.models import Associate, ShareMovement
from members.dates import add_months
from members.enums import Role
from tests.coop.factories_collectives import CollectiveFactory, CollectivePersonFactory
from tests.coop.factories_governance import (
    AssociateFactory,
    BodyFactory,
    SeatFactory,
    ShareTermsFactory,
    days_from_today,
)
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def coordinator():
    return UserFactory(role=Role.COORDINATOR)


@pytest.fixture
def cooperative():
    collective = CollectiveFactory(cooperative=True)
    ShareTermsFactory(collective=collective)
    return collective


def _admit(coordinator, cooperative, **kwargs):
    fields = {
        "collective": cooperative,
        "category": AssociateCategory.EMPLOYEE,
        "admitted_on": days_from_today(-10),
        "shares": 5,
        "address": "1 place de la Mairie",
        "postcode": "93100",
        "commune": "Montreuil",
    }
    if "legal_name" not in kwargs and "person" not in kwargs:
        fields["person"] = CollectivePersonFactory(collective=cooperative)
    fields.update(kwargs)
    return governance.associate_admit(actor=coordinator, **fields)


def _kinds(associate):
    return list(associate.movements.order_by("sequence").values_list("kind", flat=True))


# --- the terms of the shares ----------------------------------------------------------


def test_terms_are_saved_by_a_coordinator(coordinator):
    cooperative = CollectiveFactory(cooperative=True)
    terms = governance.share_terms_save(
        actor=coordinator,
        collective=cooperative,
        nominal_value=Decimal("50.00"),
        minimum_shares=2,
        refund_delay_months=36,
    )
    assert (terms.nominal_value, terms.minimum_shares, terms.refund_delay_months) == (
        Decimal("50.00"),
        2,
        36,
    )
    assert terms.updated_by == coordinator


@pytest.mark.parametrize("role", [r for r in Role if r != Role.COORDINATOR])
def test_only_coordinators_save_the_terms(role):
    with pytest.raises(PermissionDenied):
        governance.share_terms_save(
            actor=UserFactory(role=role),
            collective=CollectiveFactory(cooperative=True),
            nominal_value=Decimal("50.00"),
            minimum_shares=1,
            refund_delay_months=60,
        )


def test_terms_refund_delay_is_five_years_at_most(coordinator):
    with pytest.raises(ValidationError) as error:
        governance.share_terms_save(
            actor=coordinator,
            collective=CollectiveFactory(cooperative=True),
            nominal_value=Decimal("50.00"),
            minimum_shares=1,
            refund_delay_months=61,
        )
    assert "refund_delay_months" in error.value.message_dict


def test_terms_only_for_the_cooperative(coordinator):
    with pytest.raises(ValidationError, match="Seule la coopérative"):
        governance.share_terms_save(
            actor=coordinator,
            collective=CollectiveFactory(),
            nominal_value=Decimal("50.00"),
            minimum_shares=1,
            refund_delay_months=60,
        )


def test_nominal_value_stays_once_shares_exist(coordinator, cooperative):
    _admit(coordinator, cooperative)
    with pytest.raises(ValidationError) as error:
        governance.share_terms_save(
            actor=coordinator,
            collective=cooperative,
            nominal_value=Decimal("150.00"),
            minimum_shares=1,
            refund_delay_months=60,
        )
    assert "assemblée générale extraordinaire" in error.value.message_dict["nominal_value"][0]
    # The other terms may still change.
    terms = governance.share_terms_save(
        actor=coordinator,
        collective=cooperative,
        nominal_value=Decimal("100.00"),
        minimum_shares=3,
        refund_delay_months=24,
    )
    assert terms.minimum_shares == 3


# --- admission ------------------------------------------------------------------------


def test_admission_subscribes_and_pays(coordinator, cooperative):
    associate = _admit(coordinator, cooperative, shares=5, paid_amount=Decimal("200.00"))
    assert associate.number == 1
    assert (associate.shares, associate.subscribed, associate.paid) == (
        5,
        Decimal("500.00"),
        Decimal("200.00"),
    )
    assert associate.unpaid == Decimal("300.00")
    movements = list(associate.movements.order_by("sequence"))
    assert [m.kind for m in movements] == [
        ShareMovementKind.SUBSCRIPTION,
        ShareMovementKind.PAYMENT,
    ]
    assert movements[0].shares == 5 and movements[0].amount == Decimal("500.00")
    assert movements[0].unit_value == Decimal("100.00")
    assert movements[1].paid_balance == Decimal("200.00")
    assert movements[1].shares_balance == 5
    assert all(m.recorded_by == coordinator for m in movements)


def test_admissions_are_numbered_in_order(coordinator, cooperative):
    numbers = [_admit(coordinator, cooperative).number for _ in range(3)]
    assert numbers == [1, 2, 3]


def test_legal_person_admission(coordinator, cooperative):
    associate = _admit(
        coordinator,
        cooperative,
        legal_name="Commune de Montreuil",
        representative="M. Paul Durand, adjoint",
        email="mairie@exemple.fr",
        category=AssociateCategory.PUBLIC_AUTHORITY,
    )
    assert associate.is_legal_person
    assert associate.name == "Commune de Montreuil"
    assert associate.contact_email == "mairie@exemple.fr"


def test_legal_person_needs_a_representative(coordinator, cooperative):
    with pytest.raises(ValidationError) as error:
        _admit(coordinator, cooperative, legal_name="Association Bon Pied")
    assert "representative" in error.value.message_dict


def test_admission_needs_someone(coordinator, cooperative):
    with pytest.raises(ValidationError) as error:
        _admit(coordinator, cooperative, person=None)
    assert "person" in error.value.message_dict


def test_admission_refuses_both_a_person_and_a_legal_person(coordinator, cooperative):
    with pytest.raises(ValidationError) as error:
        _admit(
            coordinator,
            cooperative,
            person=CollectivePersonFactory(collective=cooperative),
            legal_name="Association",
            representative="Quelqu'un",
        )
    assert "legal_name" in error.value.message_dict


def test_admission_refuses_a_person_of_another_collective(coordinator, cooperative):
    with pytest.raises(ValidationError) as error:
        _admit(coordinator, cooperative, person=CollectivePersonFactory())
    assert "person" in error.value.message_dict


def test_admission_refuses_someone_who_left_the_collective(coordinator, cooperative):
    with pytest.raises(ValidationError):
        _admit(
            coordinator,
            cooperative,
            person=CollectivePersonFactory(collective=cooperative, left=True),
        )


def test_admission_refuses_a_current_associate(coordinator, cooperative):
    associate = _admit(coordinator, cooperative)
    with pytest.raises(ValidationError, match="déjà associé"):
        _admit(coordinator, cooperative, person=associate.person)


def test_admission_below_the_minimum(coordinator, cooperative):
    cooperative.share_terms.minimum_shares = 3
    cooperative.share_terms.save()
    with pytest.raises(ValidationError) as error:
        _admit(coordinator, cooperative, shares=2)
    assert "au moins 3 parts" in error.value.message_dict["shares"][0]


def test_admission_payment_above_what_is_subscribed(coordinator, cooperative):
    with pytest.raises(ValidationError) as error:
        _admit(coordinator, cooperative, shares=2, paid_amount=Decimal("250.00"))
    assert "200,00" in error.value.message_dict["paid_amount"][0]
    assert not Associate.objects.exists()


def test_admission_needs_the_terms(coordinator):
    cooperative = CollectiveFactory(cooperative=True)
    with pytest.raises(ValidationError, match="valeur nominale"):
        _admit(coordinator, cooperative)


def test_admission_only_in_the_cooperative(coordinator):
    collective = CollectiveFactory()
    with pytest.raises(ValidationError, match="Seule la coopérative"):
        _admit(coordinator, collective, person=CollectivePersonFactory(collective=collective))


def test_admission_in_the_future(coordinator, cooperative):
    with pytest.raises(ValidationError) as error:
        _admit(coordinator, cooperative, admitted_on=days_from_today(1))
    assert "admitted_on" in error.value.message_dict


@pytest.mark.parametrize("role", [r for r in Role if r != Role.COORDINATOR])
def test_only_coordinators_admit(cooperative, role):
    with pytest.raises(PermissionDenied):
        _admit(UserFactory(role=role), cooperative)


# --- subscription and payment -----------------------------------------------------------


def test_subscription_and_partial_payments(coordinator):
    associate = AssociateFactory(shares=2, paid_amount=Decimal("200.00"))
    governance.shares_subscribe(actor=coordinator, associate=associate, on=TODAY(), shares=3)
    governance.shares_pay(actor=coordinator, associate=associate, on=TODAY(), amount=Decimal("100"))
    last = governance.shares_pay(
        actor=coordinator, associate=associate, on=TODAY(), amount=Decimal("50.50")
    )
    associate.refresh_from_db()
    assert associate.shares == 5
    assert associate.subscribed == Decimal("500.00")
    assert associate.paid == Decimal("350.50")
    assert (last.sequence, last.shares_balance, last.paid_balance) == (5, 5, Decimal("350.50"))


def test_payment_above_what_remains(coordinator):
    associate = AssociateFactory(shares=2, paid_amount=Decimal("150.00"))
    with pytest.raises(ValidationError) as error:
        governance.shares_pay(
            actor=coordinator, associate=associate, on=TODAY(), amount=Decimal("60")
        )
    assert "50,00" in error.value.message_dict["amount"][0]


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5")])
def test_payment_is_positive(coordinator, amount):
    associate = AssociateFactory(paid_amount=Decimal("0"))
    with pytest.raises(ValidationError) as error:
        governance.shares_pay(actor=coordinator, associate=associate, on=TODAY(), amount=amount)
    assert "amount" in error.value.message_dict


def test_subscription_of_no_share(coordinator):
    with pytest.raises(ValidationError) as error:
        governance.shares_subscribe(
            actor=coordinator, associate=AssociateFactory(), on=TODAY(), shares=0
        )
    assert "shares" in error.value.message_dict


def test_ledger_is_written_in_date_order(coordinator):
    associate = AssociateFactory(paid_amount=Decimal("0"))
    governance.shares_pay(actor=coordinator, associate=associate, on=TODAY(), amount=Decimal("10"))
    with pytest.raises(ValidationError) as error:
        governance.shares_pay(
            actor=coordinator,
            associate=associate,
            on=days_from_today(-1),
            amount=Decimal("10"),
        )
    assert "dans l'ordre des dates" in error.value.message_dict["on"][0]


def test_ledger_refuses_a_future_date(coordinator):
    with pytest.raises(ValidationError) as error:
        governance.shares_subscribe(
            actor=coordinator, associate=AssociateFactory(), on=days_from_today(1), shares=1
        )
    assert "à venir" in error.value.message_dict["on"][0]


def test_movement_before_the_admission(coordinator):
    associate = AssociateFactory(admitted_on=days_from_today(-5))
    with pytest.raises(ValidationError) as error:
        governance.shares_subscribe(
            actor=coordinator, associate=associate, on=days_from_today(-6), shares=1
        )
    assert "on" in error.value.message_dict


# --- transfers ----------------------------------------------------------------------------


def test_transfer_of_paid_shares(coordinator):
    giver = AssociateFactory(shares=10, paid_amount=Decimal("1000.00"))
    receiver = AssociateFactory(collective=giver.collective, shares=1, paid_amount=Decimal("0"))
    out, incoming = governance.shares_transfer(
        actor=coordinator, associate=giver, to=receiver, on=TODAY(), shares=4
    )
    giver.refresh_from_db()
    receiver.refresh_from_db()
    assert (giver.shares, giver.subscribed, giver.paid) == (6, Decimal("600.00"), Decimal("600.00"))
    assert (receiver.shares, receiver.subscribed, receiver.paid) == (
        5,
        Decimal("500.00"),
        Decimal("400.00"),
    )
    assert (out.kind, out.shares, out.counterpart) == (ShareMovementKind.TRANSFER_OUT, -4, receiver)
    assert (incoming.kind, incoming.shares, incoming.counterpart) == (
        ShareMovementKind.TRANSFER_IN,
        4,
        giver,
    )


def test_transfer_of_unpaid_shares_is_refused(coordinator):
    giver = AssociateFactory(shares=10, paid_amount=Decimal("250.00"))
    receiver = AssociateFactory(collective=giver.collective)
    with pytest.raises(ValidationError) as error:
        governance.shares_transfer(
            actor=coordinator, associate=giver, to=receiver, on=TODAY(), shares=3
        )
    assert "entièrement libérées" in error.value.message_dict["shares"][0]


def test_transfer_of_more_shares_than_held(coordinator):
    giver = AssociateFactory(shares=2, paid_amount=Decimal("200.00"))
    receiver = AssociateFactory(collective=giver.collective)
    with pytest.raises(ValidationError) as error:
        governance.shares_transfer(
            actor=coordinator, associate=giver, to=receiver, on=TODAY(), shares=3
        )
    assert "ne détient que 2 parts" in error.value.message_dict["shares"][0]


def test_transfer_keeps_the_minimum_unless_all_are_given(coordinator):
    giver = AssociateFactory(shares=4, paid_amount=Decimal("400.00"))
    giver.collective.share_terms.minimum_shares = 2
    giver.collective.share_terms.save()
    receiver = AssociateFactory(collective=giver.collective, shares=2, paid_amount=Decimal("0"))
    with pytest.raises(ValidationError, match="moins de 2 parts"):
        governance.shares_transfer(
            actor=coordinator, associate=giver, to=receiver, on=TODAY(), shares=3
        )
    governance.shares_transfer(
        actor=coordinator, associate=giver, to=receiver, on=TODAY(), shares=4
    )
    giver.refresh_from_db()
    assert giver.shares == 0


def test_transfer_to_oneself(coordinator):
    associate = AssociateFactory()
    with pytest.raises(ValidationError) as error:
        governance.shares_transfer(
            actor=coordinator, associate=associate, to=associate, on=TODAY(), shares=1
        )
    assert "to" in error.value.message_dict


def test_transfer_to_a_former_associate(coordinator):
    giver = AssociateFactory()
    former = AssociateFactory(collective=giver.collective)
    governance.associate_leave(
        actor=coordinator, associate=former, on=TODAY(), reason=AssociateExit.RESIGNATION
    )
    with pytest.raises(ValidationError) as error:
        governance.shares_transfer(
            actor=coordinator, associate=giver, to=former, on=TODAY(), shares=1
        )
    assert "n'est plus associé" in error.value.message_dict["to"][0]


# --- departure and refund -----------------------------------------------------------------


def test_departure_cancels_the_shares_and_owes_what_was_paid(coordinator):
    associate = AssociateFactory(shares=10, paid_amount=Decimal("700.00"))
    leaving_on = TODAY()
    governance.associate_leave(
        actor=coordinator, associate=associate, on=leaving_on, reason=AssociateExit.RESIGNATION
    )
    associate.refresh_from_db()
    assert associate.left_on == leaving_on
    assert associate.exit_reason == AssociateExit.RESIGNATION
    assert (associate.shares, associate.subscribed, associate.paid) == (0, 0, 0)
    assert associate.refund_due == Decimal("700.00")
    refund = associate.movements.get(kind=ShareMovementKind.REFUND)
    assert refund.shares == -10
    assert refund.amount == Decimal("700.00")
    # The statutory delay (five years by default) is noted on the ledger.
    assert refund.due_on == add_months(leaving_on, 60)


def test_departure_with_a_lower_refund_needs_a_reason(coordinator):
    associate = AssociateFactory(shares=10, paid_amount=Decimal("1000.00"))
    with pytest.raises(ValidationError) as error:
        governance.associate_leave(
            actor=coordinator,
            associate=associate,
            on=TODAY(),
            reason=AssociateExit.RESIGNATION,
            refund_amount=Decimal("800.00"),
        )
    assert "note" in error.value.message_dict
    governance.associate_leave(
        actor=coordinator,
        associate=associate,
        on=TODAY(),
        reason=AssociateExit.RESIGNATION,
        refund_amount=Decimal("800.00"),
        note="Pertes de l'exercice imputées (AG du 12 juin)",
    )
    associate.refresh_from_db()
    assert associate.refund_due == Decimal("800.00")


def test_departure_refund_above_what_was_paid(coordinator):
    associate = AssociateFactory(shares=10, paid_amount=Decimal("300.00"))
    with pytest.raises(ValidationError) as error:
        governance.associate_leave(
            actor=coordinator,
            associate=associate,
            on=TODAY(),
            reason=AssociateExit.RESIGNATION,
            refund_amount=Decimal("400.00"),
        )
    assert "300,00" in error.value.message_dict["refund_amount"][0]


def test_departure_follows_the_statutory_delay_of_the_terms(coordinator):
    associate = AssociateFactory()
    associate.collective.share_terms.refund_delay_months = 12
    associate.collective.share_terms.save()
    governance.associate_leave(
        actor=coordinator, associate=associate, on=TODAY(), reason=AssociateExit.EXCLUSION
    )
    assert associate.movements.get(kind=ShareMovementKind.REFUND).due_on == add_months(TODAY(), 12)


def test_departure_without_shares_writes_no_refund(coordinator):
    giver = AssociateFactory(shares=3, paid_amount=Decimal("300.00"))
    receiver = AssociateFactory(collective=giver.collective)
    governance.shares_transfer(
        actor=coordinator, associate=giver, to=receiver, on=TODAY(), shares=3
    )
    governance.associate_leave(
        actor=coordinator, associate=giver, on=TODAY(), reason=AssociateExit.RESIGNATION
    )
    assert ShareMovementKind.REFUND not in _kinds(giver)
    giver.refresh_from_db()
    assert giver.left_on == TODAY()


def test_departure_twice(coordinator):
    associate = AssociateFactory()
    governance.associate_leave(
        actor=coordinator, associate=associate, on=TODAY(), reason=AssociateExit.RESIGNATION
    )
    with pytest.raises(ValidationError, match="n'est plus associé"):
        governance.associate_leave(
            actor=coordinator, associate=associate, on=TODAY(), reason=AssociateExit.RESIGNATION
        )


def test_departure_needs_a_reason(coordinator):
    with pytest.raises(ValidationError) as error:
        governance.associate_leave(
            actor=coordinator, associate=AssociateFactory(), on=TODAY(), reason=""
        )
    assert "reason" in error.value.message_dict


def test_departure_ends_the_seats_in_the_cooperatives_bodies(coordinator):
    associate = AssociateFactory()
    board = BodyFactory(board=True, collective=associate.collective)
    seat = SeatFactory(body=board, person=associate.person)
    planned = SeatFactory(
        body=BodyFactory(collective=associate.collective, name="Comité"),
        person=associate.person,
        starts_on=days_from_today(10),
    )
    governance.associate_leave(
        actor=coordinator, associate=associate, on=TODAY(), reason=AssociateExit.RESIGNATION
    )
    seat.refresh_from_db()
    assert seat.ends_on == TODAY()
    assert not type(planned).objects.filter(pk=planned.pk).exists()


def test_refund_paid_in_parts(coordinator):
    associate = AssociateFactory(shares=10, paid_amount=Decimal("1000.00"))
    governance.associate_leave(
        actor=coordinator, associate=associate, on=TODAY(), reason=AssociateExit.RESIGNATION
    )
    governance.refund_pay(actor=coordinator, associate=associate, on=TODAY(), amount=Decimal("400"))
    with pytest.raises(ValidationError) as error:
        governance.refund_pay(
            actor=coordinator, associate=associate, on=TODAY(), amount=Decimal("700")
        )
    assert "600,00" in error.value.message_dict["amount"][0]
    governance.refund_pay(actor=coordinator, associate=associate, on=TODAY(), amount=Decimal("600"))
    associate.refresh_from_db()
    assert associate.refund_due == 0
    assert _kinds(associate)[-3:] == [
        ShareMovementKind.REFUND,
        ShareMovementKind.REFUND_PAYMENT,
        ShareMovementKind.REFUND_PAYMENT,
    ]


# --- the ledger, down to the database -----------------------------------------------------


def test_ledger_movements_cannot_be_changed_or_deleted():
    movement = AssociateFactory().movements.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        ShareMovement.objects.filter(pk=movement.pk).update(note="changé")
    with pytest.raises(DatabaseError), transaction.atomic():
        ShareMovement.objects.filter(pk=movement.pk).delete()
    movement.refresh_from_db()
    assert movement.note == "Souscription à l'admission"


operation = st.one_of(
    st.tuples(st.just("subscribe"), st.integers(min_value=1, max_value=20)),
    st.tuples(st.just("pay"), st.decimals(min_value=1, max_value=3000, places=2)),
)


@settings(max_examples=25, deadline=None)
@given(operations=st.lists(operation, max_size=8))
def test_balances_are_the_running_sums_of_the_ledger(operations):
    """Whatever the order of subscriptions and payments (accepted or refused), each line's
    balances are the running sums of the lines before it, and paid never exceeds
    subscribed."""
    with transaction.atomic():
        coordinator = UserFactory(role=Role.COORDINATOR)
        associate = AssociateFactory(shares=1, paid_amount=Decimal("0"))
        for name, value in operations:
            try:
                if name == "subscribe":
                    governance.shares_subscribe(
                        actor=coordinator, associate=associate, on=TODAY(), shares=value
                    )
                else:
                    governance.shares_pay(
                        actor=coordinator, associate=associate, on=TODAY(), amount=value
                    )
            except ValidationError:
                pass
        shares, paid = 0, Decimal("0")
        for movement in associate.movements.order_by("sequence"):
            shares += movement.shares
            if movement.kind == ShareMovementKind.PAYMENT:
                paid += movement.amount
            assert movement.shares_balance == shares
            assert movement.paid_balance == paid
            assert movement.paid_balance <= movement.subscribed_balance
        associate.refresh_from_db()
        assert associate.shares == shares and associate.paid == paid
        transaction.set_rollback(True)
