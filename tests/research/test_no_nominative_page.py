"""Funders and researchers never reach a nominative page (DESIGN.md, rule 3): every
route of the site, filled with the ids of a member, an accompanied person, their
meeting, their programme and the reader's own objects, is asked by a funder and a
researcher of that programme; no answer names the member or the accompanied person."""

import re

import pytest

from members.enums import Role
from tests.activities.factories import MissionFactory
from tests.members.factories import MemberFactory, ProgrammeFactory, UserFactory
from tests.peer_support.factories import FollowUpFactory, MeetingFactory
from tests.research.factories import ProgrammeMemberFactory
from tests.test_urls_anonymous import ROUTES

MEMBER_FIRST, MEMBER_LAST = "Zéphyrine", "Quillebeuf-Andrade"
ACCOMPANIED = "Anatolie-Brunehaut"


def _paths(route: str, ids: list[int]) -> list[str]:
    """The route filled with each of the ids (every int argument the same), or once with
    sample text for other arguments; none for regex routes."""
    if route.startswith("^"):
        return []
    if "<int:" not in route:
        return ["/" + re.sub(r"<(?:\w+:)?\w+>", "abc", route)]
    return [
        "/"
        + re.sub(
            r"<(?:\w+:)?\w+>",
            lambda m, i=i: str(i) if m.group(0).startswith("<int:") else "abc",
            route,
        )
        for i in ids
    ]


def _world(role, client, reader=None):
    """A member and an accompanied person of a programme, with distinctive names; the
    client logged in as a reader of the programme (or as `reader`). The ids to try."""
    programme = ProgrammeFactory()
    member = MemberFactory(path="cape", first_name=MEMBER_FIRST, last_name=MEMBER_LAST)
    ProgrammeMemberFactory(programme=programme, member=member)
    MissionFactory(entrepreneurs=[member], programme=programme)
    followup = FollowUpFactory(pseudonym=ACCOMPANIED, programme=programme)
    meeting = MeetingFactory(followup=followup)
    if reader is None:
        reader = UserFactory(role=role)
        programme.readers.add(reader)
        client.force_login(reader)
    return sorted({member.pk, member.user_id, followup.pk, meeting.pk, programme.pk, reader.pk})


def _named(client, ids) -> tuple[int, list[str]]:
    """How many pages were asked, and those that name a person."""
    asked, naming = 0, []
    for route, _name in ROUTES:
        if route.startswith(("admin/", "compte/", "langue/")):
            continue
        for path in _paths(route, ids):
            response = client.get(path)
            asked += 1
            assert response.status_code < 500, path
            if response.status_code != 200 or response.get("Content-Type", "").startswith(
                "application/pdf"
            ):
                continue
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode(errors="ignore")
            if any(name in text for name in (MEMBER_FIRST, MEMBER_LAST, ACCOMPANIED)):
                naming.append(path)
    return asked, naming


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.FUNDER, Role.RESEARCHER])
def test_no_route_names_a_person_to_funders_and_researchers(client, role):
    asked, naming = _named(client, _world(role, client))
    assert asked > 100
    assert naming == []


@pytest.mark.django_db
def test_the_walk_would_see_a_name(client_of_role):
    """The same walk as a coordinator finds the member named: the test can fail."""
    client = client_of_role(Role.COORDINATOR)
    _asked, naming = _named(client, _world(Role.COORDINATOR, client, reader=client.user))
    assert naming
