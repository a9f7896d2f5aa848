"""Treasury pages: the entrepreneur's own statement (phone, plain words), every account
for the coordinators and accountants, and one account's statement."""

import html as html_lib
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from coop.enums import AccountExpenseKind
from coop.treasury import add_months, first_of_month
from members.enums import Role
from tests.coop.factories_accounting import (
    CooperativeProfileFactory,
    account_expense,
    session_expense,
    treasury_scenario,
)
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

MY_URL = reverse("coop:my_treasury")
LIST_URL = reverse("coop:treasury_list")

STAFF = [Role.COORDINATOR, Role.ACCOUNTANT, Role.ADMINISTRATOR]
NOT_STAFF = [role for role in Role if role not in STAFF]
NEVER = [Role.PEER_SUPPORT_LEAD, Role.FUNDER, Role.RESEARCHER]


def _text(response) -> str:
    """The page's words, without tags, entities decoded, every kind of space plain."""
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def _detail_url(member) -> str:
    return reverse("coop:treasury_detail", args=[member.pk])


def _entrepreneur(client_of_role, **member_fields):
    client = client_of_role(Role.ENTREPRENEUR)
    client.member = MemberFactory(user=client.user, path="cape", **member_fields)
    return client


def _small_account(member, expenses: int):
    """An account with only costs: quick to build at any size."""
    month = first_of_month(timezone.localdate())
    for index in range(expenses):
        account_expense(
            member, AccountExpenseKind.SUPPLIER_INVOICE, month, f"{index + 1}.00", supplier="Leroy"
        )
        session_expense(member, month, "2.00")


# --- my treasury ------------------------------------------------------------------------


def test_my_treasury_anonymous(client):
    response = client.get(MY_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", [role for role in Role if role != Role.ENTREPRENEUR])
def test_my_treasury_is_the_entrepreneurs(client_of_role, role):
    assert client_of_role(role).get(MY_URL).status_code == 403


def test_my_treasury_wrong_method(client_of_role):
    assert _entrepreneur(client_of_role).post(MY_URL).status_code == 405


def test_my_treasury_in_plain_words(client_of_role):
    client = _entrepreneur(client_of_role)
    invoices = treasury_scenario(client.member)
    response = client.get(MY_URL)
    assert response.status_code == 200
    text = _text(response)
    assert "Sur votre compte aujourd'hui 39,63 €" in text
    assert "Ce mois-ci, vous pouvez vous verser jusqu'à 22,01 € net." in text
    assert "Pour 1 € de salaire net, la coopérative paie 1,80 € avec les cotisations." in text
    # Money to come, and what it will bring.
    assert "Vos clients vous doivent encore 61,97 € (avec la TVA)." in text
    assert "Quand tout sera payé, votre compte recevra environ 47,51 €." in text
    assert f"Facture {invoices['c'].number}" in text
    # Twelve months by default, the newest first, each line explained.
    statement = response.context["statement"]
    assert len(statement.months) == 12
    month = timezone.localdate()
    assert text.index(f"{_month_name(month)}") < text.index(
        _month_name(add_months(first_of_month(month), -1))
    )
    assert "Payé par les clients 71,43 €" in text
    assert "Part de la coopérative -7,14 €" in text
    assert "Dépenses -180,00 €" in text
    assert "Reste sur le compte 39,63 €" in text
    assert "Aujourd'hui, ce taux est de 8 %." in text
    assert "Chaque facture garde le taux du jour où elle a été faite." in text


def _month_name(day) -> str:
    from django.utils.dateformat import format as date_format

    return date_format(day, "F Y")


def test_my_treasury_overdrawn(client_of_role):
    client = _entrepreneur(client_of_role)
    CooperativeProfileFactory()
    account_expense(
        client.member, AccountExpenseKind.SALARY, first_of_month(timezone.localdate()), "90.00"
    )
    text = _text(client.get(MY_URL))
    assert "-90,00 €" in text
    assert "Ce mois-ci, vous ne pouvez pas vous verser de salaire." in text
    assert "Votre compte est dans le rouge." in text


def test_my_treasury_shows_the_months_asked_for(client_of_role):
    client = _entrepreneur(client_of_role)
    response = client.get(MY_URL, {"months": "24"})
    assert len(response.context["statement"].months) == 24
    assert 'value="24" selected' in response.content.decode()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Choisissez un nombre de mois entre 1 et 120."),
        ("500", "Choisissez au plus 120 mois."),
        ("0", "Choisissez au moins 1 mois."),
    ],
)
def test_my_treasury_bad_months(client_of_role, typed, message):
    client = _entrepreneur(client_of_role)
    response = client.get(MY_URL, {"months": typed})
    assert response.status_code == 200
    assert message in _text(response)
    # The page still answers, with the usual twelve months, and the list says so.
    assert len(response.context["statement"].months) == 12
    assert 'value="12" selected' in response.content.decode()


def test_my_treasury_without_a_member_record(client_of_role):
    response = client_of_role(Role.ENTREPRENEUR).get(MY_URL)
    assert response.status_code == 200
    assert "Votre dossier n'est pas encore ouvert." in _text(response)


@pytest.mark.parametrize("expenses", [1, 8])
def test_my_treasury_query_count_does_not_grow(client_of_role, django_assert_num_queries, expenses):
    client = _entrepreneur(client_of_role)
    CooperativeProfileFactory()
    _small_account(client.member, expenses)
    # session, user (an entrepreneur has no second factor to check), the member;
    # invoices, payments, account expenses, session expenses by month; unpaid invoices;
    # the cooperative; the member's own rate
    with django_assert_num_queries(10):
        response = client.get(MY_URL)
    assert response.status_code == 200


# --- every account ----------------------------------------------------------------------


def test_list_anonymous(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NOT_STAFF)
def test_list_refused(client_of_role, role):
    assert client_of_role(role).get(LIST_URL).status_code == 403


def test_list_wrong_method(client_of_role):
    assert client_of_role(Role.COORDINATOR).post(LIST_URL).status_code == 405


@pytest.mark.parametrize("role", STAFF)
def test_list_every_account(client_of_role, role):
    client = client_of_role(role)
    awa = MemberFactory(path="cape", first_name="Awa", last_name="Diallo")
    treasury_scenario(awa)
    bruno = MemberFactory(path="cape", first_name="Bruno", last_name="Petit")
    _small_account(bruno, 2)  # 1 + 2 supplier invoices, 2 × 2 session expenses: −7
    MemberFactory(user=None, first_name="Chloé", last_name="Roux")  # a candidate: no account
    response = client.get(LIST_URL)
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert [member.last_name for member in rows] == ["Diallo", "Petit"]
    assert rows[0].balance == Decimal("39.63")
    assert rows[1].balance == Decimal("-7.00")
    text = _text(response)
    assert "2 comptes" in text
    assert "39,63 €" in text and "-7,00 €" in text
    assert f'href="{_detail_url(awa)}"' in response.content.decode()


def test_list_search_by_name(client_of_role):
    client = client_of_role(Role.ACCOUNTANT)
    MemberFactory(path="cape", first_name="Awa", last_name="Diallo")
    MemberFactory(path="cape", first_name="Bruno", last_name="Petit")
    response = client.get(LIST_URL, {"q": "dial"})
    assert [member.last_name for member in response.context["page"]] == ["Diallo"]
    assert 'value="dial"' in response.content.decode()
    assert [m.last_name for m in client.get(LIST_URL, {"q": "awa diallo"}).context["page"]] == [
        "Diallo"
    ]


def test_list_of_another_year(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MemberFactory(path="cape")
    year = timezone.localdate().year - 1
    response = client.get(LIST_URL, {"year": str(year)})
    assert response.context["year"] == year
    assert f"Facturé en {year}" in _text(response)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("deux mille", "Écrivez une année en chiffres, par exemple 2026."),
        ("1999", "Choisissez une année à partir de 2000."),
    ],
)
def test_list_bad_year_is_kept_with_a_message(client_of_role, typed, message):
    client = client_of_role(Role.COORDINATOR)
    MemberFactory(path="cape")
    response = client.get(LIST_URL, {"year": typed, "q": "Mart"})
    assert response.status_code == 200
    text = _text(response)
    assert message in text
    assert f'value="{typed}"' in response.content.decode()
    assert 'value="Mart"' in response.content.decode()
    assert not response.context["page"].object_list
    assert "Corrigez la recherche pour voir la liste." in text


def test_list_is_paginated(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    for index in range(51):
        MemberFactory(path=None, last_name=f"Nom{index:02d}")
    first = client.get(LIST_URL)
    assert len(first.context["page"]) == 50
    second = client.get(LIST_URL, {"page": "2"})
    assert [member.last_name for member in second.context["page"]] == ["Nom50"]


@pytest.mark.parametrize("members", [2, 9])
def test_list_query_count_does_not_grow(client_of_role, django_assert_num_queries, members):
    client = client_of_role(Role.COORDINATOR)
    for _ in range(members):
        _small_account(MemberFactory(path=None), 1)
    # session, user, two-factor check; count of accounts; the page of accounts with their
    # figures (subqueries of the same query)
    with django_assert_num_queries(5):
        response = client.get(LIST_URL)
    assert len(response.context["page"]) == members


# --- one account ------------------------------------------------------------------------


def test_detail_anonymous(client):
    member = MemberFactory()
    response = client.get(_detail_url(member))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NEVER)
def test_detail_refused(client_of_role, role):
    assert client_of_role(role).get(_detail_url(MemberFactory())).status_code == 403


def test_detail_of_another_entrepreneur_is_404(client_of_role):
    client = _entrepreneur(client_of_role)
    assert client.get(_detail_url(MemberFactory())).status_code == 404


def test_detail_of_oneself_is_the_phone_page(client_of_role):
    client = _entrepreneur(client_of_role)
    response = client.get(_detail_url(client.member))
    assert response.status_code == 302
    assert response["Location"] == MY_URL


def test_detail_wrong_method(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.post(_detail_url(MemberFactory())).status_code == 405


def test_detail_unknown_member(client_of_role):
    assert client_of_role(Role.COORDINATOR).get(_detail_url_pk(999999)).status_code == 404


def _detail_url_pk(pk: int) -> str:
    return reverse("coop:treasury_detail", args=[pk])


@pytest.mark.parametrize("role", STAFF)
def test_detail_statement(client_of_role, role):
    client = client_of_role(role)
    member = MemberFactory(path="cape", first_name="Awa", last_name="Diallo")
    treasury_scenario(member)
    response = client.get(_detail_url(member), {"months": "3"})
    assert response.status_code == 200
    text = _text(response)
    assert "Trésorerie de Awa Diallo" in text
    assert "Solde du compte aujourd'hui 39,63 €" in text
    assert "Salaire possible ce mois-ci : jusqu'à 22,01 € net." in text
    assert "Solde au début de la période : 270,00 €." in text
    # The totals of the three months, column by column.
    assert (
        "Total 393,31 € 363,10 € 410,00 € TTC 35,47 € 558,00 € achats 40,00 € "
        "notes de frais 25,50 € frais de séances 12,50 € salaires 480,00 € 39,63 €"
    ) in text
    assert "au taux figé sur chaque facture à son émission" in text
    assert "Reste à encaisser : 61,97 € TTC." in text


def test_detail_of_a_member_without_account(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    candidate = MemberFactory(user=None, first_name="Chloé", last_name="Roux")
    response = client.get(_detail_url(candidate))
    assert response.status_code == 200
    text = _text(response)
    assert "Trésorerie de Chloé Roux" in text
    assert "Cette personne n'a pas de compte sur la plateforme" in text
    assert "0,00 €" in text


def test_detail_bad_months(client_of_role):
    client = client_of_role(Role.ACCOUNTANT)
    member = MemberFactory()
    response = client.get(_detail_url(member), {"months": "douze"})
    assert response.status_code == 200
    assert "Choisissez un nombre de mois entre 1 et 120." in _text(response)


@pytest.mark.parametrize("expenses", [1, 8])
def test_detail_query_count_does_not_grow(client_of_role, django_assert_num_queries, expenses):
    client = client_of_role(Role.COORDINATOR)
    CooperativeProfileFactory()
    member = MemberFactory(path="cape")
    _small_account(member, expenses)
    # session, user, two-factor check, the member; invoices, payments, account expenses,
    # session expenses by month; unpaid invoices; the cooperative; the member's own rate
    with django_assert_num_queries(11):
        response = client.get(_detail_url(member))
    assert response.status_code == 200
