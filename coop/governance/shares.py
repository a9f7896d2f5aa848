"""The register of associates and its ledger of shares: admission, subscription,
payment, transfer, departure with the refund owed, and the refund paid."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coop.enums import (
    AssociateExit,
    CollectiveKind,
    ShareMovementKind,
)
from coop.governance.common import (
    ZERO,
    fr_date,
    require_register_keeper,
    today,
)
from coop.models import (
    Associate,
    Collective,
    CollectivePerson,
    Seat,
    ShareMovement,
    ShareTerms,
)
from coop.money import format_euros
from members.dates import add_months
from members.models import User

# --- the register of associates and its ledger of shares --------------------------------


def share_terms_of(collective: Collective) -> ShareTerms:
    terms = ShareTerms.objects.filter(collective=collective).first()
    if terms is None:
        raise ValidationError(
            _(
                "La valeur nominale de la part n'est pas encore définie : renseignez d'abord "
                "les conditions des parts sociales."
            )
        )
    return terms


@transaction.atomic
def share_terms_save(
    *,
    actor: User,
    collective: Collective,
    nominal_value: Decimal,
    minimum_shares: int,
    refund_delay_months: int,
) -> ShareTerms:
    """The statutes' terms of the shares. The nominal value stays as it is once shares
    exist: changing it is an operation on the capital, decided by an extraordinary general
    assembly, that the register does not know how to write."""
    require_register_keeper(actor)
    if collective.kind != CollectiveKind.COOPERATIVE:
        raise ValidationError(_("Seule la coopérative a des parts sociales."))
    terms = ShareTerms.objects.select_for_update().filter(collective=collective).first()
    if terms is None:
        terms = ShareTerms(collective=collective)
    elif (
        terms.nominal_value != nominal_value
        and Associate.objects.filter(collective=collective, shares__gt=0).exists()
    ):
        raise ValidationError(
            {
                "nominal_value": _(
                    "Des parts existent déjà : leur valeur nominale ne change pas ici "
                    "(c'est une décision d'assemblée générale extraordinaire)."
                )
            }
        )
    terms.nominal_value = nominal_value
    terms.minimum_shares = minimum_shares
    terms.refund_delay_months = refund_delay_months
    terms.updated_by = actor
    terms.full_clean()
    terms.save()
    return terms


def _lock(associate: Associate) -> Associate:
    return (
        Associate.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(pk=associate.pk)
    )


def _check_current(associate: Associate, on: datetime.date) -> None:
    if associate.left_on is not None:
        raise ValidationError(
            _("%(name)s n'est plus associé·e depuis le %(date)s.")
            % {"name": associate.name, "date": fr_date(associate.left_on)}
        )
    if on < associate.admitted_on:
        raise ValidationError(
            {
                "on": _("%(name)s n'est associé·e que depuis le %(date)s.")
                % {"name": associate.name, "date": fr_date(associate.admitted_on)}
            }
        )


def _append(
    associate: Associate,
    *,
    actor: User,
    kind: ShareMovementKind,
    on: datetime.date,
    shares: int = 0,
    amount: Decimal = ZERO,
    subscribed: Decimal = ZERO,
    paid: Decimal = ZERO,
    refund_due: Decimal = ZERO,
    unit_value: Decimal | None = None,
    counterpart: Associate | None = None,
    due_on: datetime.date | None = None,
    note: str = "",
) -> ShareMovement:
    """Write one line of the ledger (the associate row is locked) and move the balances.
    The ledger is written in the order of its dates: a line never goes before the last."""
    if on > today():
        raise ValidationError({"on": _("Le registre note ce qui a eu lieu : la date est à venir.")})
    last = associate.movements.order_by("-sequence").first()
    if last is not None and on < last.on:
        raise ValidationError(
            {
                "on": _(
                    "Le registre s'écrit dans l'ordre des dates : le dernier mouvement de "
                    "%(name)s date du %(date)s."
                )
                % {"name": associate.name, "date": fr_date(last.on)}
            }
        )
    associate.shares += shares
    associate.subscribed += subscribed
    associate.paid += paid
    associate.refund_due += refund_due
    associate.save(update_fields=["shares", "subscribed", "paid", "refund_due"])
    return ShareMovement.objects.create(
        associate=associate,
        sequence=(last.sequence + 1) if last else 1,
        kind=kind,
        on=on,
        shares=shares,
        amount=amount,
        unit_value=unit_value,
        counterpart=counterpart,
        due_on=due_on,
        note=note,
        shares_balance=associate.shares,
        subscribed_balance=associate.subscribed,
        paid_balance=associate.paid,
        refund_due_balance=associate.refund_due,
        recorded_by=actor,
    )


def _check_payment(associate: Associate, amount: Decimal) -> None:
    if amount <= 0:
        raise ValidationError({"amount": _("Le versement est un montant positif.")})
    if amount > associate.unpaid:
        raise ValidationError(
            {
                "amount": _("Il ne reste que %(amount)s à libérer sur les parts de %(name)s.")
                % {"amount": format_euros(associate.unpaid), "name": associate.name}
            }
        )


@transaction.atomic
def associate_admit(
    *,
    actor: User,
    collective: Collective,
    category: str,
    admitted_on: datetime.date,
    shares: int,
    address: str,
    postcode: str,
    commune: str,
    person: CollectivePerson | None = None,
    legal_name: str = "",
    siren: str = "",
    representative: str = "",
    email: str = "",
    paid_amount: Decimal = ZERO,
) -> Associate:
    """Admit an associate — a person of the cooperative's collective or a legal person —
    with the shares they subscribe (at least the statutory minimum) and what they pay now.
    The register numbers associates in the order of their admission."""
    require_register_keeper(actor)
    if collective.kind != CollectiveKind.COOPERATIVE:
        raise ValidationError(_("Seule la coopérative a des associé·es."))
    terms = share_terms_of(collective)
    # One admission at a time: the register's numbers follow each other without gaps.
    collective = Collective.objects.select_for_update().get(pk=collective.pk)
    legal_name = legal_name.strip()
    if person is not None:
        if legal_name:
            raise ValidationError(
                {"legal_name": _("Une personne du collectif ou une personne morale, pas les deux.")}
            )
        if person.collective_id != collective.pk or person.left_on is not None:
            raise ValidationError(
                {"person": _("Choisissez une personne membre du collectif de la coopérative.")}
            )
        if Associate.objects.filter(person=person, left_on__isnull=True).exists():
            raise ValidationError({"person": _("%(name)s est déjà associé·e.") % {"name": person}})
    elif not legal_name:
        raise ValidationError(
            {
                "person": _(
                    "Choisissez une personne du collectif, ou donnez la raison sociale d'une "
                    "personne morale."
                )
            }
        )
    elif not representative.strip():
        raise ValidationError(
            {"representative": _("Une personne morale est représentée : donnez le nom de qui.")}
        )
    if admitted_on > today():
        raise ValidationError({"admitted_on": _("L'admission se note une fois décidée.")})
    if shares < terms.minimum_shares:
        raise ValidationError(
            {
                "shares": ngettext(
                    "Un·e associé·e souscrit au moins %(count)s part.",
                    "Un·e associé·e souscrit au moins %(count)s parts.",
                    terms.minimum_shares,
                )
                % {"count": terms.minimum_shares}
            }
        )
    number = Associate.objects.filter(collective=collective).aggregate(last=Max("number"))["last"]
    associate = Associate(
        collective=collective,
        number=(number or 0) + 1,
        person=person,
        legal_name=legal_name,
        siren=siren,
        representative=representative.strip() if person is None else "",
        email=email if person is None else "",
        address=address,
        postcode=postcode,
        commune=commune,
        category=category,
        admitted_on=admitted_on,
        created_by=actor,
    )
    associate.full_clean()
    associate.save()
    value = terms.nominal_value * shares
    _append(
        associate,
        actor=actor,
        kind=ShareMovementKind.SUBSCRIPTION,
        on=admitted_on,
        shares=shares,
        amount=value,
        subscribed=value,
        unit_value=terms.nominal_value,
        note=_("Souscription à l'admission"),
    )
    if paid_amount:
        try:
            _check_payment(associate, paid_amount)
        except ValidationError as error:
            raise ValidationError({"paid_amount": error.message_dict["amount"]}) from None
        _append(
            associate,
            actor=actor,
            kind=ShareMovementKind.PAYMENT,
            on=admitted_on,
            amount=paid_amount,
            paid=paid_amount,
        )
    return associate


@transaction.atomic
def shares_subscribe(
    *, actor: User, associate: Associate, on: datetime.date, shares: int, note: str = ""
) -> ShareMovement:
    """An associate subscribes more shares, at the nominal value."""
    require_register_keeper(actor)
    associate = _lock(associate)
    _check_current(associate, on)
    if shares < 1:
        raise ValidationError({"shares": _("Souscrivez au moins une part.")})
    terms = share_terms_of(associate.collective)
    value = terms.nominal_value * shares
    return _append(
        associate,
        actor=actor,
        kind=ShareMovementKind.SUBSCRIPTION,
        on=on,
        shares=shares,
        amount=value,
        subscribed=value,
        unit_value=terms.nominal_value,
        note=note,
    )


@transaction.atomic
def shares_pay(
    *, actor: User, associate: Associate, on: datetime.date, amount: Decimal, note: str = ""
) -> ShareMovement:
    """A payment towards the shares subscribed (partial payments are usual: an
    entrepreneur often pays their shares month by month from their salary)."""
    require_register_keeper(actor)
    associate = _lock(associate)
    _check_current(associate, on)
    _check_payment(associate, amount)
    return _append(
        associate,
        actor=actor,
        kind=ShareMovementKind.PAYMENT,
        on=on,
        amount=amount,
        paid=amount,
        note=note,
    )


@transaction.atomic
def shares_transfer(
    *,
    actor: User,
    associate: Associate,
    to: Associate,
    on: datetime.date,
    shares: int,
    note: str = "",
) -> tuple[ShareMovement, ShareMovement]:
    """An associate transfers fully paid shares to another associate, at the nominal
    value. Either keeps at least the statutory minimum, unless the giver gives them all
    (before leaving)."""
    require_register_keeper(actor)
    if to.pk == associate.pk:
        raise ValidationError({"to": _("Choisissez un·e autre associé·e.")})
    # Lock both rows in a fixed order, so that two opposite transfers never deadlock.
    first, second = sorted([associate, to], key=lambda row: row.pk)
    locked = {first.pk: _lock(first), second.pk: _lock(second)}
    giver, receiver = locked[associate.pk], locked[to.pk]
    if receiver.collective_id != giver.collective_id:
        raise ValidationError({"to": _("Choisissez un·e associé·e de la même coopérative.")})
    _check_current(giver, on)
    try:
        _check_current(receiver, on)
    except ValidationError as error:
        raise ValidationError({"to": error.messages}) from None
    if shares < 1:
        raise ValidationError({"shares": _("Cédez au moins une part.")})
    if shares > giver.shares:
        raise ValidationError(
            {
                "shares": ngettext(
                    "%(name)s ne détient que %(count)s part.",
                    "%(name)s ne détient que %(count)s parts.",
                    giver.shares,
                )
                % {"name": giver.name, "count": giver.shares}
            }
        )
    terms = share_terms_of(giver.collective)
    if 0 < giver.shares - shares < terms.minimum_shares:
        raise ValidationError(
            {
                "shares": _(
                    "%(name)s garderait moins de %(minimum)s parts : cédez-en moins, ou toutes "
                    "avant son départ."
                )
                % {"name": giver.name, "minimum": terms.minimum_shares}
            }
        )
    value = terms.nominal_value * shares
    if value > giver.paid:
        raise ValidationError(
            {
                "shares": _(
                    "Seules des parts entièrement libérées se cèdent : %(name)s a libéré "
                    "%(paid)s, ces parts valent %(value)s."
                )
                % {
                    "name": giver.name,
                    "paid": format_euros(giver.paid),
                    "value": format_euros(value),
                }
            }
        )
    out = _append(
        giver,
        actor=actor,
        kind=ShareMovementKind.TRANSFER_OUT,
        on=on,
        shares=-shares,
        amount=value,
        subscribed=-value,
        paid=-value,
        unit_value=terms.nominal_value,
        counterpart=receiver,
        note=note,
    )
    try:
        incoming = _append(
            receiver,
            actor=actor,
            kind=ShareMovementKind.TRANSFER_IN,
            on=on,
            shares=shares,
            amount=value,
            subscribed=value,
            paid=value,
            unit_value=terms.nominal_value,
            counterpart=giver,
            note=note,
        )
    except ValidationError as error:
        raise ValidationError({"to": error.message_dict["on"]}) from None
    return out, incoming


@transaction.atomic
def associate_leave(
    *,
    actor: User,
    associate: Associate,
    on: datetime.date,
    reason: str,
    refund_amount: Decimal | None = None,
    note: str = "",
) -> Associate:
    """An associate leaves: their shares are cancelled and what they paid is owed back
    within the statutory delay, noted on the ledger. The statutes may lower the refund
    for the cooperative's losses: give the lower amount and say why. Their seats in the
    cooperative's bodies end the same day."""
    require_register_keeper(actor)
    associate = _lock(associate)
    _check_current(associate, on)
    if reason not in AssociateExit.values:
        raise ValidationError({"reason": _("Choisissez le motif du départ.")})
    if associate.shares:
        terms = share_terms_of(associate.collective)
        amount = associate.paid if refund_amount is None else refund_amount
        if amount < 0 or amount > associate.paid:
            raise ValidationError(
                {
                    "refund_amount": _(
                        "Le remboursement va de 0 au capital libéré, soit %(paid)s au plus."
                    )
                    % {"paid": format_euros(associate.paid)}
                }
            )
        if amount < associate.paid and not note.strip():
            raise ValidationError(
                {"note": _("Dites pourquoi le remboursement est inférieur au capital libéré.")}
            )
        _append(
            associate,
            actor=actor,
            kind=ShareMovementKind.REFUND,
            on=on,
            shares=-associate.shares,
            amount=amount,
            subscribed=-associate.subscribed,
            paid=-associate.paid,
            refund_due=amount,
            unit_value=terms.nominal_value,
            due_on=add_months(on, terms.refund_delay_months),
            note=note,
        )
    elif on > today():
        raise ValidationError({"on": _("Le registre note ce qui a eu lieu : la date est à venir.")})
    associate.left_on = on
    associate.exit_reason = reason
    associate.save(update_fields=["left_on", "exit_reason"])
    # Only associates sit in the cooperative's bodies. A departure is never refused for
    # the composition of a body: the body's page says when it needs an election.
    seats = Seat.objects.filter(body__collective=associate.collective).exclude(ends_on__lt=on)
    if associate.person_id:
        seats = seats.filter(person=associate.person)
    else:
        seats = seats.filter(associate=associate)
    seats.filter(starts_on__gt=on).delete()  # planned, never started: nothing to keep
    for seat in seats.filter(starts_on__lte=on):
        seat.ends_on = on
        seat.save(update_fields=["ends_on"])
    return associate


@transaction.atomic
def refund_pay(
    *, actor: User, associate: Associate, on: datetime.date, amount: Decimal, note: str = ""
) -> ShareMovement:
    """The cooperative pays back (part of) what it owes a former associate."""
    require_register_keeper(actor)
    associate = _lock(associate)
    if amount <= 0:
        raise ValidationError({"amount": _("Le remboursement est un montant positif.")})
    if amount > associate.refund_due:
        raise ValidationError(
            {
                "amount": _("La coopérative ne doit que %(amount)s à %(name)s.")
                % {"amount": format_euros(associate.refund_due), "name": associate.name}
            }
        )
    if associate.left_on and on < associate.left_on:
        raise ValidationError(
            {
                "on": _("Le remboursement suit le départ (%(date)s).")
                % {"date": fr_date(associate.left_on)}
            }
        )
    return _append(
        associate,
        actor=actor,
        kind=ShareMovementKind.REFUND_PAYMENT,
        on=on,
        amount=amount,
        refund_due=-amount,
        note=note,
    )
