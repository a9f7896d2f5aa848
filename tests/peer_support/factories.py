import datetime
import uuid

import factory
from django.utils import timezone

from members.enums import Activity, Gender, Role
from peer_support.enums import (
    AgeBand,
    ArrivalRoute,
    CareFollowUp,
    Checkpoint,
    ConsentScope,
    ErasureReason,
    EsfAgeBand,
    GoalKind,
    GoalStatus,
    Housing,
    MeetingMode,
    Outcome,
    PartnerKind,
    Resource,
    WorkshopKind,
)
from tests.members.factories import MemberFactory, UserFactory


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


class PeerMediatorFactory(MemberFactory):
    """An entrepreneur in CAPE who is a peer health mediator (`mediator.user` logs in)."""

    activity = Activity.PEER_MEDIATION
    is_peer_mediator = True

    @factory.post_generation
    def path(obj, create, extracted, **kwargs):
        """On the path in CAPE unless told otherwise (`path="exited"`…)."""
        MemberFactory.path.function(obj, create, extracted or "cape", **kwargs)


def lead_user(**kwargs):
    """A peer-support lead (two-factor set up)."""
    return UserFactory(role=Role.PEER_SUPPORT_LEAD, **kwargs)


class FollowUpFactory(factory.django.DjangoModelFactory):
    """An open follow-up of a peer mediator, opened 120 days ago, with its situation at
    entry, its processing consent and a research consent (`research_consent=False` for
    none). Traits: `closed`, `erased` (by request, closed), `with_comediator`."""

    class Meta:
        model = "peer_support.FollowUp"
        skip_postgeneration_save = True

    mediator = factory.SubFactory(PeerMediatorFactory)
    pseudonym = factory.Faker("first_name", locale="fr_FR")
    birth_year = 1984
    age_band = factory.LazyAttribute(lambda o: AgeBand.of(o.birth_year, o.opened_on.year))
    esf_age_band = factory.LazyAttribute(lambda o: EsfAgeBand.of(o.birth_year, o.opened_on.year))
    gender = Gender.WOMAN
    commune = "Montreuil"
    postcode = "93100"
    department = "93"
    arrival_route = ArrivalRoute.ADDICTION_CARE
    opened_on = factory.LazyFunction(lambda: days_ago(120))
    created_by = factory.LazyAttribute(lambda o: o.mediator.user)

    class Params:
        closed = factory.Trait(
            closed_on=factory.LazyFunction(lambda: days_ago(30)),
            outcome=Outcome.GOALS_REACHED,
            outcome_note="Elle a repris un suivi au CSAPA et n'a plus besoin de nous.",
        )
        erased = factory.Trait(
            pseudonym="",
            birth_year=None,
            age_band=AgeBand.FROM_35_TO_44,
            esf_age_band=EsfAgeBand.FROM_30_TO_54,
            commune="",
            postcode="",
            closed_on=factory.LazyFunction(lambda: days_ago(30)),
            outcome=Outcome.PERSON_ENDED,
            erased_at=factory.LazyFunction(timezone.now),
            erasure_reason=ErasureReason.PERSON_REQUEST,
        )

    @factory.post_generation
    def entry(obj, create, extracted, **kwargs):
        if create:
            obj.situations.create(
                checkpoint=Checkpoint.ENTRY,
                recorded_on=obj.opened_on,
                housing=Housing.EMERGENCY,
                resource=Resource.RSA,
                care_follow_up=CareFollowUp.INTERRUPTED,
                recorded_by=obj.created_by,
            )
            obj.consents.create(
                scope=ConsentScope.PROCESSING,
                given_on=obj.opened_on,
                explanation="" if obj.is_erased else "Ce qui est noté, qui le lit, ses droits.",
                recorded_by=obj.created_by,
            )

    @factory.post_generation
    def research_consent(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            obj.consents.create(
                scope=ConsentScope.RESEARCH,
                given_on=obj.opened_on,
                explanation="" if obj.is_erased else "Des chiffres anonymes pour la recherche.",
                recorded_by=obj.created_by,
            )

    @factory.post_generation
    def with_comediator(obj, create, extracted, **kwargs):
        """`with_comediator=True` adds a new peer mediator; a Member adds that one."""
        if create and extracted:
            member = extracted if extracted is not True else PeerMediatorFactory()
            obj.comediations.create(member=member, added_by=obj.created_by)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "peer_support.Goal"
        skip_postgeneration_save = True

    followup = factory.SubFactory(FollowUpFactory)
    kind = GoalKind.HOUSING
    set_on = factory.LazyAttribute(lambda o: o.followup.opened_on)
    status = GoalStatus.NOT_STARTED
    status_on = factory.LazyAttribute(lambda o: o.set_on)
    set_by = factory.LazyAttribute(lambda o: o.followup.created_by)

    class Params:
        free = factory.Trait(kind=GoalKind.FREE, free_text="Renouer avec ma sœur")

    @factory.post_generation
    def first_step(obj, create, extracted, **kwargs):
        if create:
            obj.progress.create(on=obj.set_on, status=obj.status, recorded_by=obj.set_by)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "peer_support.Meeting"
        skip_postgeneration_save = True

    client_token = factory.LazyFunction(uuid.uuid4)
    followup = factory.SubFactory(FollowUpFactory)
    led_by = factory.LazyAttribute(lambda o: o.followup.mediator)
    date = factory.LazyFunction(lambda: days_ago(7))
    duration_minutes = 60
    mode = MeetingMode.PREMISES
    note = "Il a parlé de son traitement de substitution et du logement."
    next_steps = "Appeler le SIAO ensemble lundi."
    logged_by = factory.LazyAttribute(lambda o: o.followup.created_by)

    @factory.post_generation
    def goals(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.goals.set(extracted)


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "peer_support.Referral"

    followup = factory.SubFactory(FollowUpFactory)
    partner_kind = PartnerKind.ADDICTION_CARE
    partner_name = "CSAPA Le Trait d'Union, Montreuil"
    consent_given_on = factory.LazyFunction(lambda: days_ago(20))
    shared_info = "Prénom, numéro de téléphone, demande de rendez-vous pour un sevrage."
    sent_on = factory.LazyFunction(lambda: days_ago(20))
    sent_by = factory.LazyAttribute(lambda o: o.followup.created_by)


class PeerWorkshopFactory(factory.django.DjangoModelFactory):
    """A peer-to-peer workshop held a week ago, run by a peer mediator
    (`facilitators=[member, …]` for others)."""

    class Meta:
        model = "peer_support.PeerWorkshop"
        skip_postgeneration_save = True

    kind = WorkshopKind.PEER_TO_PEER
    title = "Groupe de parole : tenir dans la durée"
    date = factory.LazyFunction(lambda: days_ago(7))
    duration_minutes = 120
    place = "Local de l'association, Montreuil"
    created_by = factory.LazyAttribute(lambda o: UserFactory())

    @factory.post_generation
    def facilitators(obj, create, extracted, **kwargs):
        if create:
            for member in extracted or [PeerMediatorFactory()]:
                obj.facilitations.create(member=member)
