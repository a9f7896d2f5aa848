"""The register of associates: the list, an associate's page with the ledger, admission,
each operation of the ledger, the terms of the shares, and the register as a PDF."""

from decimal import Decimal

import pytest
from django.urls import reverse

from coop.enums import AssociateCategory, ShareMovementKind
from coop.models import Associate, ShareTerms
from members.enums import Role
from tests.coop.factories_collectives import CollectiveFactory, CollectivePersonFactory
from tests.coop.factories_governance import AssociateFactory, ShareTermsFactory, pdf_text

pytestmark = pytest.mark.django_db

READERS = [Role.COORDINATOR, Role.ADMINISTRATOR, Role.ACCOUNTANT]
NOT_READERS = [role for role in Role if role not in READERS]
NOT_COORDINATORS = [role for role in Role if role != Role.COORDINATOR]


def _url(name, *args):
    return reverse(f"coop:{name}", args=args)


def _html(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- anonymous and wrong methods -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "with_pk"),
    [
        ("associate_list", False),
        ("associate_create", False),
        ("share_terms_edit", False),
        ("associate_register_pdf", False),
        ("associate_detail", True),
    ],
)
def test_anonymous_goes_to_login(client, name, with_pk):
    args = [AssociateFactory().pk] if with_pk else []
    response = client.get(_url(name, *args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_operation_goes_to_login(client):
    response = client.get(_url("associate_movement", AssociateFactory().pk, "versement"))
    assert response.status_code == 302


@pytest.mark.parametrize("name", ["associate_list", "associate_register_pdf"])
def test_read_pages_refuse_post(client_of_role, name):
    CollectiveFactory(cooperative=True)
    assert client_of_role(Role.COORDINATOR).post(_url(name)).status_code == 405


def test_detail_refuses_post(client_of_role):
    associate = AssociateFactory()
    assert (
        client_of_role(Role.COORDINATOR).post(_url("associate_detail", associate.pk)).status_code
        == 405
    )


@pytest.mark.parametrize("name", ["associate_create", "share_terms_edit"])
def test_forms_refuse_put(client_of_role, name):
    CollectiveFactory(cooperative=True)
    assert client_of_role(Role.COORDINATOR).put(_url(name)).status_code == 405


# --- the list ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_list_for_readers(client_of_role, role):
    associate = AssociateFactory(shares=12, paid_amount=Decimal("700.00"))
    response = client_of_role(role).get(_url("associate_list"))
    assert response.status_code == 200
    html = _html(response)
    assert associate.name in html
    assert "700,00\xa0€" in html and "500,00\xa0€" in html  # paid, still to pay
    assert "1\xa0200,00\xa0€" in html  # subscribed capital
    assert ("Admettre un·e associé·e" in html) is (role == Role.COORDINATOR)


@pytest.mark.parametrize("role", NOT_READERS)
def test_list_refused_to_other_roles(client_of_role, role):
    AssociateFactory()
    assert client_of_role(role).get(_url("associate_list")).status_code == 403


def test_list_without_the_cooperative(client_of_role):
    html = _html(client_of_role(Role.COORDINATOR).get(_url("associate_list")))
    assert "pas encore enregistrée parmi les collectifs" in html


def test_list_filters(client_of_role):
    client = client_of_role(Role.ACCOUNTANT)
    kept = AssociateFactory(person__last_name="Zerbib")
    town = AssociateFactory(legal=True, collective=kept.collective, legal_name="Ville de Bagnolet")
    AssociateFactory(collective=kept.collective, person__last_name="Martin")
    page = client.get(_url("associate_list") + "?q=zerb").context["page"]
    assert list(page) == [kept]
    page = client.get(
        _url("associate_list") + f"?category={AssociateCategory.PUBLIC_AUTHORITY}"
    ).context["page"]
    assert list(page) == [town]


def test_list_shows_current_then_left(client_of_role):
    from coop import governance
    from coop.enums import AssociateExit

    client = client_of_role(Role.COORDINATOR)
    staying = AssociateFactory()
    leaving = AssociateFactory(collective=staying.collective)
    governance.associate_leave(
        actor=client.user, associate=leaving, on=leaving.admitted_on, reason=AssociateExit.DEATH
    )
    assert list(client.get(_url("associate_list")).context["page"]) == [staying]
    assert list(client.get(_url("associate_list") + "?status=partis").context["page"]) == [leaving]
    assert len(client.get(_url("associate_list") + "?status=tous").context["page"]) == 2


def test_list_bad_filter_keeps_what_was_typed(client_of_role):
    AssociateFactory()
    response = client_of_role(Role.COORDINATOR).get(_url("associate_list") + "?status=nimporte")
    assert response.status_code == 200
    assert "Corrigez les filtres" in _html(response)
    assert response.context["form"]["status"].value() == "nimporte"


@pytest.mark.parametrize("associates", [3, 30])
def test_list_query_count(client_of_role, django_assert_num_queries, associates):
    client = client_of_role(Role.COORDINATOR)
    first = AssociateFactory()
    for _ in range(associates - 1):
        AssociateFactory(collective=first.collective)
    # session, user, two-factor check, the cooperative, its terms, the count and the page
    # of associates (with their person), the register's totals
    with django_assert_num_queries(8):
        response = client.get(_url("associate_list"))
    assert response.status_code == 200


# --- an associate's page --------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_detail_shows_the_ledger(client_of_role, role):
    associate = AssociateFactory(shares=5, paid_amount=Decimal("200.00"))
    response = client_of_role(role).get(_url("associate_detail", associate.pk))
    assert response.status_code == 200
    html = _html(response)
    assert "Souscription" in html and "Libération (versement)" in html
    assert "reste 300,00 € à libérer" in html
    assert "Une voix, quel que soit le nombre de parts." in html
    assert ("Noter un versement" in html) is (role == Role.COORDINATOR)


@pytest.mark.parametrize("role", NOT_READERS)
def test_detail_refused_to_other_roles(client_of_role, role):
    assert (
        client_of_role(role).get(_url("associate_detail", AssociateFactory().pk)).status_code == 403
    )


def test_detail_unknown_associate(client_of_role):
    assert client_of_role(Role.COORDINATOR).get(_url("associate_detail", 999999)).status_code == 404


def test_detail_shows_the_refund_due_and_its_deadline(client_of_role):
    from coop import governance
    from coop.enums import AssociateExit

    client = client_of_role(Role.COORDINATOR)
    associate = AssociateFactory()
    governance.associate_leave(
        actor=client.user,
        associate=associate,
        on=associate.admitted_on,
        reason=AssociateExit.RESIGNATION,
    )
    html = _html(client.get(_url("associate_detail", associate.pk)))
    assert "La coopérative lui doit 1\xa0000,00 €" in html
    assert "au plus tard le" in html
    assert _url("associate_movement", associate.pk, "remboursement") in html
    assert _url("associate_movement", associate.pk, "versement") not in html


@pytest.mark.parametrize("movements", [2, 30])
def test_detail_query_count(client_of_role, django_assert_num_queries, movements):
    from coop import governance

    client = client_of_role(Role.COORDINATOR)
    associate = AssociateFactory(shares=100, paid_amount=Decimal("0"))
    for _ in range(movements):
        governance.shares_pay(
            actor=client.user, associate=associate, on=associate.admitted_on, amount=Decimal("1")
        )
    # session, user, two-factor check, the associate (person, collective), the count and the
    # page of movements (with their counterpart and author)
    with django_assert_num_queries(6):
        response = client.get(_url("associate_detail", associate.pk))
    assert response.status_code == 200


# --- admission ---------------------------------------------------------------------------------


def _admission_data(person=None, **overrides):
    data = {
        "person": person.pk if person else "",
        "legal_name": "",
        "siren": "",
        "representative": "",
        "email": "",
        "category": AssociateCategory.EMPLOYEE,
        "address": "12 rue Robespierre",
        "postcode": "93100",
        "commune": "Montreuil",
        "admitted_on": "2026-01-15",
        "shares": "3",
        "paid_amount": "150",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", NOT_COORDINATORS)
def test_admission_refused_to_other_roles(client_of_role, role):
    ShareTermsFactory()
    assert client_of_role(role).get(_url("associate_create")).status_code == 403


def test_admission_form_lists_members_not_yet_associates(client_of_role):
    associate = AssociateFactory()
    candidate = CollectivePersonFactory(collective=associate.collective, last_name="Nouvelle")
    response = client_of_role(Role.COORDINATOR).get(_url("associate_create"))
    choices = [value for value, _label in response.context["form"].fields["person"].choices]
    assert candidate.pk in [getattr(v, "value", v) for v in choices]
    assert associate.person.pk not in [getattr(v, "value", v) for v in choices]
    assert "Une part vaut 100,00 €" in _html(response)


def test_admission_happy_path(client_of_role):
    terms = ShareTermsFactory()
    person = CollectivePersonFactory(collective=terms.collective)
    response = client_of_role(Role.COORDINATOR).post(
        _url("associate_create"), _admission_data(person)
    )
    associate = Associate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("associate_detail", associate.pk)
    assert (associate.person, associate.shares, associate.paid) == (person, 3, Decimal("150"))


def test_admission_of_a_legal_person(client_of_role):
    ShareTermsFactory()
    response = client_of_role(Role.COORDINATOR).post(
        _url("associate_create"),
        _admission_data(
            legal_name="Association Le Lien",
            representative="Mme Roux, présidente",
            email="lien@exemple.fr",
            siren="",
            category=AssociateCategory.PARTNER,
        ),
    )
    assert response.status_code == 302
    assert Associate.objects.get().legal_name == "Association Le Lien"


def test_admission_bad_input_keeps_what_was_typed(client_of_role):
    ShareTermsFactory()
    response = client_of_role(Role.COORDINATOR).post(
        _url("associate_create"), _admission_data(legal_name="Association sans représentant")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "representative" in form.errors
    assert form["legal_name"].value() == "Association sans représentant"
    assert "Ce que vous avez saisi est conservé" in _html(response)
    assert not Associate.objects.exists()


def test_admission_bad_postcode(client_of_role):
    terms = ShareTermsFactory()
    person = CollectivePersonFactory(collective=terms.collective)
    response = client_of_role(Role.COORDINATOR).post(
        _url("associate_create"), _admission_data(person, postcode="931")
    )
    assert response.context["form"].errors["postcode"] == ["Le code postal a cinq chiffres."]


def test_admission_without_terms_explains(client_of_role):
    cooperative = CollectiveFactory(cooperative=True)
    person = CollectivePersonFactory(collective=cooperative)
    response = client_of_role(Role.COORDINATOR).post(
        _url("associate_create"), _admission_data(person)
    )
    assert response.status_code == 200
    assert "valeur nominale de la part" in _html(response)


# --- operations of the ledger -------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_COORDINATORS)
def test_operations_refused_to_other_roles(client_of_role, role):
    associate = AssociateFactory()
    response = client_of_role(role).get(_url("associate_movement", associate.pk, "versement"))
    assert response.status_code == 403


def test_unknown_operation(client_of_role):
    associate = AssociateFactory()
    response = client_of_role(Role.COORDINATOR).get(
        _url("associate_movement", associate.pk, "magie")
    )
    assert response.status_code == 404


def test_operation_on_an_unknown_associate(client_of_role):
    response = client_of_role(Role.COORDINATOR).get(_url("associate_movement", 99999, "versement"))
    assert response.status_code == 404


def test_operation_refuses_put(client_of_role):
    associate = AssociateFactory()
    response = client_of_role(Role.COORDINATOR).put(
        _url("associate_movement", associate.pk, "versement")
    )
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("operation", "data", "kind"),
    [
        ("souscription", {"shares": "2", "note": "Souscription complémentaire"}, "subscription"),
        ("depart", {"reason": "resignation", "refund_amount": "", "note": ""}, "refund"),
    ],
)
def test_operations_happy_path(client_of_role, operation, data, kind):
    associate = AssociateFactory()
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        _url("associate_movement", associate.pk, operation),
        {"on": associate.admitted_on.isoformat(), **data},
    )
    assert response.status_code == 302
    assert associate.movements.order_by("-sequence").first().kind == kind


def test_payment_bad_input_keeps_what_was_typed(client_of_role):
    associate = AssociateFactory(shares=2, paid_amount=Decimal("150"))
    response = client_of_role(Role.COORDINATOR).post(
        _url("associate_movement", associate.pk, "versement"),
        {"on": associate.admitted_on.isoformat(), "amount": "80", "note": "virement"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "Il ne reste que 50,00\xa0€ à libérer" in form.errors["amount"][0]
    assert form["note"].value() == "virement"


def test_transfer_between_two_associates(client_of_role):
    giver = AssociateFactory()
    receiver = AssociateFactory(collective=giver.collective)
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        _url("associate_movement", giver.pk, "cession"),
        {"to": receiver.pk, "on": giver.admitted_on.isoformat(), "shares": "4", "note": ""},
    )
    assert response.status_code == 302
    receiver.refresh_from_db()
    assert receiver.shares == 14
    assert "inscrite au registre des deux associé·es" in " ".join(
        _messages(client.get(response["Location"]))
    )


def test_refund_payment_after_departure(client_of_role):
    from coop import governance
    from coop.enums import AssociateExit

    client = client_of_role(Role.COORDINATOR)
    associate = AssociateFactory()
    governance.associate_leave(
        actor=client.user,
        associate=associate,
        on=associate.admitted_on,
        reason=AssociateExit.RESIGNATION,
    )
    response = client.post(
        _url("associate_movement", associate.pk, "remboursement"),
        {"on": associate.admitted_on.isoformat(), "amount": "1000", "note": "virement"},
    )
    assert response.status_code == 302
    associate.refresh_from_db()
    assert associate.refund_due == 0
    assert associate.movements.last().kind == ShareMovementKind.REFUND_PAYMENT


# --- the terms of the shares ------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_COORDINATORS)
def test_terms_refused_to_other_roles(client_of_role, role):
    CollectiveFactory(cooperative=True)
    assert client_of_role(role).get(_url("share_terms_edit")).status_code == 403


def test_terms_without_the_cooperative(client_of_role):
    assert client_of_role(Role.COORDINATOR).get(_url("share_terms_edit")).status_code == 404


def test_terms_happy_path(client_of_role):
    CollectiveFactory(cooperative=True)
    response = client_of_role(Role.COORDINATOR).post(
        _url("share_terms_edit"),
        {"nominal_value": "25.00", "minimum_shares": "4", "refund_delay_months": "36"},
    )
    assert response.status_code == 302
    terms = ShareTerms.objects.get()
    assert (terms.nominal_value, terms.minimum_shares, terms.refund_delay_months) == (
        Decimal("25.00"),
        4,
        36,
    )


def test_terms_bad_input(client_of_role):
    CollectiveFactory(cooperative=True)
    response = client_of_role(Role.COORDINATOR).post(
        _url("share_terms_edit"),
        {"nominal_value": "25.00", "minimum_shares": "1", "refund_delay_months": "72"},
    )
    assert response.status_code == 200
    assert response.context["form"]["refund_delay_months"].value() == "72"
    assert "refund_delay_months" in response.context["form"].errors


def test_terms_nominal_value_refused_once_shares_exist(client_of_role):
    AssociateFactory()
    response = client_of_role(Role.COORDINATOR).post(
        _url("share_terms_edit"),
        {"nominal_value": "30.00", "minimum_shares": "1", "refund_delay_months": "60"},
    )
    assert response.status_code == 200
    assert (
        "assemblée générale extraordinaire" in response.context["form"].errors["nominal_value"][0]
    )


# --- the register as a PDF ----------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_register_pdf(client_of_role, role, tmp_path):
    associate = AssociateFactory(shares=10, paid_amount=Decimal("400.00"))
    AssociateFactory(legal=True, collective=associate.collective, legal_name="Ville de Pantin")
    response = client_of_role(role).get(_url("associate_register_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "registre-des-associes-" in response["Content-Disposition"]
    text = pdf_text(response.content, tmp_path)
    assert "Registre des associé·es" in text
    assert f"N° 1 — {associate.name}" in text
    assert "Ville de Pantin" in text
    assert "Souscription" in text and "Libération (versement)" in text
    assert "400,00" in text
    assert "une voix, quel que soit le nombre de parts" in text


@pytest.mark.parametrize("role", NOT_READERS)
def test_register_pdf_refused_to_other_roles(client_of_role, role):
    AssociateFactory()
    assert client_of_role(role).get(_url("associate_register_pdf")).status_code == 403
