"""Moving a member along the path accueil → CAPE → CESA → associé → sortie: each move is
a small form; impossible moves are refused with the service's French message and what
was typed stays in the form."""

import datetime
import html as html_lib

import pytest
from django.urls import reverse
from django.utils import timezone

from members import services
from members.dates import add_years
from members.enums import ContractKind, Role, Stage
from members.models import Contract, PathStep
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

MOVES = ["cape", "renouvellement", "cesa", "associe", "sortie"]


def _day(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _url(member, move: str) -> str:
    return reverse("members:member_path", args=[member.pk, move])


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


# --- access ---------------------------------------------------------------------------


@pytest.mark.parametrize("move", MOVES)
def test_path_anonymous(client, move):
    member = MemberFactory()
    response = client.get(_url(member, move))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("move", MOVES)
def test_path_for_each_role(client_of_role, role, move):
    member = MemberFactory(path="cape")
    expected = {Role.COORDINATOR: 200, Role.ENTREPRENEUR: 404}.get(role, 403)
    assert client_of_role(role).get(_url(member, move)).status_code == expected


def test_path_entrepreneur_cannot_move_anyone(client):
    member, other = MemberFactory(), MemberFactory()
    client.force_login(member.user)
    data = {"start_date": _day(0), "planned_end_date": _day(100)}
    for target in (member, other):
        assert client.post(_url(target, "cape"), data).status_code == 404
    assert not Contract.objects.exists()


def test_path_unknown_move_is_404(client_of_role):
    member = MemberFactory()
    client = client_of_role(Role.COORDINATOR)
    assert client.get(_url(member, "licenciement")).status_code == 404
    assert client.post(_url(member, "licenciement"), {}).status_code == 404


def test_path_unknown_member_is_404(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.get(reverse("members:member_path", args=[999999, "cape"])).status_code == 404


def test_path_wrong_method(client_of_role):
    member = MemberFactory()
    client = client_of_role(Role.COORDINATOR)
    assert client.put(_url(member, "cape")).status_code == 405


def test_path_form_says_where_the_member_stands(client_of_role):
    member = MemberFactory(path="cape")
    response = client_of_role(Role.COORDINATOR).get(_url(member, "cesa"))
    html = _text(response)
    assert "Signer un CESA" in html
    assert f"CAPE depuis le {member.stage_since:%d/%m/%Y}" in html


# --- moves that happen ----------------------------------------------------------------


def test_cape_start(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    data = {"start_date": _day(-10), "planned_end_date": _day(300)}
    response = client.post(_url(member, "cape"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("members:member_detail", args=[member.pk])
    member.refresh_from_db()
    assert (member.stage, member.stage_since) == (Stage.CAPE, _day(-10))
    contract = Contract.objects.get(member=member)
    assert (contract.kind, contract.planned_end_date, contract.created_by) == (
        ContractKind.CAPE,
        _day(300),
        client.user,
    )
    assert "Le CAPE est enregistré." in _text(client.get(response["Location"]))


def test_cape_renew_starts_the_day_after_by_default(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(path="cape")
    first = member.contracts.get()
    response = client.post(_url(member, "renouvellement"), {"planned_end_date": _day(100)})
    assert response.status_code == 302
    renewal = member.contracts.get(end_date__isnull=True)
    assert renewal.renewal_of == first
    assert renewal.start_date == first.planned_end_date + datetime.timedelta(days=1)
    first.refresh_from_db()
    assert first.end_date == first.planned_end_date


def test_cape_renew_with_a_start_date(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(path="cape")
    data = {"start_date": _day(-30), "planned_end_date": _day(200)}
    assert client.post(_url(member, "renouvellement"), data).status_code == 302
    assert member.contracts.get(end_date__isnull=True).start_date == _day(-30)


def test_cesa_start(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(path="cape")
    assert client.post(_url(member, "cesa"), {"start_date": _day(0)}).status_code == 302
    member.refresh_from_db()
    assert member.stage == Stage.CESA
    assert member.contracts.get(end_date__isnull=True).kind == ContractKind.CESA


def test_associate_join(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(path="cesa")
    assert client.post(_url(member, "associe"), {"on": _day(0)}).status_code == 302
    member.refresh_from_db()
    assert (member.stage, member.stage_since) == (Stage.ASSOCIATE, _day(0))


def test_member_exit(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(path="associate")
    data = {"on": _day(0), "reason": "own_company"}
    assert client.post(_url(member, "sortie"), data).status_code == 302
    member.refresh_from_db()
    assert (member.stage, member.exited_on, member.exit_reason) == (
        Stage.EXITED,
        _day(0),
        "own_company",
    )
    assert not member.contracts.filter(end_date__isnull=True).exists()
    assert PathStep.objects.filter(member=member, stage=Stage.EXITED).count() == 1


# --- impossible moves -----------------------------------------------------------------


def _refused(client, member, move, data, message, kept=()):
    """The move is refused with `message`, the form keeps `kept`, nothing changed."""
    steps_before = PathStep.objects.filter(member=member).count()
    contracts_before = list(Contract.objects.filter(member=member).values())
    response = client.post(_url(member, move), data)
    assert response.status_code == 200
    html = _text(response)
    assert message in html
    for value in kept:
        assert f'value="{value}"' in html
    assert PathStep.objects.filter(member=member).count() == steps_before
    assert list(Contract.objects.filter(member=member).values()) == contracts_before
    return response


def test_cesa_before_cape_is_refused(client_of_role):
    member = MemberFactory()
    _refused(
        client_of_role(Role.COORDINATOR),
        member,
        "cesa",
        {"start_date": _day(0)},
        "Un CESA se signe après un CAPE en cours.",
        kept=[_day(0).isoformat()],
    )


def test_cape_with_dates_in_the_wrong_order_is_refused(client_of_role):
    member = MemberFactory()
    response = _refused(
        client_of_role(Role.COORDINATOR),
        member,
        "cape",
        {"start_date": _day(0), "planned_end_date": _day(-5)},
        "La fin prévue précède le début.",
        kept=[_day(0).isoformat(), _day(-5).isoformat()],
    )
    assert "planned_end_date" in response.context["form"].errors


def test_cape_longer_than_twelve_months_is_refused(client_of_role):
    member = MemberFactory()
    _refused(
        client_of_role(Role.COORDINATOR),
        member,
        "cape",
        {"start_date": _day(0), "planned_end_date": _day(400)},
        "Un CAPE dure au plus douze mois",
    )


def test_cape_before_the_welcome_is_refused(client_of_role):
    member = MemberFactory()
    _refused(
        client_of_role(Role.COORDINATOR),
        member,
        "cape",
        {"start_date": _day(-500), "planned_end_date": _day(-400)},
        "Le CAPE ne peut pas commencer avant l'accueil",
    )


def test_second_open_contract_is_refused(client_of_role):
    member = MemberFactory(path="cape")
    _refused(
        client_of_role(Role.COORDINATOR),
        member,
        "cape",
        {"start_date": _day(0), "planned_end_date": _day(100)},
        "Un premier CAPE se signe à l'étape d'accueil",
    )
    assert member.contracts.filter(end_date__isnull=True).count() == 1


def test_renewal_without_a_cape_is_refused(client_of_role):
    member = MemberFactory()
    _refused(
        client_of_role(Role.COORDINATOR),
        member,
        "renouvellement",
        {"planned_end_date": _day(100)},
        "Seul un CAPE en cours peut être renouvelé.",
    )


def test_third_renewal_is_refused(client_of_role):
    member = MemberFactory(path="cape")
    for _ in range(2):
        current = member.contracts.get(end_date__isnull=True)
        services.cape_renew(
            actor=member.coordinator,
            member=member,
            planned_end_date=current.planned_end_date + datetime.timedelta(days=60),
        )
    current = member.contracts.get(end_date__isnull=True)
    _refused(
        client_of_role(Role.COORDINATOR),
        member,
        "renouvellement",
        {"planned_end_date": current.planned_end_date + datetime.timedelta(days=60)},
        "Un CAPE ne se renouvelle que deux fois",
    )


def test_cesa_starting_before_the_cape_is_refused(client_of_role):
    member = MemberFactory(path="cape")
    cape = member.contracts.get()
    _refused(
        client_of_role(Role.COORDINATOR),
        member,
        "cesa",
        {"start_date": cape.start_date - datetime.timedelta(days=1)},
        "Le CESA commence après le début du CAPE",
    )


def test_associate_without_cesa_is_refused(client_of_role):
    member = MemberFactory(path="cape")
    _refused(
        client_of_role(Role.COORDINATOR),
        member,
        "associe",
        {"on": _day(0)},
        "On devient associé·e en étant titulaire d'un CESA.",
    )


def test_associate_after_three_years_is_refused(client_of_role):
    member = MemberFactory(path="cesa")
    cesa = member.contracts.get(end_date__isnull=True)
    late = add_years(cesa.start_date, 3) + datetime.timedelta(days=1)
    _refused(
        client_of_role(Role.COORDINATOR),
        member,
        "associe",
        {"on": late},
        "Le délai de trois ans après le début du CESA est dépassé",
        kept=[late.isoformat()],
    )


def test_exit_twice_is_refused(client_of_role):
    member = MemberFactory(path="exited")
    _refused(
        client_of_role(Role.COORDINATOR),
        member,
        "sortie",
        {"on": _day(0), "reason": "other"},
        "Cette personne est déjà sortie de la coopérative.",
    )


def test_exit_before_the_contract_is_refused(client_of_role):
    member = MemberFactory(path="cape")
    cape = member.contracts.get()
    _refused(
        client_of_role(Role.COORDINATOR),
        member,
        "sortie",
        {"on": cape.start_date - datetime.timedelta(days=1), "reason": "personal"},
        "La sortie précède le début du contrat en cours.",
    )


@pytest.mark.parametrize(
    ("move", "data", "message"),
    [
        ("cape", {"start_date": "", "planned_end_date": ""}, "Ce champ est obligatoire."),
        ("cesa", {"start_date": "31/02/2026"}, "Saisissez une date valide."),
        ("sortie", {"on": "2026-01-01", "reason": "caprice"}, "Sélectionnez un choix valide."),
    ],
)
def test_path_bad_input(client_of_role, move, data, message):
    member = MemberFactory(path="cape" if move == "cesa" else None)
    _refused(client_of_role(Role.COORDINATOR), member, move, data, message)
