"""Bodies of the collectives, their seats and the elections that fill them. A collective
that requires it keeps at least half of each body's seats for elected members."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.enums import (
    BodyKind,
    CollectiveKind,
    MajorityRule,
    SeatKind,
)
from coop.governance.common import (
    ONE_DAY,
    can_create_body_in,
    fr_date,
    require_body_manager,
    today,
)
from coop.governance.meetings import quorum_of
from coop.models import (
    Associate,
    Body,
    Candidate,
    Collective,
    CollectivePerson,
    Election,
    Meeting,
    Seat,
)
from members.models import User


@dataclass(frozen=True)
class BodyRules:
    notice_days: int
    quorum_percent: int
    ordinary_majority: str
    extraordinary_majority: str
    max_proxies: int


# What a new body starts with; each body then follows its own statutes. A general
# assembly is convened fifteen days ahead and decides with a quarter of its members
# present or represented, as most cooperatives' statutes say for a first convocation.
DEFAULT_RULES = {
    BodyKind.GENERAL_ASSEMBLY: BodyRules(15, 25, MajorityRule.SIMPLE, MajorityRule.TWO_THIRDS, 2),
    BodyKind.BOARD: BodyRules(8, 50, MajorityRule.SIMPLE, MajorityRule.TWO_THIRDS, 1),
    BodyKind.COLLECTIVE_COUNCIL: BodyRules(7, 50, MajorityRule.SIMPLE, MajorityRule.TWO_THIRDS, 1),
}


# --- bodies and their seats -------------------------------------------------------------


@transaction.atomic
def body_create(*, actor: User, collective: Collective, kind: str, name: str, **rules) -> Body:
    """A body of a collective, with the rules of its statutes (the defaults of its kind
    where none are given)."""
    if not can_create_body_in(actor, collective):
        raise PermissionDenied
    defaults = DEFAULT_RULES[BodyKind(kind)]
    values = {
        "notice_days": defaults.notice_days,
        "quorum_percent": defaults.quorum_percent,
        "ordinary_majority": defaults.ordinary_majority,
        "extraordinary_majority": defaults.extraordinary_majority,
        "max_proxies": defaults.max_proxies,
        "size": None,
    }
    values.update({key: value for key, value in rules.items() if value is not None})
    if kind == BodyKind.GENERAL_ASSEMBLY and values["size"] is not None:
        raise ValidationError(
            {"size": _("L'assemblée générale réunit tous les membres : elle n'a pas de sièges.")}
        )
    body = Body(collective=collective, kind=kind, name=name, **values)
    body.full_clean()
    body.save()
    return body


@transaction.atomic
def body_update(*, actor: User, body: Body, **fields) -> Body:
    """Change a body's name or rules; its kind and collective stay. A body never has more
    seats in force than its statutes allow."""
    require_body_manager(actor, body)
    body = Body.objects.select_for_update().get(pk=body.pk)
    if body.kind == BodyKind.GENERAL_ASSEMBLY and fields.get("size") is not None:
        raise ValidationError(
            {"size": _("L'assemblée générale réunit tous les membres : elle n'a pas de sièges.")}
        )
    for name, value in fields.items():
        setattr(body, name, value)
    body.full_clean()
    body.save()
    _check_composition(body, today())
    return body


@dataclass(frozen=True)
class Composition:
    elected: int
    total: int

    @property
    def elected_majority(self) -> bool:
        return 2 * self.elected >= self.total


def composition_on(body: Body, day: datetime.date, seats: list[Seat] | None = None) -> Composition:
    seats = list(body.seats.all()) if seats is None else seats
    in_force = [seat for seat in seats if seat.in_force_on(day)]
    elected = sum(1 for seat in in_force if seat.kind == SeatKind.ELECTED)
    return Composition(elected=elected, total=len(in_force))


def _check_composition(body: Body, from_day: datetime.date) -> None:
    """Refuse a composition that breaks the statutes from `from_day` on: more seats than
    the body has, or — when the collective requires it — elected members holding fewer
    than half of the seats. Checked on that day and on each later day a seat starts;
    terms that simply run out are the body's page's concern (it asks for an election)."""
    seats = list(Seat.objects.filter(body=body))
    days = sorted({from_day} | {seat.starts_on for seat in seats if seat.starts_on > from_day})
    for day in days:
        composition = composition_on(body, day, seats)
        if body.size is not None and composition.total > body.size:
            raise ValidationError(
                _(
                    "Au %(date)s, l'instance compterait %(total)s sièges alors que ses statuts "
                    "en prévoient %(size)s."
                )
                % {"date": fr_date(day), "total": composition.total, "size": body.size}
            )
        if body.collective.requires_elected_majority and not composition.elected_majority:
            raise ValidationError(
                _(
                    "Composition refusée : au %(date)s, les membres élus ne tiendraient que "
                    "%(elected)s sièges sur %(total)s. Le collectif %(collective)s exige "
                    "qu'ils en tiennent au moins la moitié : ajoutez d'abord des sièges élus "
                    "ou retirez des sièges non élus."
                )
                % {
                    "date": fr_date(day),
                    "elected": composition.elected,
                    "total": composition.total,
                    "collective": body.collective.name,
                }
            )


def _check_holder(
    body: Body,
    *,
    person: CollectivePerson | None,
    associate: Associate | None,
    on: datetime.date,
    elected: bool,
    field: str,
) -> None:
    """Who may sit in (or stand for) a body on that day: a member of its collective then,
    or a legal-person associate for the cooperative's bodies. In the cooperative, elected
    members are associates."""
    if (person is None) == (associate is None):
        raise ValidationError({field: _("Choisissez une personne.")})
    collective = body.collective
    if person is not None:
        member_then = person.joined_on <= on and (person.left_on is None or person.left_on > on)
        if person.collective_id != collective.pk or not member_then:
            raise ValidationError(
                {
                    field: _("%(name)s n'est pas membre de ce collectif le %(date)s.")
                    % {"name": person, "date": fr_date(on)}
                }
            )
        if (
            elected
            and collective.kind == CollectiveKind.COOPERATIVE
            and not Associate.objects.current(on).filter(person=person).exists()
        ):
            raise ValidationError(
                {
                    field: _(
                        "%(name)s n'est pas associé·e : seuls les associé·es sont élu·es aux "
                        "instances de la coopérative."
                    )
                    % {"name": person}
                }
            )
    elif associate.collective_id != collective.pk or not associate.is_current(on):
        raise ValidationError(
            {field: _("%(name)s n'est pas associée à cette date.") % {"name": associate.name}}
        )


def _holder_seats(body: Body, person, associate):
    seats = Seat.objects.filter(body=body)
    return seats.filter(person=person) if person is not None else seats.filter(associate=associate)


def _overlapping(seats, starts_on: datetime.date, ends_on: datetime.date | None):
    seats = seats.exclude(ends_on__lt=starts_on)
    if ends_on is not None:
        seats = seats.exclude(starts_on__gt=ends_on)
    return seats


@transaction.atomic
def seat_add(
    *,
    actor: User,
    body: Body,
    kind: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    person: CollectivePerson | None = None,
    associate: Associate | None = None,
) -> Seat:
    """Give a seat of a body to someone for a term. Elected seats normally come from an
    election; this also records those held before the platform."""
    require_body_manager(actor, body)
    body = Body.objects.select_for_update().select_related("collective").get(pk=body.pk)
    if not body.has_seats:
        raise ValidationError(
            _("L'assemblée générale réunit tous les membres : elle n'a pas de sièges.")
        )
    _check_holder(
        body,
        person=person,
        associate=associate,
        on=starts_on,
        elected=kind == SeatKind.ELECTED,
        field="holder",
    )
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("La fin du mandat précède son début.")})
    clash = _overlapping(_holder_seats(body, person, associate), starts_on, ends_on).first()
    if clash is not None:
        raise ValidationError(
            {
                "holder": _("%(name)s siège déjà dans cette instance depuis le %(date)s.")
                % {"name": clash.holder_name, "date": fr_date(clash.starts_on)}
            }
        )
    seat = Seat(
        body=body,
        kind=kind,
        person=person,
        associate=associate,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    seat.full_clean()
    seat.save()
    _check_composition(body, starts_on)
    return seat


@transaction.atomic
def seat_end(*, actor: User, seat: Seat, on: datetime.date) -> Seat:
    """A mandate ends early (resignation, departure): the seat is held until `on`."""
    require_body_manager(actor, seat.body)
    body = Body.objects.select_for_update().select_related("collective").get(pk=seat.body_id)
    seat = Seat.objects.select_for_update().get(pk=seat.pk)
    if on < seat.starts_on:
        raise ValidationError(
            {"on": _("Le mandat commence le %(date)s.") % {"date": fr_date(seat.starts_on)}}
        )
    if seat.ends_on is not None and on >= seat.ends_on:
        raise ValidationError(
            {"on": _("Ce mandat se termine déjà le %(date)s.") % {"date": fr_date(seat.ends_on)}}
        )
    seat.ends_on = on
    seat.save(update_fields=["ends_on"])
    _check_composition(body, on + ONE_DAY)
    return seat


# --- elections --------------------------------------------------------------------------


@transaction.atomic
def election_create(
    *,
    actor: User,
    body: Body,
    held_on: datetime.date,
    seats_to_fill: int,
    term_ends_on: datetime.date | None = None,
    meeting: Meeting | None = None,
) -> Election:
    require_body_manager(actor, body)
    if not body.has_seats:
        raise ValidationError(
            _("L'assemblée générale n'a pas de sièges : on élit aux autres instances.")
        )
    if body.size is not None and seats_to_fill > body.size:
        raise ValidationError(
            {"seats_to_fill": _("L'instance n'a que %(size)s sièges.") % {"size": body.size}}
        )
    if meeting is not None:
        if meeting.body.collective_id != body.collective_id:
            raise ValidationError(
                {"meeting": _("Choisissez une réunion d'une instance du même collectif.")}
            )
        if timezone.localtime(meeting.starts_at).date() != held_on:
            raise ValidationError({"held_on": _("Le vote a lieu le jour de la réunion choisie.")})
    election = Election(
        body=body,
        held_on=held_on,
        seats_to_fill=seats_to_fill,
        term_ends_on=term_ends_on,
        meeting=meeting,
        created_by=actor,
    )
    election.full_clean()
    election.save()
    return election


def _check_not_counted(election: Election) -> None:
    if election.is_counted:
        raise ValidationError(_("Cette élection est dépouillée : ses résultats ne changent plus."))


@transaction.atomic
def candidate_add(
    *,
    actor: User,
    election: Election,
    person: CollectivePerson | None = None,
    associate: Associate | None = None,
) -> Candidate:
    require_body_manager(actor, election.body)
    election = (
        Election.objects.select_for_update().select_related("body__collective").get(pk=election.pk)
    )
    _check_not_counted(election)
    _check_holder(
        election.body,
        person=person,
        associate=associate,
        on=election.held_on,
        elected=True,
        field="holder",
    )
    candidate = Candidate(election=election, person=person, associate=associate)
    try:
        candidate.full_clean()
    except ValidationError as error:
        raise ValidationError({"holder": error.messages}) from None
    candidate.save()
    return candidate


@transaction.atomic
def election_count(
    *, actor: User, election: Election, voters: int, votes: dict[int, int]
) -> list[Candidate]:
    """Record the votes each candidate received. The candidates with the most votes take
    the seats to fill, for the term of the election; someone re-elected leaves their
    previous seat the day before. A tie for the last seat is for the voters to settle: a
    second round, recorded as a new election."""
    require_body_manager(actor, election.body)
    election = (
        Election.objects.select_for_update().select_related("body__collective").get(pk=election.pk)
    )
    _check_not_counted(election)
    candidates = list(election.candidates.select_related("person", "associate"))
    if not candidates:
        raise ValidationError(_("Ajoutez les candidatures avant de dépouiller."))
    if election.held_on > today():
        raise ValidationError(
            _("Le vote a lieu le %(date)s : dépouillez ensuite.")
            % {"date": fr_date(election.held_on)}
        )
    if voters < 1:
        raise ValidationError({"voters": _("Il faut au moins une personne votante.")})
    if election.meeting is not None:
        quorum = quorum_of(election.meeting)
        if not quorum.recorded:
            raise ValidationError(
                _("Notez d'abord les présences de la réunion où le vote a eu lieu.")
            )
        if voters > quorum.voters:
            raise ValidationError(
                {
                    "voters": _(
                        "La réunion ne compte que %(count)s membres présents ou représentés."
                    )
                    % {"count": quorum.voters}
                }
            )
    errors = {}
    for candidate in candidates:
        count = votes.get(candidate.pk)
        if count is None or count < 0:
            errors[f"votes_{candidate.pk}"] = _("Donnez le nombre de voix.")
        elif count > voters:
            errors[f"votes_{candidate.pk}"] = _("Plus de voix que de votant·es.")
    if errors:
        raise ValidationError(errors)
    ranked = sorted(candidates, key=lambda c: -votes[c.pk])
    with_votes = [c for c in ranked if votes[c.pk] > 0]
    winners = with_votes[: election.seats_to_fill]
    if len(with_votes) > election.seats_to_fill:
        last, first_out = winners[-1], with_votes[election.seats_to_fill]
        if votes[last.pk] == votes[first_out.pk]:
            raise ValidationError(
                _(
                    "Égalité pour le dernier siège entre %(first)s et %(second)s "
                    "(%(votes)s voix) : organisez un second tour pour ce siège, puis notez-le "
                    "comme une nouvelle élection."
                )
                % {
                    "first": last.holder_name,
                    "second": first_out.holder_name,
                    "votes": votes[last.pk],
                }
            )
    body = Body.objects.select_for_update().select_related("collective").get(pk=election.body_id)
    for candidate in candidates:
        candidate.votes = votes[candidate.pk]
        candidate.elected = candidate in winners
    Candidate.objects.bulk_update(candidates, ["votes", "elected"])
    for candidate in winners:
        previous = _overlapping(
            _holder_seats(body, candidate.person, candidate.associate),
            election.held_on,
            election.term_ends_on,
        )
        for seat in previous:
            if seat.starts_on >= election.held_on:
                raise ValidationError(
                    _("%(name)s a déjà un siège qui commence le %(date)s.")
                    % {"name": candidate.holder_name, "date": fr_date(seat.starts_on)}
                )
            seat.ends_on = election.held_on - ONE_DAY
            seat.save(update_fields=["ends_on"])
        Seat.objects.create(
            body=body,
            kind=SeatKind.ELECTED,
            person=candidate.person,
            associate=candidate.associate,
            starts_on=election.held_on,
            ends_on=election.term_ends_on,
            election=election,
            created_by=actor,
        )
    election.voters = voters
    election.counted_at = timezone.now()
    election.counted_by = actor
    election.save(update_fields=["voters", "counted_at", "counted_by"])
    _check_composition(body, election.held_on)
    return candidates
