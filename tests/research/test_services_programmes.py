"""The programmes' set-up: programmes, funders and contacts, reader accounts, members
covered; and the research step of the seed."""

import datetime
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from faker import Faker

from coop.models import Programme
from members.enums import Role
from research.enums import FunderKind
from research.indicators import REGISTRY
from research.models import Funder, FunderContact, ProgrammeMember
from research.services import programmes as services
from tests.members.factories import MemberFactory, ProgrammeFactory, UserFactory
from tests.research.factories import FunderContactFactory, FunderFactory, ProgrammeMemberFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 1, 1)
END = datetime.date(2026, 12, 31)


@pytest.fixture
def coordinator():
    return UserFactory(role=Role.COORDINATOR)


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def _programme(**kwargs):
    return ProgrammeFactory(starts_on=START, ends_on=END, **kwargs)


# --- programmes ---------------------------------------------------------------------------


def test_create_with_defaults(coordinator):
    programme = services.programme_create(
        actor=coordinator,
        name="  Co'Opp 93 ",
        funder="Fondation de France",
        starts_on=START,
    )
    assert programme.name == "Co'Opp 93"
    assert (programme.disclosure_threshold, programme.k_anonymity) == (11, 11)
    assert programme.indicators == []


def test_create_with_an_indicator_set(coordinator):
    codes = list(REGISTRY)[:2]
    programme = services.programme_create(
        actor=coordinator, name="P", funder="F", starts_on=START, indicators=codes
    )
    assert programme.indicators == codes


@pytest.mark.parametrize("field", ["disclosure_threshold", "k_anonymity"])
def test_thresholds_below_five_are_refused(coordinator, field):
    with pytest.raises(ValidationError) as excinfo:
        services.programme_create(
            actor=coordinator, name="P", funder="F", starts_on=START, **{field: 4}
        )
    assert "au moins 5" in _errors(excinfo)[field][0]
    assert not Programme.objects.exists()


def test_five_is_the_lowest_threshold(coordinator):
    programme = services.programme_create(
        actor=coordinator,
        name="P",
        funder="F",
        starts_on=START,
        disclosure_threshold=5,
        k_anonymity=5,
    )
    assert programme.disclosure_threshold == 5


def test_dates_in_order(coordinator):
    with pytest.raises(ValidationError) as excinfo:
        services.programme_create(
            actor=coordinator, name="P", funder="F", starts_on=END, ends_on=START
        )
    assert _errors(excinfo)["ends_on"] == ["La fin du programme précède son début."]


def test_unknown_indicator_refused(coordinator):
    with pytest.raises(ValidationError) as excinfo:
        services.programme_create(
            actor=coordinator, name="P", funder="F", starts_on=START, indicators=["nope"]
        )
    assert "nope" in _errors(excinfo)["indicators"][0]


def test_name_is_unique(coordinator):
    _programme(name="Co'Opp")
    with pytest.raises(ValidationError) as excinfo:
        services.programme_create(actor=coordinator, name="Co'Opp", funder="F", starts_on=START)
    assert "name" in _errors(excinfo)


@pytest.mark.parametrize(
    "role", [Role.ADMINISTRATOR, Role.ENTREPRENEUR, Role.FUNDER, Role.RESEARCHER]
)
def test_only_coordinators_set_programmes_up(role):
    with pytest.raises(PermissionDenied):
        services.programme_create(
            actor=UserFactory(role=role), name="P", funder="F", starts_on=START
        )


def test_update(coordinator):
    programme = _programme()
    services.programme_update(
        actor=coordinator,
        programme=programme,
        territory=" Montreuil ",
        disclosure_threshold=7,
        indicators=[],
    )
    programme.refresh_from_db()
    assert (programme.territory, programme.disclosure_threshold) == ("Montreuil", 7)


def test_update_refuses_a_threshold_below_five(coordinator):
    programme = _programme()
    with pytest.raises(ValidationError):
        services.programme_update(actor=coordinator, programme=programme, k_anonymity=3)
    programme.refresh_from_db()
    assert programme.k_anonymity == 11


def test_update_keeps_the_members_inside_the_period(coordinator):
    programme = _programme()
    ProgrammeMemberFactory(programme=programme, joined_on=datetime.date(2025, 3, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.programme_update(
            actor=coordinator, programme=programme, starts_on=datetime.date(2025, 6, 1)
        )
    assert "01/03/2025" in _errors(excinfo)["starts_on"][0]
    with pytest.raises(ValidationError) as excinfo:
        services.programme_update(
            actor=coordinator, programme=programme, ends_on=datetime.date(2025, 2, 1)
        )
    assert "ends_on" in _errors(excinfo)


def test_update_rejects_unknown_fields(coordinator):
    with pytest.raises(TypeError):
        services.programme_update(actor=coordinator, programme=_programme(), readers=[])


# --- funders and contacts -------------------------------------------------------------------


def test_attach_an_existing_funder(coordinator):
    programme, funder = _programme(), FunderFactory()
    assert services.funder_attach(actor=coordinator, programme=programme, funder=funder) == funder
    assert list(programme.funders.all()) == [funder]


def test_attach_a_new_funder(coordinator):
    programme = _programme()
    funder = services.funder_attach(
        actor=coordinator,
        programme=programme,
        name=" ARS   Île-de-France ",
        kind=FunderKind.HEALTH_AGENCY,
    )
    assert funder.name == "ARS Île-de-France"
    assert funder.kind == FunderKind.HEALTH_AGENCY
    assert list(programme.funders.all()) == [funder]


def test_a_known_name_is_the_known_funder(coordinator):
    known = FunderFactory(name="Fondation de France")
    funder = services.funder_attach(
        actor=coordinator, programme=_programme(), name="fondation de france"
    )
    assert funder == known
    assert Funder.objects.count() == 1


def test_a_new_funder_needs_a_name_and_a_kind(coordinator):
    programme = _programme()
    with pytest.raises(ValidationError) as excinfo:
        services.funder_attach(actor=coordinator, programme=programme, name=" ")
    assert "name" in _errors(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.funder_attach(actor=coordinator, programme=programme, name="Nouveau")
    assert "kind" in _errors(excinfo)
    assert not Funder.objects.exists()


def test_a_funder_is_attached_once(coordinator):
    programme = _programme()
    funder = FunderFactory(programmes=[programme])
    with pytest.raises(ValidationError) as excinfo:
        services.funder_attach(actor=coordinator, programme=programme, funder=funder)
    assert "finance déjà" in _errors(excinfo)["funder"][0]


def test_detach_keeps_the_funder_and_its_contacts(coordinator):
    programme, other = _programme(), _programme()
    funder = FunderFactory(programmes=[programme, other])
    FunderContactFactory(funder=funder)
    services.funder_detach(actor=coordinator, programme=programme, funder=funder)
    assert list(funder.programmes.all()) == [other]
    assert funder.contacts.count() == 1


def test_contact_add_update_remove(coordinator):
    funder = FunderFactory()
    contact = services.contact_add(
        actor=coordinator,
        funder=funder,
        full_name=" Anne  Durand ",
        email="anne.durand@ars.example",
        position="Chargée de mission",
    )
    assert contact.full_name == "Anne Durand"
    assert contact.receives_reports
    services.contact_update(
        actor=coordinator,
        contact=contact,
        full_name="Anne Durand",
        email="a.durand@ars.example",
        receives_reports=False,
    )
    contact.refresh_from_db()
    assert (contact.email, contact.receives_reports, contact.position) == (
        "a.durand@ars.example",
        False,
        "",
    )
    services.contact_remove(actor=coordinator, contact=contact)
    assert not FunderContact.objects.exists()


def test_contact_address_once_per_funder(coordinator):
    existing = FunderContactFactory(email="anne@ars.example")
    with pytest.raises(ValidationError) as excinfo:
        services.contact_add(
            actor=coordinator, funder=existing.funder, full_name="A", email="ANNE@ars.example"
        )
    assert _errors(excinfo)["email"] == ["Ce contact existe déjà chez ce financeur."]
    other = FunderContactFactory(funder=existing.funder)
    with pytest.raises(ValidationError):
        services.contact_update(
            actor=coordinator, contact=other, full_name="B", email="anne@ars.example"
        )
    # The same person may be a contact at another funder.
    services.contact_add(
        actor=coordinator, funder=FunderFactory(), full_name="A", email="anne@ars.example"
    )


def test_contact_address_must_be_an_address(coordinator):
    with pytest.raises(ValidationError) as excinfo:
        services.contact_add(
            actor=coordinator, funder=FunderFactory(), full_name="A", email="pas une adresse"
        )
    assert "email" in _errors(excinfo)


# --- readers ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.FUNDER, Role.RESEARCHER])
def test_reader_attach_and_detach(coordinator, role):
    programme, reader = _programme(), UserFactory(role=role)
    services.reader_attach(actor=coordinator, programme=programme, user=reader)
    assert list(Programme.objects.visible_to(reader)) == [programme]
    services.reader_detach(actor=coordinator, programme=programme, user=reader)
    assert not Programme.objects.visible_to(reader).exists()


@pytest.mark.parametrize(
    "role",
    [
        Role.ENTREPRENEUR,
        Role.COORDINATOR,
        Role.ACCOUNTANT,
        Role.PEER_SUPPORT_LEAD,
        Role.ADMINISTRATOR,
    ],
)
def test_only_funder_and_researcher_accounts_read(coordinator, role):
    programme = _programme()
    with pytest.raises(ValidationError) as excinfo:
        services.reader_attach(actor=coordinator, programme=programme, user=UserFactory(role=role))
    assert "financeur ou de chercheur·e" in _errors(excinfo)["user"][0]
    assert not programme.readers.exists()


def test_reader_attached_once_and_active(coordinator):
    programme, reader = _programme(), UserFactory(role=Role.FUNDER)
    services.reader_attach(actor=coordinator, programme=programme, user=reader)
    with pytest.raises(ValidationError):
        services.reader_attach(actor=coordinator, programme=programme, user=reader)
    with pytest.raises(ValidationError):
        services.reader_attach(
            actor=coordinator,
            programme=programme,
            user=UserFactory(role=Role.FUNDER, is_active=False),
        )


# --- members covered ------------------------------------------------------------------------


def test_member_add_and_end(coordinator):
    programme, member = _programme(), MemberFactory()
    membership = services.programme_member_add(
        actor=coordinator, programme=programme, member=member, joined_on=datetime.date(2025, 2, 1)
    )
    assert membership.added_by == coordinator
    assert list(ProgrammeMember.objects.between(START, END)) == [membership]
    services.programme_member_end(
        actor=coordinator, membership=membership, left_on=datetime.date(2025, 6, 30)
    )
    membership.refresh_from_db()
    assert membership.left_on == datetime.date(2025, 6, 30)
    assert not ProgrammeMember.objects.on(datetime.date(2025, 7, 1)).exists()


def test_member_already_in(coordinator):
    programme = _programme()
    existing = ProgrammeMemberFactory(programme=programme, joined_on=datetime.date(2025, 2, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.programme_member_add(
            actor=coordinator,
            programme=programme,
            member=existing.member,
            joined_on=datetime.date(2025, 3, 1),
        )
    assert "déjà dans le programme depuis le 01/02/2025" in _errors(excinfo)["member"][0]


def test_member_who_left_cannot_be_added_again(coordinator):
    programme = _programme()
    existing = ProgrammeMemberFactory(
        programme=programme,
        joined_on=datetime.date(2025, 2, 1),
        left_on=datetime.date(2025, 3, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.programme_member_add(
            actor=coordinator,
            programme=programme,
            member=existing.member,
            joined_on=datetime.date(2025, 4, 1),
        )
    assert "du 01/02/2025 au 01/03/2025" in _errors(excinfo)["member"][0]


@pytest.mark.parametrize("day", [datetime.date(2024, 12, 31), datetime.date(2027, 1, 1)])
def test_member_joins_within_the_programme(coordinator, day):
    with pytest.raises(ValidationError) as excinfo:
        services.programme_member_add(
            actor=coordinator, programme=_programme(), member=MemberFactory(), joined_on=day
        )
    assert "joined_on" in _errors(excinfo)
    assert not ProgrammeMember.objects.exists()


def test_member_end_dates(coordinator):
    membership = ProgrammeMemberFactory(programme=_programme(), joined_on=datetime.date(2025, 5, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.programme_member_end(
            actor=coordinator, membership=membership, left_on=datetime.date(2025, 4, 30)
        )
    assert "après cette date" in _errors(excinfo)["left_on"][0]
    with pytest.raises(ValidationError):
        services.programme_member_end(
            actor=coordinator, membership=membership, left_on=datetime.date(2027, 1, 1)
        )
    services.programme_member_end(
        actor=coordinator, membership=membership, left_on=datetime.date(2025, 5, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.programme_member_end(
            actor=coordinator, membership=membership, left_on=datetime.date(2025, 6, 1)
        )
    assert "déjà quitté" in _errors(excinfo)["left_on"][0]


def test_members_are_set_up_by_coordinators_only():
    programme, member = _programme(), MemberFactory()
    with pytest.raises(PermissionDenied):
        services.programme_member_add(
            actor=UserFactory(role=Role.ADMINISTRATOR),
            programme=programme,
            member=member,
            joined_on=START,
        )


# --- the seed step ------------------------------------------------------------------------


def _seed_all(seed=2026):
    from activities.seed import seed_activities
    from coop.seed import seed_clients, seed_programmes
    from members.seed import seed_members, seed_path
    from peer_support.seed import seed_peer_support
    from research.seed import seed_research

    rng, faker = random.Random(seed), Faker("fr_FR")
    faker.seed_instance(seed)
    seed_members(rng=rng, faker=faker, size="demo")
    seed_programmes(rng=rng, faker=faker, size="demo")
    seed_path(rng=rng, faker=faker, size="demo")
    seed_clients(rng=rng, faker=faker, size="demo")
    seed_activities(rng=rng, faker=faker, size="demo")
    seed_peer_support(rng=rng, faker=faker, size="demo")
    seed_research(rng=rng, faker=faker, size="demo")


@pytest.fixture
def _private_files_in_tmp(settings, tmp_path):
    """The activities demo writes real receipts: keep them out of the media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.usefixtures("_private_files_in_tmp")
def test_seed_step():
    from members.seed import DEMO_LOGINS
    from research.seed import tagged_first_days

    _seed_all()
    programmes = list(Programme.objects.all())
    # Every programme has one or two funders, each with a contact who gets the reports
    # (fictional addresses), the main funder first among them.
    for programme in programmes:
        funders = list(programme.funders.all())
        assert 1 <= len(funders) <= 2
        assert programme.funder in {f.name for f in funders}
    for contact in FunderContact.objects.exclude(email=DEMO_LOGINS[Role.FUNDER]):
        assert contact.email.endswith(".example")
    assert FunderContact.objects.receiving_reports().exists()
    # The demo funder and researcher read some programmes, not all.
    for role in (Role.FUNDER, Role.RESEARCHER):
        read = Programme.objects.visible_to(
            UserFactory._meta.model.objects.get(email=DEMO_LOGINS[role])
        )
        assert 0 < read.count() < len(programmes)
    # Members covered: exactly the tagged ones, from their first tagged day.
    firsts = tagged_first_days(timezone.localdate())
    memberships = list(ProgrammeMember.objects.select_related("programme"))
    assert memberships
    assert len(memberships) <= len(firsts)
    for membership in memberships:
        first = firsts[(membership.programme_id, membership.member_id)]
        assert membership.joined_on == max(first, membership.programme.starts_on)
        assert membership.left_on is None or membership.left_on >= membership.joined_on
