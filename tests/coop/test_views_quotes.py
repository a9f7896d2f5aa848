"""Quote pages: starting a quote (from a mission or from scratch), its lines typed the
French way, the PDF preview, sending it by e-mail, the client's answer, the invoice it
becomes; and the staff's filtered list with its totals."""

import html as html_lib
from decimal import Decimal

import pytest
from django.urls import reverse

from coop.enums import QuoteStatus, Unit, VatExemption, VatRate
from coop.models import ClientContact, Invoice, Quote
from members.enums import Role
from tests.activities.factories import ClientFactory, MissionFactory
from tests.coop.factories import (
    BillableClientFactory,
    CooperativeProfileFactory,
    draft_quote,
    line,
)
from tests.coop.factories_billing import (
    accepted_quote,
    entrepreneur,
    mission_with_sessions,
    sent_quote,
)
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("coop:quote_list")
CREATE_URL = reverse("coop:quote_create")
STAFF_READERS = [Role.COORDINATOR, Role.ACCOUNTANT, Role.ADMINISTRATOR]
OUTSIDERS = [Role.FUNDER, Role.RESEARCHER, Role.PEER_SUPPORT_LEAD]
NOT_DRAFTERS = [Role.ACCOUNTANT, Role.ADMINISTRATOR, *OUTSIDERS]


def _text(response) -> str:
    return html_lib.unescape(response.content.decode()).replace("\xa0", " ")


def _url(name: str, quote: Quote, *args) -> str:
    return reverse(f"coop:{name}", args=[quote.pk, *args])


@pytest.fixture
def member(client):
    member = entrepreneur()
    client.force_login(member.user)
    return member


def _line_data(**overrides) -> dict:
    return {
        "description": "Atelier de prévention (2 h)",
        "quantity": "1,5",
        "unit": Unit.HOUR,
        "unit_price": "1 200,50",
        "vat_rate": VatRate.STANDARD,
        "vat_exemption": "",
        "discount_percent": "",
    } | overrides


# --- who may reach the pages --------------------------------------------------------------

GET_PAGES = ["quote_detail", "quote_edit", "quote_line_add", "quote_pdf", "quote_send"]
POST_PAGES = ["quote_answer", "quote_to_invoice"]


@pytest.mark.parametrize("name", GET_PAGES + POST_PAGES)
def test_anonymous_is_sent_to_login(client, name):
    quote = draft_quote()
    method = client.post if name in POST_PAGES else client.get
    response = method(_url(name, quote))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("url", [LIST_URL, CREATE_URL])
def test_anonymous_is_sent_to_login_from_list_and_create(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("name", GET_PAGES)
def test_outsiders_are_refused(client_of_role, role, name):
    quote = draft_quote()
    assert client_of_role(role).get(_url(name, quote)).status_code == 403


@pytest.mark.parametrize("role", [Role.ENTREPRENEUR, *OUTSIDERS])
def test_only_staff_see_the_list(client_of_role, role):
    assert client_of_role(role).get(LIST_URL).status_code == 403


@pytest.mark.parametrize("role", STAFF_READERS)
def test_staff_read_the_list_and_the_page(client_of_role, role):
    quote = draft_quote(title="Cycle écrans")
    client = client_of_role(role)
    assert "Cycle écrans" in _text(client.get(LIST_URL))
    page = _text(client.get(_url("quote_detail", quote)))
    assert "Cycle écrans" in page
    assert ("Ajouter une ligne" in page) == (role == Role.COORDINATOR)


@pytest.mark.parametrize("role", NOT_DRAFTERS)
@pytest.mark.parametrize("name", ["quote_edit", "quote_line_add", "quote_send"])
def test_only_authors_open_the_forms(client_of_role, role, name):
    quote = draft_quote()
    client = client_of_role(role)
    assert client.get(_url(name, quote)).status_code == 403
    assert client.post(_url(name, quote), _line_data()).status_code == 403
    assert client.get(CREATE_URL).status_code == 403
    assert quote.lines.count() == 1


@pytest.mark.parametrize("name", GET_PAGES + POST_PAGES)
def test_another_entrepreneurs_quote_is_404(client, member, name):
    quote = sent_quote()
    method = client.post if name in POST_PAGES else client.get
    assert method(_url(name, quote), {"answer": "accepted"}).status_code == 404
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT


def test_another_quotes_line_is_404(client, member):
    mine = draft_quote(entrepreneur=member)
    theirs = draft_quote()
    foreign_line = theirs.lines.get()
    assert client.get(_url("quote_line_edit", mine, foreign_line.pk)).status_code == 404
    assert client.post(_url("quote_line_remove", mine, foreign_line.pk)).status_code == 404
    assert theirs.lines.count() == 1


@pytest.mark.parametrize("name", POST_PAGES)
def test_actions_refuse_get(client, member, name):
    quote = draft_quote(entrepreneur=member)
    assert client.get(_url(name, quote)).status_code == 405


def test_line_remove_refuses_get(client, member):
    quote = draft_quote(entrepreneur=member)
    assert client.get(_url("quote_line_remove", quote, quote.lines.get().pk)).status_code == 405


@pytest.mark.parametrize("name", ["quote_detail", "quote_pdf"])
def test_read_pages_refuse_post(client, member, name):
    quote = draft_quote(entrepreneur=member)
    assert client.post(_url(name, quote)).status_code == 405


def test_list_refuses_post(client_of_role):
    assert client_of_role(Role.COORDINATOR).post(LIST_URL).status_code == 405


def test_unknown_quote_is_404(client, member):
    assert client.get(reverse("coop:quote_detail", args=[999999])).status_code == 404


# --- starting a quote -------------------------------------------------------------------


def test_entrepreneur_chooses_among_their_clients(client, member):
    mission = MissionFactory(entrepreneurs=[member])
    stranger = ClientFactory(name="Client d'un autre")
    form = client.get(CREATE_URL).context["form"]
    offered = set(form.fields["client"].queryset)
    assert mission.client in offered
    assert stranger not in offered
    assert "entrepreneur" not in form.fields


def test_entrepreneur_starts_a_quote_from_scratch(client, member):
    mission = MissionFactory(entrepreneurs=[member])
    response = client.post(CREATE_URL, {"client": mission.client.pk, "title": "Deux ateliers"})
    quote = Quote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("quote_line_add", quote)
    assert (quote.entrepreneur, quote.client, quote.title) == (
        member,
        mission.client,
        "Deux ateliers",
    )
    assert quote.status == QuoteStatus.DRAFT


def test_start_form_keeps_what_was_typed(client, member):
    response = client.post(CREATE_URL, {"client": "", "title": "Deux ateliers"})
    assert response.status_code == 200
    text = _text(response)
    assert "Ce champ est obligatoire." in text
    assert 'value="Deux ateliers"' in text
    assert not Quote.objects.exists()


def test_entrepreneur_cannot_pick_an_unknown_client(client, member):
    stranger = ClientFactory()
    response = client.post(CREATE_URL, {"client": stranger.pk, "title": "Atelier"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in _text(response)
    assert not Quote.objects.exists()


def test_start_page_offers_own_missions(client, member):
    mission = MissionFactory(entrepreneurs=[member], title="Prévention écrans")
    MissionFactory(title="Mission d'un autre")
    text = _text(client.get(CREATE_URL))
    assert "Prévention écrans" in text
    assert reverse("coop:quote_from_mission", args=[mission.pk]) in text
    assert "Mission d'un autre" not in text


def test_coordinator_drafts_for_someone_they_accompany(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    followed = MemberFactory(path="cape", coordinator=client.user)
    other = MemberFactory(path="cape")
    target = BillableClientFactory(name="Mairie de Villeurbanne")
    BillableClientFactory(name="Mairie de Lyon")
    form = client.get(CREATE_URL).context["form"]
    assert set(form.fields["entrepreneur"].queryset) == {followed}
    assert other not in form.fields["entrepreneur"].queryset

    ambiguous = client.post(
        CREATE_URL, {"entrepreneur": followed.pk, "client_search": "Mairie", "title": "Atelier"}
    )
    assert "Plusieurs clients correspondent" in _text(ambiguous)
    assert "Mairie de Lyon" in _text(ambiguous)
    unknown = client.post(
        CREATE_URL, {"entrepreneur": followed.pk, "client_search": "Zzz", "title": "Atelier"}
    )
    assert "Aucun client ne s'appelle ainsi" in _text(unknown)
    assert not Quote.objects.exists()

    response = client.post(
        CREATE_URL,
        {"entrepreneur": followed.pk, "client_search": "villeurbanne", "title": "Atelier"},
    )
    quote = Quote.objects.get()
    assert response.status_code == 302
    assert (quote.entrepreneur, quote.client, quote.created_by) == (followed, target, client.user)


def test_coordinator_finds_a_client_by_siret(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    followed = MemberFactory(path="cape", coordinator=client.user)
    target = BillableClientFactory()
    spaced = " ".join(target.siret[i : i + 3] for i in range(0, 14, 3))
    client.post(
        CREATE_URL, {"entrepreneur": followed.pk, "client_search": spaced, "title": "Atelier"}
    )
    assert Quote.objects.get().client == target


# --- from a mission ---------------------------------------------------------------------


def test_quote_from_validated_sessions(client, member):
    mission = mission_with_sessions(member=member, validated=2, logged=1)
    url = reverse("coop:quote_from_mission", args=[mission.pk])
    page = _text(client.get(url))
    assert "les 2 séances validées" in page
    response = client.post(url)
    quote = Quote.objects.get()
    assert response["Location"] == _url("quote_detail", quote)
    assert quote.mission == mission
    # 1 200,00 € for 4 planned sessions: 300,00 € HT each, 2 validated.
    assert [(ln.quantity, ln.unit_price) for ln in quote.lines.all()] == [
        (Decimal("1"), Decimal("300.00"))
    ] * 2
    assert quote.net == Decimal("600.00")


def test_quote_from_agreed_price_when_nothing_delivered(client, member):
    mission = MissionFactory(entrepreneurs=[member], agreed_price=Decimal("1200.00"))
    url = reverse("coop:quote_from_mission", args=[mission.pk])
    assert "le prix convenu : 1 200,00 € hors taxes pour 4 séances" in _text(client.get(url))
    client.post(url)
    assert Quote.objects.get().net == Decimal("1200.00")


def test_entrepreneur_not_on_the_mission_gets_404(client, member):
    mission = MissionFactory()
    assert client.get(reverse("coop:quote_from_mission", args=[mission.pk])).status_code == 404
    assert client.post(reverse("coop:quote_from_mission", args=[mission.pk])).status_code == 404
    assert not Quote.objects.exists()


def test_coordinator_chooses_for_whom_on_a_shared_mission(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    first, second = entrepreneur(), entrepreneur()
    mission = MissionFactory(entrepreneurs=[first, second])
    url = reverse("coop:quote_from_mission", args=[mission.pk])
    missing = client.post(url, {})
    assert missing.status_code == 200
    assert "Ce champ est obligatoire." in _text(missing)
    client.post(url, {"entrepreneur": second.pk})
    assert Quote.objects.get().entrepreneur == second


@pytest.mark.parametrize("role", NOT_DRAFTERS)
def test_quote_from_mission_needs_a_drafter(client_of_role, role):
    mission = MissionFactory()
    assert (
        client_of_role(role).get(reverse("coop:quote_from_mission", args=[mission.pk])).status_code
        == 403
    )


def test_mission_page_links_to_quote_and_invoice(client, member):
    mine = MissionFactory(entrepreneurs=[member])
    text = _text(client.get(reverse("activities:mission_detail", args=[mine.pk])))
    assert reverse("coop:quote_from_mission", args=[mine.pk]) in text
    assert reverse("coop:invoice_from_sessions", args=[mine.pk]) in text


@pytest.mark.parametrize("role", [Role.ACCOUNTANT, Role.ADMINISTRATOR])
def test_mission_page_hides_the_links_from_readers(client_of_role, role):
    mission = MissionFactory()
    text = _text(client_of_role(role).get(reverse("activities:mission_detail", args=[mission.pk])))
    assert "Faire un devis" not in text
    assert "Facturer les séances validées" not in text


def test_mission_page_shows_the_links_once_to_coordinators(client_of_role):
    mission = MissionFactory(entrepreneurs=[entrepreneur(), entrepreneur()])
    text = _text(
        client_of_role(Role.COORDINATOR).get(
            reverse("activities:mission_detail", args=[mission.pk])
        )
    )
    assert text.count("Faire un devis") == 1
    assert text.count("Facturer les séances validées") == 1


# --- lines ------------------------------------------------------------------------------


def test_add_a_line_typed_the_french_way(client, member):
    quote = draft_quote(entrepreneur=member, lines=[])
    response = client.post(_url("quote_line_add", quote), _line_data(discount_percent="10"))
    assert response["Location"] == _url("quote_detail", quote)
    added = quote.lines.get()
    assert (added.quantity, added.unit_price, added.discount_percent) == (
        Decimal("1.5"),
        Decimal("1200.50"),
        Decimal("10"),
    )
    quote.refresh_from_db()
    # 1,5 × 1 200,50 = 1 800,75, less 10 % = 1 620,68 (rounded half up); VAT 20 %.
    assert (quote.net, quote.vat, quote.gross) == (
        Decimal("1620.68"),
        Decimal("324.14"),
        Decimal("1944.82"),
    )
    text = _text(client.get(_url("quote_detail", quote)))
    assert "1 620,68 € HT" in text
    assert "1 944,82 €" in text


def test_add_another_line_comes_back_to_the_form(client, member):
    quote = draft_quote(entrepreneur=member, lines=[])
    response = client.post(_url("quote_line_add", quote), _line_data(encore="1"))
    assert response["Location"] == _url("quote_line_add", quote)


def test_zero_rate_line_needs_the_exemption_reason(client, member):
    quote = draft_quote(entrepreneur=member, lines=[])
    response = client.post(
        _url("quote_line_add", quote), _line_data(vat_rate=VatRate.ZERO, description="Formation")
    )
    assert response.status_code == 200
    text = _text(response)
    assert "Une ligne est à 0 % de TVA : choisissez pourquoi" in text
    assert 'value="Formation"' in text
    assert 'value="1 200,50"' in text or 'value="1200,50"' in text
    assert not quote.lines.exists()

    client.post(
        _url("quote_line_add", quote),
        _line_data(vat_rate=VatRate.ZERO, vat_exemption=VatExemption.TRAINING),
    )
    quote.refresh_from_db()
    assert quote.vat_exemption == VatExemption.TRAINING
    assert quote.lines.get().vat_rate == VatRate.ZERO


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", "0", "Assurez-vous que cette valeur est supérieure ou égale à 0.01."),
        ("unit_price", "douze", "Saisissez un nombre."),
        ("discount_percent", "120", "Assurez-vous que cette valeur est inférieure ou égale à 100."),
        ("vat_rate", "7.00", "Sélectionnez un choix valide"),
        ("description", "", "Ce champ est obligatoire."),
    ],
)
def test_bad_line_is_refused_with_a_message(client, member, field, value, message):
    quote = draft_quote(entrepreneur=member, lines=[])
    response = client.post(_url("quote_line_add", quote), _line_data(**{field: value}))
    assert response.status_code == 200
    assert message in _text(response)
    assert not quote.lines.exists()


def test_change_and_remove_a_line(client, member):
    quote = draft_quote(entrepreneur=member)
    existing = quote.lines.get()
    form = client.get(_url("quote_line_edit", quote, existing.pk)).context["form"]
    assert form.initial["description"] == existing.description
    client.post(
        _url("quote_line_edit", quote, existing.pk),
        _line_data(quantity="3", unit_price="100", description="Trois heures"),
    )
    existing.refresh_from_db()
    assert (existing.description, existing.net) == ("Trois heures", Decimal("300.00"))
    client.post(_url("quote_line_remove", quote, existing.pk))
    quote.refresh_from_db()
    assert not quote.lines.exists()
    assert quote.gross == Decimal("0")


def test_answered_quote_lines_do_not_change(client, member):
    quote = accepted_quote(entrepreneur=member)
    existing = quote.lines.get()
    for url in (
        _url("quote_line_add", quote),
        _url("quote_line_edit", quote, existing.pk),
        _url("quote_edit", quote),
    ):
        response = client.post(url, _line_data(), follow=True)
        assert "Ce devis a reçu une réponse : il ne change plus." in _text(response)
    response = client.post(_url("quote_line_remove", quote, existing.pk), follow=True)
    assert "Ce devis a reçu une réponse : il ne change plus." in _text(response)
    assert quote.lines.get().description == existing.description


# --- what the quote says ----------------------------------------------------------------


def test_edit_the_quote(client, member):
    quote = draft_quote(entrepreneur=member)
    response = client.post(
        _url("quote_edit", quote),
        {
            "title": "Nouveau titre",
            "valid_until": "2031-01-31",
            "vat_exemption": "",
            "notes": "Salle fournie",
        },
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert (quote.title, quote.notes, str(quote.valid_until)) == (
        "Nouveau titre",
        "Salle fournie",
        "2031-01-31",
    )


def test_zero_rate_quote_keeps_its_exemption(client, member):
    quote = draft_quote(
        entrepreneur=member,
        lines=[line(vat_rate=VatRate.ZERO)],
        vat_exemption=VatExemption.TRAINING,
    )
    response = client.post(
        _url("quote_edit", quote),
        {"title": "Formation", "valid_until": "2031-01-31", "vat_exemption": "", "notes": ""},
    )
    assert response.status_code == 200
    assert "Une ligne est à 0 % de TVA" in _text(response)
    assert 'value="Formation"' in _text(response)
    quote.refresh_from_db()
    assert quote.vat_exemption == VatExemption.TRAINING


def test_bad_date_is_refused(client, member):
    quote = draft_quote(entrepreneur=member)
    response = client.post(
        _url("quote_edit", quote), {"title": "Titre", "valid_until": "31/02/2031", "notes": ""}
    )
    assert response.status_code == 200
    assert "Saisissez une date valide." in _text(response)


# --- PDF, sending, answer ---------------------------------------------------------------


def test_pdf_preview(client, member):
    quote = draft_quote(entrepreneur=member)
    response = client.get(_url("quote_pdf", quote))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response.content.startswith(b"%PDF")


def test_send_form_is_prefilled_with_the_clients_addresses(client, member):
    target = BillableClientFactory(email="accueil@horizons.example")
    ClientContact.objects.create(client=target, name="Léa Petit", email="lea@horizons.example")
    ClientContact.objects.create(client=target, name="Sans adresse")
    quote = draft_quote(entrepreneur=member, client=target)
    form = client.get(_url("quote_send", quote)).context["form"]
    assert form.initial["to"] == "accueil@horizons.example\nlea@horizons.example"


def test_send_refuses_a_wrong_address_and_keeps_it(client, member):
    quote = draft_quote(entrepreneur=member)
    response = client.post(
        _url("quote_send", quote), {"to": "lea@horizons.example\nlea-at-horizons"}
    )
    assert response.status_code == 200
    text = _text(response)
    assert "Cette adresse n'est pas une adresse e-mail : lea-at-horizons." in text
    assert "lea-at-horizons" in text
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT


def test_send_the_quote(client, member, mailoutbox):
    CooperativeProfileFactory()
    quote = draft_quote(entrepreneur=member)
    response = client.post(
        _url("quote_send", quote), {"to": "lea@horizons.example, Paul@Horizons.example"}
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT
    assert quote.number.startswith("DE-")
    (email,) = mailoutbox
    assert email.to == ["lea@horizons.example", "paul@horizons.example"]
    assert email.reply_to == [member.email]
    filename, content, mimetype = email.attachments[0]
    assert (filename, mimetype) == (f"devis-{quote.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert f"Le devis {quote.number} est envoyé" in _text(client.get(_url("quote_detail", quote)))


def test_send_without_lines_says_why(client, member, mailoutbox):
    CooperativeProfileFactory()
    quote = draft_quote(entrepreneur=member, lines=[])
    response = client.post(_url("quote_send", quote), {"to": "lea@horizons.example"})
    assert response.status_code == 200
    assert "Ajoutez au moins une ligne au devis avant de l'envoyer." in _text(response)
    assert not mailoutbox


def test_send_without_cooperative_profile_says_why(client, member):
    quote = draft_quote(entrepreneur=member)
    response = client.post(_url("quote_send", quote), {"to": "lea@horizons.example"})
    assert response.status_code == 200
    assert "La fiche de la coopérative n'est pas remplie" in _text(response)


@pytest.mark.parametrize(("answer", "status"), [("accepted", "accepted"), ("refused", "refused")])
def test_client_answer(client, member, answer, status):
    quote = sent_quote(entrepreneur=member)
    response = client.post(_url("quote_answer", quote), {"answer": answer}, follow=True)
    quote.refresh_from_db()
    assert quote.status == status
    assert quote.answered_on is not None
    assert response.status_code == 200


def test_answer_needs_a_sent_quote(client, member):
    quote = draft_quote(entrepreneur=member)
    response = client.post(_url("quote_answer", quote), {"answer": "accepted"}, follow=True)
    assert "Seul un devis envoyé peut être accepté ou refusé." in _text(response)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT


def test_answer_must_be_one_of_the_buttons(client, member):
    quote = sent_quote(entrepreneur=member)
    response = client.post(_url("quote_answer", quote), {"answer": "maybe"}, follow=True)
    assert "Choisissez « accepté » ou « refusé »." in _text(response)


def test_accepted_quote_becomes_a_draft_invoice_once(client, member):
    quote = accepted_quote(entrepreneur=member)
    page = _text(client.get(_url("quote_detail", quote)))
    assert "Faire la facture" in page
    response = client.post(_url("quote_to_invoice", quote))
    invoice = Invoice.objects.get()
    assert response["Location"] == reverse("coop:invoice_detail", args=[invoice.pk])
    assert (invoice.quote, invoice.gross) == (quote, quote.gross)
    again = client.post(_url("quote_to_invoice", quote), follow=True)
    assert "Ce devis a déjà sa facture." in _text(again)
    assert Invoice.objects.count() == 1
    assert "La facture de ce devis est faite." in _text(client.get(_url("quote_detail", quote)))


def test_only_an_accepted_quote_becomes_an_invoice(client, member):
    quote = sent_quote(entrepreneur=member)
    response = client.post(_url("quote_to_invoice", quote), follow=True)
    assert "Seul un devis accepté devient une facture." in _text(response)
    assert not Invoice.objects.exists()


# --- the staff's list -------------------------------------------------------------------


def test_list_filters_and_totals(client_of_role):
    client = client_of_role(Role.ACCOUNTANT)
    alice = MemberFactory(path="cape", first_name="Alice", last_name="Durand")
    bruno = MemberFactory(path="cape", first_name="Bruno", last_name="Lefort")
    school = BillableClientFactory(name="Lycée Ampère")
    draft_quote(entrepreneur=alice, client=school, title="A1")
    draft_quote(entrepreneur=alice, title="A2", lines=[line(unit_price=Decimal("50.00"))])
    sent_quote(entrepreneur=bruno, client=school, title="B1")

    by_person = client.get(LIST_URL, {"entrepreneur": "alice"})
    assert sorted(quote.title for quote in by_person.context["page"]) == ["A1", "A2"]
    # 2 h × 80 € + 2 h × 50 € = 260,00 € HT, 312,00 € TTC.
    assert by_person.context["totals"] == {"net": Decimal("260.00"), "gross": Decimal("312.00")}
    by_client = client.get(LIST_URL, {"client": "ampère"})
    assert sorted(quote.title for quote in by_client.context["page"]) == ["A1", "B1"]
    by_status = client.get(LIST_URL, {"status": "sent"})
    assert [quote.title for quote in by_status.context["page"]] == ["B1"]
    text = _text(by_person)
    assert "260,00 €" in text
    assert "2 devis" in text


def test_list_refuses_a_period_upside_down(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    draft_quote()
    response = client.get(LIST_URL, {"created_from": "2026-05-01", "created_until": "2026-04-01"})
    assert response.status_code == 200
    text = _text(response)
    assert "La fin de la période vient après son début." in text
    assert 'value="2026-05-01"' in text
    assert not response.context["page"].object_list


@pytest.mark.parametrize("count", [2, 6])
def test_list_constant_queries(client_of_role, django_assert_num_queries, count):
    client = client_of_role(Role.COORDINATOR)
    for index in range(count):
        draft_quote(title=f"Devis {index}")
    accepted_quote()
    # Session, user and its two-factor check (3), the count (1), the page of quotes with
    # client, person and invoice id (1), the totals (1).
    with django_assert_num_queries(6):
        response = client.get(LIST_URL)
    assert len(response.context["page"].object_list) == count + 1


@pytest.mark.parametrize("count", [1, 5])
def test_detail_constant_queries(client, member, django_assert_num_queries, count):
    quote = draft_quote(entrepreneur=member, lines=[line()] * count)
    # Session and user (2), the quote with client, mission and invoice id (1), its lines (1).
    with django_assert_num_queries(4):
        response = client.get(_url("quote_detail", quote))
    assert len(response.context["lines"]) == count


def test_accountant_reads_without_write_buttons(client_of_role):
    quote = sent_quote()
    text = _text(client_of_role(Role.ACCOUNTANT).get(_url("quote_detail", quote)))
    assert "Le client a accepté" not in text
    assert "Voir le PDF" in text


def test_coordinator_records_the_answer_for_someone(client_of_role):
    quote = sent_quote()
    client = client_of_role(Role.COORDINATOR)
    client.post(_url("quote_answer", quote), {"answer": "refused"})
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.REFUSED
