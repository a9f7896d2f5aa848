"""Forms of quotes, invoices and credit notes. They check the shape of what was typed
(an amount typed the French way, an e-mail address, a date inside the legal payment
term); the rules of a document's life live in coop.billing."""

import datetime
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from activities.filters import search_client
from activities.forms_missions import AmountField
from coop.billing import MAX_PAYMENT_DAYS, LineInput
from coop.enums import ClientKind, SupplyNature, Unit, VatExemption, VatRate
from coop.models import Client, Invoice
from members.enums import Role
from members.forms_member import DateInput
from members.models import Member

# A quote goes to a few people of the client, not to a mailing list.
MAX_RECIPIENTS = 10
# How many clients an ambiguous search names, to help choose.
CLIENT_MATCHES_SHOWN = 8
ZERO_RATE_MESSAGE = _(
    "Une ligne est à 0 % de TVA : choisissez pourquoi (le motif d'exonération est "
    "imprimé sur le document)."
)
PAYMENT_TERM_MESSAGE = _(
    "L'échéance est au plus tard 60 jours après la date d'émission (Code de commerce, L441-10)."
)


def quantity_field(**kwargs) -> AmountField:
    """A quantity typed the French way ("1,5"), above zero."""
    kwargs.setdefault("label", _("Quantité"))
    kwargs.setdefault("min_value", Decimal("0.01"))
    return AmountField(**kwargs)


def exemption_field(**kwargs) -> forms.ChoiceField:
    kwargs.setdefault("label", _("Motif d'exonération de TVA"))
    return forms.ChoiceField(
        choices=[("", _("Aucun (pas de ligne à 0 %)")), *VatExemption.choices],
        required=False,
        **kwargs,
    )


class LineForm(forms.Form):
    """One line of a quote or an invoice. A line at 0 % needs the exemption reason of its
    document: it is asked here, on the same screen, with the document's current one."""

    description = forms.CharField(
        label=_("Ce que vous vendez"),
        max_length=300,
        help_text=_("Par exemple : Atelier de prévention en classe de 4e (2 heures)."),
    )
    quantity = quantity_field(help_text=_("Par exemple : 2 ou 1,5"))
    unit = forms.ChoiceField(label=_("Unité"), choices=Unit.choices, initial=Unit.HOUR)
    unit_price = AmountField(
        label=_("Prix pour une unité, hors taxes (€)"),
        help_text=_("Par exemple : 80,00"),
    )
    vat_rate = forms.ChoiceField(
        label=_("TVA"),
        choices=VatRate.choices,
        initial=VatRate.STANDARD,
        widget=forms.RadioSelect,
    )
    vat_exemption = exemption_field(
        help_text=_("Seulement si la TVA est à 0 % : par exemple une formation professionnelle.")
    )
    discount_percent = AmountField(
        label=_("Remise (%)"),
        required=False,
        max_value=Decimal("100"),
        help_text=_("Laissez vide s'il n'y a pas de remise."),
    )

    def __init__(self, *args, document, line=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("vat_exemption", document.vat_exemption)
        if line is not None:
            for name in ("description", "quantity", "unit", "unit_price", "vat_rate"):
                initial.setdefault(name, getattr(line, name))
            if line.discount_percent:
                initial.setdefault("discount_percent", line.discount_percent)
        super().__init__(*args, **kwargs)
        self.document = document

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("vat_rate") == VatRate.ZERO and not cleaned.get("vat_exemption"):
            self.add_error("vat_exemption", ZERO_RATE_MESSAGE)
        return cleaned

    def line_input(self) -> LineInput:
        cleaned = self.cleaned_data
        return LineInput(
            description=cleaned["description"],
            quantity=cleaned["quantity"],
            unit=cleaned["unit"],
            unit_price=cleaned["unit_price"],
            vat_rate=cleaned["vat_rate"],
            discount_percent=cleaned["discount_percent"] or Decimal("0"),
        )

    def new_exemption(self) -> str | None:
        """The exemption reason to set on the document, when this line needs a new one."""
        cleaned = self.cleaned_data
        if cleaned["vat_rate"] != VatRate.ZERO:
            return None
        if cleaned["vat_exemption"] == self.document.vat_exemption:
            return None
        return cleaned["vat_exemption"]


def _caseload(user):
    """The members a coordinator may draft for, from scratch: the current people they
    accompany who hold an entrepreneur account (a bounded list, unlike the network)."""
    return (
        Member.objects.current()
        .filter(coordinator=user, user__role=Role.ENTREPRENEUR, user__is_active=True)
        .order_by("last_name", "first_name", "pk")
    )


class EntrepreneurChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class DocumentStartForm(forms.Form):
    """A quote or an invoice started from scratch. An entrepreneur picks one of the
    clients they know; a coordinator picks the person among those they accompany and
    types the client's name or SIRET (a network has thousands of clients)."""

    entrepreneur = EntrepreneurChoiceField(
        label=_("Pour qui ?"), queryset=Member.objects.none(), empty_label=_("Choisir")
    )
    client = forms.ModelChoiceField(
        label=_("Le client"), queryset=Client.objects.none(), empty_label=_("Choisir un client")
    )
    client_search = forms.CharField(
        label=_("Client (nom ou SIRET)"),
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    title = forms.CharField(
        label=_("Objet"),
        max_length=200,
        help_text=_("En quelques mots : par exemple « Trois ateliers sur les écrans »."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.for_self = user.role == Role.ENTREPRENEUR
        if self.for_self:
            del self.fields["entrepreneur"]
            del self.fields["client_search"]
            self.fields["client"].queryset = Client.objects.visible_to(user).order_by("name", "pk")
            self.fields["client"].help_text = _(
                "Les clients de vos missions. Un nouveau client ? Proposez d'abord la mission."
            )
        else:
            del self.fields["client"]
            self.fields["entrepreneur"].queryset = _caseload(user)
            self.fields["entrepreneur"].help_text = _(
                "Les personnes que vous accompagnez. Pour une autre, passez par sa mission."
            )

    def clean_client_search(self):
        value = " ".join(self.cleaned_data["client_search"].split())
        clients = Client.objects.visible_to(self.user)
        matches = list(search_client(clients, value, prefix="")[: CLIENT_MATCHES_SHOWN + 1])
        if len(matches) > 1:
            exact = [client for client in matches if client.name.casefold() == value.casefold()]
            matches = exact or matches
        if not matches:
            raise ValidationError(
                _("Aucun client ne s'appelle ainsi. Vérifiez le nom, ou tapez le SIRET.")
            )
        if len(matches) > 1:
            names = "; ".join(
                f"{client.name} ({client.siret or client.commune or '—'})"
                for client in matches[:CLIENT_MATCHES_SHOWN]
            )
            raise ValidationError(
                _("Plusieurs clients correspondent : %(names)s. Tapez le nom complet ou le SIRET.")
                % {"names": names}
            )
        return matches[0]

    def service_arguments(self, *, own_member: Member | None) -> dict:
        cleaned = self.cleaned_data
        return {
            "entrepreneur": own_member if self.for_self else cleaned["entrepreneur"],
            "client": cleaned["client"] if self.for_self else cleaned["client_search"],
            "title": cleaned["title"],
        }


class MissionEntrepreneurForm(forms.Form):
    """Who the quote is for, when a coordinator starts it from a mission of several people."""

    entrepreneur = EntrepreneurChoiceField(
        label=_("Pour qui ?"),
        queryset=Member.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args, mission, **kwargs):
        super().__init__(*args, **kwargs)
        people = mission.entrepreneurs.order_by("last_name", "first_name", "pk")
        self.fields["entrepreneur"].queryset = people
        if len(people) == 1:
            self.fields["entrepreneur"].initial = people[0].pk


class QuoteForm(forms.Form):
    """What a quote says besides its lines."""

    title = forms.CharField(label=_("Objet"), max_length=200)
    valid_until = forms.DateField(
        label=_("Valable jusqu'au"),
        widget=DateInput(),
        help_text=_("Après cette date, le client ne peut plus l'accepter tel quel."),
    )
    vat_exemption = exemption_field()
    notes = forms.CharField(
        label=_("Conditions particulières"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Par exemple : matériel fourni par l'établissement. Imprimé sur le devis."),
    )

    def __init__(self, *args, quote, **kwargs):
        kwargs.setdefault("initial", {name: getattr(quote, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        self.has_zero_rate = quote.lines.filter(vat_rate=VatRate.ZERO).exists()

    def clean(self):
        cleaned = super().clean()
        if self.has_zero_rate and "vat_exemption" in cleaned and not cleaned["vat_exemption"]:
            self.add_error("vat_exemption", ZERO_RATE_MESSAGE)
        return cleaned


class InvoiceForm(forms.Form):
    """What an invoice or a credit note says besides its lines. The Chorus Pro fields are
    asked for public clients only, the home-service box for private persons only, the
    reason for credit notes only."""

    title = forms.CharField(label=_("Objet"), max_length=200)
    service_start = forms.DateField(
        label=_("Date de la prestation (ou son début)"),
        required=False,
        widget=DateInput(),
        help_text=_("Obligatoire sur une facture."),
    )
    service_end = forms.DateField(
        label=_("Fin de la prestation"),
        required=False,
        widget=DateInput(),
        help_text=_("Si elle a duré plusieurs jours."),
    )
    due_on = forms.DateField(
        label=_("Date d'échéance"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Au plus tard 60 jours après l'émission. Vide : le délai habituel de la coopérative."
        ),
    )
    nature = forms.ChoiceField(label=_("Nature de l'opération"), choices=SupplyNature.choices)
    vat_exemption = exemption_field()
    home_service = forms.BooleanField(
        label=_("Service à la personne, au domicile du client"),
        required=False,
        help_text=_("Ouvre droit au crédit d'impôt du client (attestation annuelle)."),
    )
    purchase_order = forms.CharField(
        label=_("Référence du bon de commande"), max_length=50, required=False
    )
    chorus_service_code = forms.CharField(
        label=_("Code service Chorus Pro"),
        max_length=100,
        required=False,
        help_text=_("Donné par le client public ; obligatoire pour émettre."),
    )
    chorus_commitment = forms.CharField(
        label=_("Numéro d'engagement"),
        max_length=50,
        required=False,
        help_text=_("Donné par le client public ; obligatoire pour émettre."),
    )
    notes = forms.CharField(
        label=_("Mentions particulières"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(
        label=_("Motif de l'avoir"), widget=forms.Textarea(attrs={"rows": 3}), required=True
    )

    def __init__(self, *args, invoice: Invoice, **kwargs):
        kwargs.setdefault("initial", {name: getattr(invoice, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        self.invoice = invoice
        if not invoice.is_credit_note:
            del self.fields["reason"]
        if not invoice.client.is_public:
            del self.fields["chorus_service_code"]
            del self.fields["chorus_commitment"]
        if invoice.client.kind != ClientKind.INDIVIDUAL:
            del self.fields["home_service"]
        self.has_zero_rate = invoice.lines.filter(vat_rate=VatRate.ZERO).exists()

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        today = timezone.localdate()
        if due_on and due_on < today:
            raise ValidationError(_("L'échéance est passée : choisissez une date à venir."))
        if due_on and due_on > today + datetime.timedelta(days=MAX_PAYMENT_DAYS):
            raise ValidationError(PAYMENT_TERM_MESSAGE)
        return due_on

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("service_start"), cleaned.get("service_end")
        if start and end and end < start:
            self.add_error("service_end", _("La fin de la prestation vient après son début."))
        if end and not start:
            self.add_error("service_start", _("Donnez aussi le début de la prestation."))
        if self.has_zero_rate and "vat_exemption" in cleaned and not cleaned["vat_exemption"]:
            self.add_error("vat_exemption", ZERO_RATE_MESSAGE)
        return cleaned


class SessionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        hours, minutes = divmod(obj.duration_minutes, 60)
        duration = f"{hours} h {minutes:02d}" if minutes else f"{hours} h"
        return f"{date_format(obj.date, 'SHORT_DATE_FORMAT')} — {duration} — {obj.entrepreneur}"


class SessionsForm(forms.Form):
    """Validated sessions of a mission to bill on one invoice, of one person."""

    sessions = SessionChoiceField(
        label=_("Les séances à facturer"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins une séance.")},
    )

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sessions"].queryset = sessions

    def clean_sessions(self):
        sessions = list(self.cleaned_data["sessions"])
        if len({session.entrepreneur_id for session in sessions}) > 1:
            raise ValidationError(
                _(
                    "Une facture est faite pour une seule personne : cochez les séances "
                    "d'une seule entrepreneur·e."
                )
            )
        return sessions


ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


class QuoteSendForm(forms.Form):
    to = forms.CharField(
        label=_("Envoyer à"),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "inputmode": "email"}),
        help_text=_("Une adresse e-mail par ligne. Le devis part en PDF, joint au message."),
    )

    def clean_to(self):
        addresses = [part for part in ADDRESS_SEPARATORS.split(self.cleaned_data["to"]) if part]
        wrong = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                wrong.append(address)
        if wrong:
            raise ValidationError(
                ngettext(
                    "Cette adresse n'est pas une adresse e-mail : %(addresses)s.",
                    "Ces adresses ne sont pas des adresses e-mail : %(addresses)s.",
                    len(wrong),
                )
                % {"addresses": ", ".join(wrong)}
            )
        unique = list(dict.fromkeys(address.lower() for address in addresses))
        if not unique:
            raise ValidationError(_("Donnez au moins une adresse e-mail du client."))
        if len(unique) > MAX_RECIPIENTS:
            raise ValidationError(_("Dix adresses au plus : envoyez aux personnes qui décident."))
        return unique


class QuoteAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accepted", _("Accepté")), ("refused", _("Refusé"))])

    @property
    def accepted(self) -> bool:
        return self.cleaned_data["answer"] == "accepted"


class IssueForm(forms.Form):
    """Issuing: the date (today unless said otherwise) and the due date, within the legal
    term. The missing mentions are checked by coop.billing.invoice_issue."""

    issued_on = forms.DateField(label=_("Date d'émission"), widget=DateInput())
    due_on = forms.DateField(
        label=_("Date d'échéance"),
        required=False,
        widget=DateInput(),
        help_text=_("Vide : le délai de paiement habituel de la coopérative. 60 jours au plus."),
    )

    def __init__(self, *args, invoice: Invoice, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("issued_on", timezone.localdate())
        initial.setdefault("due_on", invoice.due_on)
        super().__init__(*args, **kwargs)

    def clean_issued_on(self):
        issued_on = self.cleaned_data["issued_on"]
        if issued_on > timezone.localdate():
            raise ValidationError(_("Une facture s'émet aujourd'hui ou à une date passée."))
        return issued_on

    def clean(self):
        cleaned = super().clean()
        issued_on, due_on = cleaned.get("issued_on"), cleaned.get("due_on")
        if issued_on and due_on:
            if due_on < issued_on:
                self.add_error("due_on", _("L'échéance vient après la date d'émission."))
            elif due_on > issued_on + datetime.timedelta(days=MAX_PAYMENT_DAYS):
                self.add_error("due_on", PAYMENT_TERM_MESSAGE)
        return cleaned


class CreditNoteForm(forms.Form):
    """A credit note cancelling the whole invoice, or part of it: a quantity per line, at
    most what is left to cancel (coop.billing.credit_note_create checks it)."""

    TOTAL = "total"
    PARTIAL = "partial"

    reason = forms.CharField(
        label=_("Motif de l'avoir"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Imprimé sur l'avoir. Par exemple : séance du 12/03 annulée par le client."),
        error_messages={"required": _("Écrivez le motif de l'avoir.")},
    )
    extent = forms.ChoiceField(
        label=_("Que faut-il annuler ?"),
        choices=[(TOTAL, _("Toute la facture")), (PARTIAL, _("Une partie des lignes"))],
        initial=TOTAL,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, lines, credited: dict[int, Decimal], **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = []
        for line in lines:
            left = line.quantity - credited.get(line.pk, Decimal("0"))
            name = f"line_{line.pk}"
            self.fields[name] = quantity_field(
                label=line.description,
                required=False,
                min_value=Decimal("0"),
                max_value=left,
                help_text=_("Reste à annuler : %(left)s") % {"left": _number(left)},
            )
            self.lines.append((line, left, name))

    def quantity_fields(self):
        return [self[name] for _line, _left, name in self.lines]

    def clean(self):
        cleaned = super().clean()
        partial = cleaned.get("extent") == self.PARTIAL
        if partial and not any(cleaned.get(name) for _line, _left, name in self.lines):
            raise ValidationError(_("Indiquez la quantité à annuler sur au moins une ligne."))
        return cleaned

    def quantities(self) -> dict[int, Decimal] | None:
        """{line id: quantity} for a partial credit note, None for the whole invoice."""
        if self.cleaned_data["extent"] == self.TOTAL:
            return None
        return {
            line.pk: self.cleaned_data.get(name) or Decimal("0") for line, _, name in self.lines
        }


def _number(value: Decimal) -> str:
    """A quantity the French way, without useless decimals: 2, 1,5."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def recipients_for(client: Client) -> list[str]:
    """Where a quote goes by default: the client's address, then its contacts'."""
    addresses = [client.email] + [contact.email for contact in client.contacts.all()]
    return list(dict.fromkeys(address for address in addresses if address))
