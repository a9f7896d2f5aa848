"""Writes of the programmes' set-up: the programme itself (period, territory, disclosure
threshold and k, indicator set), its funders and their contacts, the funder and
researcher accounts that read it, and the members it covers.

Only coordinators set programmes up (research.manage_programmes). The statistical
thresholds are never below 5 (DESIGN.md, rule 3). Reader accounts are funder or
researcher accounts only: they reach the programme's anonymous outputs, nothing else."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from coop.models import Programme
from members.enums import Role
from members.models import Member, User
from research.enums import FunderKind
from research.indicators import REGISTRY
from research.models import Funder, FunderContact, ProgrammeMember

# Rule 3 of DESIGN.md: no threshold nor k below this, whatever a programme asks.
MINIMUM_THRESHOLD = 5
# The accounts that may read a programme.
READER_ROLES = (Role.FUNDER, Role.RESEARCHER)


def _check_manager(actor: User) -> None:
    if not actor.has_perm("research.manage_programmes"):
        raise PermissionDenied


def _fr(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _save(instance):
    """Check the model's fields and constraints (French messages), then save."""
    instance.full_clean()
    instance.save()
    return instance


# --- programmes ---------------------------------------------------------------------------


def _check_programme_rules(programme: Programme) -> None:
    """The rules the form cannot see alone: thresholds, dates, known indicators, and
    dates that still hold the members already in the programme."""
    errors: dict[str, str] = {}
    if programme.disclosure_threshold is not None and (
        programme.disclosure_threshold < MINIMUM_THRESHOLD
    ):
        errors["disclosure_threshold"] = _(
            "Le seuil de secret statistique est d'au moins %(minimum)s personnes."
        ) % {"minimum": MINIMUM_THRESHOLD}
    if programme.k_anonymity is not None and programme.k_anonymity < MINIMUM_THRESHOLD:
        errors["k_anonymity"] = _("Le k-anonymat est d'au moins %(minimum)s personnes.") % {
            "minimum": MINIMUM_THRESHOLD
        }
    if programme.ends_on and programme.starts_on and programme.ends_on < programme.starts_on:
        errors["ends_on"] = _("La fin du programme précède son début.")
    unknown = [code for code in programme.indicators if code not in REGISTRY]
    if unknown:
        errors["indicators"] = _("Indicateur inconnu : %(codes)s.") % {"codes": ", ".join(unknown)}
    if programme.pk and programme.starts_on and "ends_on" not in errors:
        span = ProgrammeMember.objects.filter(programme=programme).aggregate(
            first=Min("joined_on"), last=Max("joined_on")
        )
        if span["first"] and span["first"] < programme.starts_on:
            errors["starts_on"] = _(
                "Un membre est entré dans le programme le %(date)s, avant ce début."
            ) % {"date": _fr(span["first"])}
        if span["last"] and programme.ends_on and span["last"] > programme.ends_on:
            errors["ends_on"] = _(
                "Un membre est entré dans le programme le %(date)s, après cette fin."
            ) % {"date": _fr(span["last"])}
    if errors:
        raise ValidationError(errors)


PROGRAMME_FIELDS = (
    "name",
    "funder",
    "territory",
    "starts_on",
    "ends_on",
    "description",
    "disclosure_threshold",
    "k_anonymity",
    "indicators",
)


@transaction.atomic
def programme_create(
    *,
    actor: User,
    name: str,
    funder: str,
    starts_on: datetime.date,
    territory: str = "",
    ends_on: datetime.date | None = None,
    description: str = "",
    disclosure_threshold: int = 11,
    k_anonymity: int = 11,
    indicators: list[str] | None = None,
) -> Programme:
    """A new programme. `indicators` empty: the programme reports on every indicator."""
    _check_manager(actor)
    programme = Programme(
        name=name.strip(),
        funder=funder.strip(),
        territory=territory.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        description=description.strip(),
        disclosure_threshold=disclosure_threshold,
        k_anonymity=k_anonymity,
        indicators=list(indicators or []),
    )
    _check_programme_rules(programme)
    return _save(programme)


@transaction.atomic
def programme_update(*, actor: User, programme: Programme, **changes) -> Programme:
    """Change a programme's set-up (any of PROGRAMME_FIELDS). A lower threshold applies
    to the figures computed from now on; published snapshots keep theirs."""
    _check_manager(actor)
    unknown = set(changes) - set(PROGRAMME_FIELDS)
    if unknown:
        raise TypeError(f"Unknown programme fields: {', '.join(sorted(unknown))}")
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    for field, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        if field == "indicators":
            value = list(value or [])
        setattr(programme, field, value)
    _check_programme_rules(programme)
    return _save(programme)


# --- funders and contacts -------------------------------------------------------------------


@transaction.atomic
def funder_attach(
    *,
    actor: User,
    programme: Programme,
    funder: Funder | None = None,
    name: str = "",
    kind: str = "",
) -> Funder:
    """Attach a funder to the programme: an existing one, or a new one by its name and
    kind (a name already known is that funder, whatever its case)."""
    _check_manager(actor)
    field = "funder" if funder is not None else "name"
    if funder is None:
        name = " ".join(name.split())
        if not name:
            raise ValidationError({"name": _("Choisissez un financeur ou donnez son nom.")})
        funder = Funder.objects.filter(name__iexact=name).first()
        if funder is None:
            if kind not in FunderKind.values:
                raise ValidationError({"kind": _("Choisissez le type du nouveau financeur.")})
            funder = _save(Funder(name=name, kind=kind))
    if funder.programmes.filter(pk=programme.pk).exists():
        raise ValidationError(
            {field: _("%(funder)s finance déjà ce programme.") % {"funder": funder}}
        )
    funder.programmes.add(programme)
    return funder


@transaction.atomic
def funder_detach(*, actor: User, programme: Programme, funder: Funder) -> None:
    """The funder no longer funds this programme; it and its contacts stay known (they
    may fund another one, and published reports keep their figures)."""
    _check_manager(actor)
    funder.programmes.remove(programme)


def _check_contact_email(funder: Funder, email: str, contact: FunderContact | None) -> None:
    same = FunderContact.objects.filter(funder=funder, email__iexact=email)
    if contact is not None:
        same = same.exclude(pk=contact.pk)
    if same.exists():
        raise ValidationError({"email": _("Ce contact existe déjà chez ce financeur.")})


@transaction.atomic
def contact_add(
    *,
    actor: User,
    funder: Funder,
    full_name: str,
    email: str,
    position: str = "",
    receives_reports: bool = True,
) -> FunderContact:
    """A person at the funder; those who receive reports get the programmes' monthly PDF."""
    _check_manager(actor)
    email = email.strip()
    _check_contact_email(funder, email, None)
    return _save(
        FunderContact(
            funder=funder,
            full_name=" ".join(full_name.split()),
            position=position.strip(),
            email=email,
            receives_reports=receives_reports,
        )
    )


@transaction.atomic
def contact_update(
    *,
    actor: User,
    contact: FunderContact,
    full_name: str,
    email: str,
    position: str = "",
    receives_reports: bool = True,
) -> FunderContact:
    _check_manager(actor)
    contact = FunderContact.objects.select_for_update().get(pk=contact.pk)
    email = email.strip()
    _check_contact_email(contact.funder, email, contact)
    contact.full_name = " ".join(full_name.split())
    contact.position = position.strip()
    contact.email = email
    contact.receives_reports = receives_reports
    return _save(contact)


@transaction.atomic
def contact_remove(*, actor: User, contact: FunderContact) -> None:
    """The person left the funder or no longer follows the programme: reports sent
    before stay sent."""
    _check_manager(actor)
    contact.delete()


# --- readers ------------------------------------------------------------------------------


@transaction.atomic
def reader_attach(*, actor: User, programme: Programme, user: User) -> None:
    """Give a funder's or a researcher's account the programme's anonymous outputs."""
    _check_manager(actor)
    if user.role not in READER_ROLES:
        raise ValidationError(
            {"user": _("Seuls les comptes de financeur ou de chercheur·e lisent un programme.")}
        )
    if not user.is_active:
        raise ValidationError({"user": _("Ce compte est désactivé.")})
    if programme.readers.filter(pk=user.pk).exists():
        raise ValidationError({"user": _("Ce compte lit déjà ce programme.")})
    programme.readers.add(user)


@transaction.atomic
def reader_detach(*, actor: User, programme: Programme, user: User) -> None:
    """The account no longer reaches this programme's pages, reports and extracts."""
    _check_manager(actor)
    programme.readers.remove(user)


# --- members covered ------------------------------------------------------------------------


@transaction.atomic
def programme_member_add(
    *, actor: User, programme: Programme, member: Member, joined_on: datetime.date
) -> ProgrammeMember:
    """The programme covers this member from `joined_on`, a day of the programme's
    period. A member is in a programme once: who left it stays counted for the time
    they were in."""
    _check_manager(actor)
    # One addition at a time per programme: the second finds the first.
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    existing = ProgrammeMember.objects.filter(programme=programme, member=member).first()
    if existing is not None:
        if existing.left_on:
            message = _("%(name)s a déjà été dans le programme, du %(start)s au %(end)s.") % {
                "name": member,
                "start": _fr(existing.joined_on),
                "end": _fr(existing.left_on),
            }
        else:
            message = _("%(name)s est déjà dans le programme depuis le %(start)s.") % {
                "name": member,
                "start": _fr(existing.joined_on),
            }
        raise ValidationError({"member": message})
    _check_in_programme_period(programme, joined_on, "joined_on")
    if member.exited_on and member.exited_on < joined_on:
        raise ValidationError(
            {
                "joined_on": _("%(name)s a quitté la coopérative le %(date)s, avant cette date.")
                % {"name": member, "date": _fr(member.exited_on)}
            }
        )
    return _save(
        ProgrammeMember(programme=programme, member=member, joined_on=joined_on, added_by=actor)
    )


def _check_in_programme_period(programme: Programme, day: datetime.date, field: str) -> None:
    if day < programme.starts_on:
        raise ValidationError(
            {field: _("Le programme commence le %(date)s.") % {"date": _fr(programme.starts_on)}}
        )
    if programme.ends_on and day > programme.ends_on:
        raise ValidationError(
            {field: _("Le programme finit le %(date)s.") % {"date": _fr(programme.ends_on)}}
        )


@transaction.atomic
def programme_member_end(
    *, actor: User, membership: ProgrammeMember, left_on: datetime.date
) -> ProgrammeMember:
    """The member leaves the programme on `left_on` (counted in it until that day)."""
    _check_manager(actor)
    membership = (
        ProgrammeMember.objects.select_for_update()
        .select_related("programme", "member")
        .get(pk=membership.pk)
    )
    if membership.left_on:
        raise ValidationError(
            {
                "left_on": _("%(name)s a déjà quitté le programme le %(date)s.")
                % {"name": membership.member, "date": _fr(membership.left_on)}
            }
        )
    if left_on < membership.joined_on:
        raise ValidationError(
            {
                "left_on": _(
                    "%(name)s est entré·e dans le programme le %(date)s, après cette date."
                )
                % {"name": membership.member, "date": _fr(membership.joined_on)}
            }
        )
    _check_in_programme_period(membership.programme, left_on, "left_on")
    membership.left_on = left_on
    return _save(membership)
