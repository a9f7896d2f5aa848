"""Opening, reading, rectifying, closing a follow-up; its mediators, consents and
situations. Each function is one transaction and writes the access log."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.geo import department_from_postcode
from coop.models import Programme
from members.enums import Gender
from members.models import Member, User
from peer_support import perms
from peer_support.enums import (
    AccessAction,
    AgeBand,
    ArrivalRoute,
    CareFollowUp,
    Checkpoint,
    ConsentScope,
    EsfAgeBand,
    Housing,
    Outcome,
    Resource,
)
from peer_support.models import CoMediator, Consent, FollowUp, Situation
from peer_support.services.common import (
    access_log_write,
    access_log_write_many,
    check_past,
    clean_text,
    raise_if,
    require,
)

PSEUDONYM_MAX_LENGTH = 100
COMMUNE_MAX_LENGTH = 120
# People accompanied are at least this old, and at most this old.
YOUNGEST_AGE, OLDEST_AGE = 12, 100
SITUATION_FIELDS = ("housing", "resource", "care_follow_up")
IDENTITY_FIELDS = (
    "pseudonym",
    "birth_year",
    "gender",
    "commune",
    "postcode",
    "arrival_route",
    "opened_on",
    "programme",
)


def _check_identity(fields: dict, errors: dict) -> None:
    """The record's fields as typed: a name, a plausible year of birth, a postcode."""
    if "pseudonym" in fields:
        pseudonym = clean_text(fields["pseudonym"])
        fields["pseudonym"] = pseudonym
        if not pseudonym:
            errors["pseudonym"] = _("Indiquez un prénom ou un pseudonyme.")
        elif len(pseudonym) > PSEUDONYM_MAX_LENGTH:
            errors["pseudonym"] = _("%(max)s caractères au plus.") % {"max": PSEUDONYM_MAX_LENGTH}
    if fields.get("birth_year") is not None:
        year = timezone.localdate().year
        if not year - OLDEST_AGE <= fields["birth_year"] <= year - YOUNGEST_AGE:
            errors["birth_year"] = _("L'année de naissance est entre %(first)s et %(last)s.") % {
                "first": year - OLDEST_AGE,
                "last": year - YOUNGEST_AGE,
            }
    if "gender" in fields and fields["gender"] not in Gender.values:
        errors["gender"] = _("Genre inconnu.")
    if "commune" in fields:
        fields["commune"] = clean_text(fields["commune"])
        if len(fields["commune"]) > COMMUNE_MAX_LENGTH:
            errors["commune"] = _("%(max)s caractères au plus.") % {"max": COMMUNE_MAX_LENGTH}
    if "postcode" in fields:
        postcode = clean_text(fields["postcode"])
        fields["postcode"] = postcode
        if postcode and not (len(postcode) == 5 and postcode.isdigit()):
            errors["postcode"] = _("Le code postal a cinq chiffres.")
    if "arrival_route" in fields and fields["arrival_route"] not in ArrivalRoute.values:
        errors["arrival_route"] = _("Indiquez comment la personne est venue.")
    if "opened_on" in fields:
        check_past(fields["opened_on"], "opened_on", errors, what=_("Le début du suivi"))


def _check_situation(fields: dict, errors: dict) -> None:
    for name, enum in (
        ("housing", Housing),
        ("resource", Resource),
        ("care_follow_up", CareFollowUp),
    ):
        if name in fields and fields[name] not in enum.values:
            errors[name] = _("Choisissez une réponse (ou « Non renseigné »).")


def _check_programme(programme: Programme | None, day: datetime.date, errors: dict) -> None:
    if (
        programme is not None
        and not Programme.objects.active_on(day).filter(pk=programme.pk).exists()
    ):
        errors["programme"] = _("Ce programme ne court pas à cette date.")


def followup_read(*, actor: User, followup: FollowUp) -> None:
    """The person's page was shown to the actor: written to the access log. Call it
    with the follow-up the page reached through `visible_to(actor)`."""
    require(perms.can_view(actor, followup))
    access_log_write(actor=actor, action=AccessAction.VIEW, followup=followup)


def followup_list_read(*, actor: User, followups: Iterable[FollowUp]) -> int:
    """A page of a list showed these people's names to the actor: one access-log row
    each, in one INSERT. The follow-ups are those of the page, taken from
    `FollowUp.objects.visible_to(actor)`."""
    return access_log_write_many(actor=actor, action=AccessAction.LIST, followups=followups)


@transaction.atomic
def followup_open(
    *,
    actor: User,
    pseudonym: str,
    birth_year: int | None,
    gender: str,
    commune: str,
    postcode: str,
    arrival_route: str,
    opened_on: datetime.date,
    housing: str,
    resource: str,
    care_follow_up: str,
    consent_given_on: datetime.date,
    consent_explanation: str,
    research_consent_given_on: datetime.date | None = None,
    research_consent_explanation: str = "",
    programme: Programme | None = None,
) -> FollowUp:
    """A peer mediator opens the follow-up of a person they accompany, with the
    person's consent to the processing (dated, with what was explained) and, if they
    agree, to research use. The mediator is its main mediator."""
    mediator = perms.peer_mediator_member(actor)
    if mediator is None:
        raise PermissionDenied
    fields = {
        "pseudonym": pseudonym,
        "birth_year": birth_year,
        "gender": gender,
        "commune": commune,
        "postcode": postcode,
        "arrival_route": arrival_route,
        "opened_on": opened_on,
    }
    situation = {"housing": housing, "resource": resource, "care_follow_up": care_follow_up}
    errors: dict = {}
    _check_identity(fields, errors)
    _check_situation(situation, errors)
    _check_programme(programme, opened_on, errors)
    consent_explanation = clean_text(consent_explanation)
    if not consent_explanation:
        errors["consent_explanation"] = _("Notez ce qui a été expliqué à la personne.")
    check_past(consent_given_on, "consent_given_on", errors, what=_("Le consentement"))
    if "consent_given_on" not in errors and consent_given_on > opened_on:
        errors["consent_given_on"] = _(
            "Le consentement est recueilli avant d'ouvrir le suivi, ou le jour même."
        )
    research_explanation = clean_text(research_consent_explanation)
    if research_consent_given_on is not None:
        check_past(
            research_consent_given_on,
            "research_consent_given_on",
            errors,
            what=_("Le consentement à la recherche"),
        )
        if not research_explanation:
            errors["research_consent_explanation"] = _(
                "Notez ce qui a été expliqué sur la recherche."
            )
    raise_if(errors)

    followup = FollowUp.objects.create(
        mediator=mediator,
        programme=programme,
        age_band=AgeBand.of(birth_year, opened_on.year),
        esf_age_band=EsfAgeBand.of(birth_year, opened_on.year),
        department=department_from_postcode(fields["postcode"]),
        created_by=actor,
        **fields,
    )
    Situation.objects.create(
        followup=followup,
        checkpoint=Checkpoint.ENTRY,
        recorded_on=opened_on,
        recorded_by=actor,
        **situation,
    )
    Consent.objects.create(
        followup=followup,
        scope=ConsentScope.PROCESSING,
        given_on=consent_given_on,
        explanation=consent_explanation,
        recorded_by=actor,
    )
    if research_consent_given_on is not None:
        Consent.objects.create(
            followup=followup,
            scope=ConsentScope.RESEARCH,
            given_on=research_consent_given_on,
            explanation=research_explanation,
            recorded_by=actor,
        )
    access_log_write(actor=actor, action=AccessAction.CREATE, followup=followup)
    return followup


def locked(followup: FollowUp) -> FollowUp:
    """The follow-up re-read under a row lock: the rules are checked on what is
    current, and two changes of one follow-up never interleave."""
    return FollowUp.objects.select_for_update().get(pk=followup.pk)


@transaction.atomic
def followup_update(*, actor: User, followup: FollowUp, **fields) -> FollowUp:
    """Rectify the record: identity (pseudonym, birth_year, gender, commune, postcode),
    arrival_route, opened_on, programme, and the situation at entry (housing, resource,
    care_follow_up). Only the given fields change; the access log names them."""
    unknown = set(fields) - set(IDENTITY_FIELDS) - set(SITUATION_FIELDS)
    if unknown:
        raise TypeError(f"followup_update() cannot change {', '.join(sorted(unknown))}")
    followup = locked(followup)
    require(perms.can_rectify(actor, followup))
    errors: dict = {}
    identity = {name: value for name, value in fields.items() if name in IDENTITY_FIELDS}
    situation = {name: value for name, value in fields.items() if name in SITUATION_FIELDS}
    _check_identity(identity, errors)
    _check_situation(situation, errors)
    opened_on = identity.get("opened_on", followup.opened_on)
    if "opened_on" not in errors and followup.closed_on and opened_on > followup.closed_on:
        errors["opened_on"] = _("Le début du suivi ne peut pas suivre sa fin.")
    first_meeting = followup.meetings.order_by("date").values_list("date", flat=True).first()
    if "opened_on" not in errors and first_meeting and opened_on > first_meeting:
        errors["opened_on"] = _("Une rencontre a eu lieu avant cette date (le %(date)s).") % {
            "date": f"{first_meeting:%d/%m/%Y}"
        }
    if "programme" in identity:
        _check_programme(identity["programme"], opened_on, errors)
    raise_if(errors)

    changed = [name for name, value in identity.items() if getattr(followup, name) != value]
    for name in changed:
        setattr(followup, name, identity[name])
    followup.age_band = AgeBand.of(followup.birth_year, followup.opened_on.year)
    followup.esf_age_band = EsfAgeBand.of(followup.birth_year, followup.opened_on.year)
    followup.department = department_from_postcode(followup.postcode)
    if changed:
        followup.save()
    entry = followup.situations.get(checkpoint=Checkpoint.ENTRY)
    changed_situation = [name for name, value in situation.items() if getattr(entry, name) != value]
    for name in changed_situation:
        setattr(entry, name, situation[name])
    if "opened_on" in changed:
        entry.recorded_on = followup.opened_on
    if changed_situation or "opened_on" in changed:
        entry.save()
    if changed or changed_situation:
        access_log_write(
            actor=actor,
            action=AccessAction.CHANGE,
            followup=followup,
            fields=[*changed, *changed_situation],
        )
    return followup


@transaction.atomic
def followup_close(
    *,
    actor: User,
    followup: FollowUp,
    closed_on: datetime.date,
    outcome: str,
    outcome_note: str = "",
) -> FollowUp:
    """Close the follow-up with its outcome. The situation 28 days and 6 months later
    can then be recorded (followup_record_later_situation)."""
    followup = locked(followup)
    require(perms.can_close(actor, followup))
    errors: dict = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _("Choisissez l'issue du suivi.")
    check_past(closed_on, "closed_on", errors, what=_("La fin du suivi"))
    if "closed_on" not in errors:
        last_meeting = followup.meetings.order_by("-date").values_list("date", flat=True).first()
        if closed_on < followup.opened_on:
            errors["closed_on"] = _("La fin du suivi ne peut pas précéder son début.")
        elif last_meeting and closed_on < last_meeting:
            errors["closed_on"] = _(
                "La fin du suivi ne peut pas précéder la dernière rencontre (le %(date)s)."
            ) % {"date": f"{last_meeting:%d/%m/%Y}"}
    raise_if(errors)
    followup.closed_on = closed_on
    followup.outcome = outcome
    followup.outcome_note = clean_text(outcome_note)
    followup.save(update_fields=["closed_on", "outcome", "outcome_note"])
    access_log_write(
        actor=actor,
        action=AccessAction.CHANGE,
        followup=followup,
        fields=["closed_on", "outcome", "outcome_note"],
    )
    return followup


def _require_current_peer_mediator(member: Member, field: str) -> None:
    from members.enums import Stage

    if not member.is_peer_mediator or member.stage == Stage.EXITED or member.user_id is None:
        raise ValidationError(
            {field: _("Seul·e un·e médiateur·rice pair de la coopérative peut accompagner.")}
        )


@transaction.atomic
def followup_transfer(*, actor: User, followup: FollowUp, mediator: Member) -> FollowUp:
    """The lead gives the follow-up to another main mediator (the former one leaves,
    say). A co-mediator who becomes the main mediator is no longer listed as co-mediator;
    the former main mediator no longer reads it unless added as co-mediator."""
    followup = locked(followup)
    require(perms.can_transfer(actor, followup))
    _require_current_peer_mediator(mediator, "mediator")
    if mediator.pk == followup.mediator_id:
        raise ValidationError(
            {"mediator": _("Cette personne est déjà le ou la médiateur·rice principal·e.")}
        )
    CoMediator.objects.filter(followup=followup, member=mediator).delete()
    followup.mediator = mediator
    followup.save(update_fields=["mediator"])
    access_log_write(
        actor=actor, action=AccessAction.CHANGE, followup=followup, fields=["mediator"]
    )
    return followup


@transaction.atomic
def comediator_add(*, actor: User, followup: FollowUp, member: Member) -> CoMediator:
    """Another peer mediator accompanies the person too, and reads the follow-up."""
    followup = locked(followup)
    require(perms.can_manage_comediators(actor, followup))
    _require_current_peer_mediator(member, "member")
    if member.pk == followup.mediator_id:
        raise ValidationError({"member": _("C'est déjà le ou la médiateur·rice principal·e.")})
    if CoMediator.objects.filter(followup=followup, member=member).exists():
        raise ValidationError({"member": _("Cette personne accompagne déjà ce suivi.")})
    comediator = CoMediator.objects.create(followup=followup, member=member, added_by=actor)
    access_log_write(
        actor=actor,
        action=AccessAction.CHANGE,
        followup=followup,
        record=comediator,
        fields=["comediators"],
    )
    return comediator


@transaction.atomic
def comediator_remove(*, actor: User, followup: FollowUp, member: Member) -> None:
    followup = locked(followup)
    require(perms.can_manage_comediators(actor, followup))
    comediator = CoMediator.objects.filter(followup=followup, member=member).first()
    if comediator is None:
        raise ValidationError({"member": _("Cette personne n'est pas co-médiatrice de ce suivi.")})
    access_log_write(
        actor=actor,
        action=AccessAction.CHANGE,
        followup=followup,
        record=comediator,
        fields=["comediators"],
    )
    comediator.delete()


@transaction.atomic
def followup_record_later_situation(
    *,
    actor: User,
    followup: FollowUp,
    checkpoint: str,
    recorded_on: datetime.date,
    housing: str,
    resource: str,
    care_follow_up: str,
) -> Situation:
    """The person's situation 28 days or 6 months after closing, the same questions as
    at entry (for research). Recorded again, it is rectified."""
    followup = locked(followup)
    require(perms.can_rectify(actor, followup))
    if checkpoint not in (Checkpoint.DAY_28, Checkpoint.MONTH_6):
        raise ValidationError({"checkpoint": _("Choisissez 28 jours ou 6 mois après la fin.")})
    checkpoint = Checkpoint(checkpoint)
    if followup.closed_on is None:
        raise ValidationError(_("La situation d'après se recueille une fois le suivi terminé."))
    situation = {"housing": housing, "resource": resource, "care_follow_up": care_follow_up}
    errors: dict = {}
    _check_situation(situation, errors)
    check_past(recorded_on, "recorded_on", errors, what=_("La date de recueil"))
    opens_on = followup.later_situation_opens_on(checkpoint)
    if "recorded_on" not in errors and recorded_on < opens_on:
        errors["recorded_on"] = _(
            "La situation « %(checkpoint)s » se recueille à partir du %(date)s."
        ) % {"checkpoint": checkpoint.label, "date": f"{opens_on:%d/%m/%Y}"}
    raise_if(errors)
    record, created = Situation.objects.update_or_create(
        followup=followup,
        checkpoint=checkpoint,
        defaults={"recorded_on": recorded_on, "recorded_by": actor, **situation},
    )
    access_log_write(
        actor=actor,
        action=AccessAction.CREATE if created else AccessAction.CHANGE,
        followup=followup,
        record=record,
        fields=() if created else ["recorded_on", *SITUATION_FIELDS],
    )
    return record


@transaction.atomic
def research_consent_record(
    *, actor: User, followup: FollowUp, given_on: datetime.date, explanation: str
) -> Consent:
    """The person agrees to research use (later than at opening, or again after a
    withdrawal)."""
    followup = locked(followup)
    require(perms.can_rectify(actor, followup))
    errors: dict = {}
    explanation = clean_text(explanation)
    if not explanation:
        errors["explanation"] = _("Notez ce qui a été expliqué sur la recherche.")
    check_past(given_on, "given_on", errors, what=_("Le consentement"))
    raise_if(errors)
    if followup.consents.in_force().filter(scope=ConsentScope.RESEARCH).exists():
        raise ValidationError(_("Le consentement à la recherche est déjà en vigueur."))
    consent = Consent.objects.create(
        followup=followup,
        scope=ConsentScope.RESEARCH,
        given_on=given_on,
        explanation=explanation,
        recorded_by=actor,
    )
    access_log_write(actor=actor, action=AccessAction.CREATE, followup=followup, record=consent)
    return consent


@transaction.atomic
def research_consent_withdraw(*, actor: User, followup: FollowUp, on: datetime.date) -> Consent:
    """The person withdraws their consent to research use: from now on they are left out
    of every research output (`for_research()`); the consent stays, dated, as the
    trace of what was agreed."""
    followup = locked(followup)
    require(perms.can_rectify(actor, followup))
    consent = (
        Consent.objects.select_for_update()
        .filter(followup=followup, scope=ConsentScope.RESEARCH, withdrawn_on__isnull=True)
        .first()
    )
    if consent is None:
        raise ValidationError(_("Aucun consentement à la recherche n'est en vigueur."))
    errors: dict = {}
    check_past(on, "on", errors, what=_("Le retrait"))
    if "on" not in errors and on < consent.given_on:
        errors["on"] = _("Un consentement est retiré après avoir été donné (le %(date)s).") % {
            "date": f"{consent.given_on:%d/%m/%Y}"
        }
    raise_if(errors)
    consent.withdrawn_on = on
    consent.save(update_fields=["withdrawn_on"])
    access_log_write(
        actor=actor,
        action=AccessAction.CHANGE,
        followup=followup,
        record=consent,
        fields=["withdrawn_on"],
    )
    return consent
