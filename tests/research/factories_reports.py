"""Factories of the funders' reports: testimonials chosen with consent."""

import datetime

import factory

from members.enums import Role
from tests.members.factories import ProgrammeFactory, UserFactory


class ChosenTestimonialFactory(factory.django.DjangoModelFactory):
    """A testimonial of nobody recorded here (a partner's words), consented to and
    chosen at the programme's start. Traits: `withdrawn`."""

    class Meta:
        model = "research.Testimonial"

    programme = factory.SubFactory(ProgrammeFactory)
    text = "Ici, on m'a fait confiance avant que je me fasse confiance moi-même."
    changed_first_name = "Églantine"
    consent_given_on = factory.LazyAttribute(lambda o: o.programme.starts_on)
    consent_explanation = (
        "Lu dans le rapport envoyé aux financeurs du programme, sous un autre prénom ; "
        "retrait possible à tout moment auprès de la coordination."
    )
    chosen_by = factory.SubFactory(UserFactory, role=Role.COORDINATOR)
    chosen_on = factory.LazyAttribute(lambda o: o.consent_given_on)

    class Params:
        withdrawn = factory.Trait(
            withdrawn_on=factory.LazyAttribute(
                lambda o: o.consent_given_on + datetime.timedelta(days=10)
            )
        )
