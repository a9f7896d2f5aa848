"""Forms and list filters of the money pages: payments, overdue invoices and their
recovery, account expenses. They check the shape of what was typed; the rules live in
coop.ledger."""

import re
from datetime import timedelta

import django_filters
from django import forms
from django.core.validators import validate_email
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.filters import search_client, search_person
from activities.forms_missions import AmountField
from coop.enums import AccountExpenseKind, ExpensePaidBy, PaymentMethod, RecoveryKind
from coop.ledger import LOGGED_RECOVERY_KINDS, MAX_REMINDER_RECIPIENTS
from coop.models import AccountExpense, Invoice, Payment
from members.forms_member import DateInput

SEARCH = {"type": "search", "autocomplete": "off"}
RECEIPT_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(), **kwargs)


def _amount(label, **kwargs) -> AmountField:
    return AmountField(label=label, **kwargs)


# --- payments --------------------------------------------------------------------------


class PaymentForm(forms.Form):
    paid_on = _date_field(_("Date du paiement"), initial=timezone.localdate)
    amount = _amount(
        _("Montant reçu (€)"),
        min_value=None,
        help_text=_("Par exemple : 1 200,50. Un paiement partiel est possible."),
    )
    method = forms.ChoiceField(label=_("Moyen de paiement"), choices=PaymentMethod.choices)
    reference = forms.CharField(
        label=_("Référence"),
        max_length=100,
        required=False,
        help_text=_("Numéro du chèque, libellé du virement…"),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class PaymentReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("Pourquoi annuler cette écriture ?"),
        max_length=300,
        help_text=_("Par exemple : chèque rejeté par la banque, montant mal saisi."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- recovery --------------------------------------------------------------------------

ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


class ReminderForm(forms.Form):
    to = forms.CharField(
        label=_("Envoyer à"),
        max_length=2000,
        help_text=_("Une ou plusieurs adresses e-mail, séparées par une virgule."),
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off", "spellcheck": "false"}),
    )
    note = forms.CharField(
        label=_("Mot ajouté au message (facultatif)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_to(self) -> list[str]:
        addresses = [part for part in ADDRESS_SEPARATORS.split(self.cleaned_data["to"]) if part]
        if not addresses:
            raise forms.ValidationError(_("Donnez au moins une adresse e-mail du client."))
        if len(addresses) > MAX_REMINDER_RECIPIENTS:
            raise forms.ValidationError(
                _("%(count)s adresses au plus.") % {"count": MAX_REMINDER_RECIPIENTS}
            )
        for address in addresses:
            try:
                validate_email(address)
            except forms.ValidationError as error:
                raise forms.ValidationError(
                    _("« %(address)s » n'est pas une adresse e-mail.") % {"address": address}
                ) from error
        return addresses


class RecoveryActionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Ce qui a été fait"),
        choices=[(kind.value, kind.label) for kind in LOGGED_RECOVERY_KINDS],
        widget=forms.RadioSelect,
        initial=RecoveryKind.PHONE_CALL,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=5000,
        help_text=_("Avec qui, ce qui a été dit ou envoyé, ce qui a été promis."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


# --- account expenses ------------------------------------------------------------------


class AccountExpenseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de dépense"), choices=AccountExpenseKind.choices)
    spent_on = _date_field(_("Date"), initial=timezone.localdate)
    description = forms.CharField(
        label=_("Libellé"),
        max_length=300,
        help_text=_("Par exemple : achat de matériel pour les ateliers."),
    )
    supplier = forms.CharField(label=_("Fournisseur"), max_length=200, required=False)
    supplier_reference = forms.CharField(
        label=_("Numéro de la facture du fournisseur"), max_length=50, required=False
    )
    net = _amount(_("Montant hors taxes (€)"))
    vat = _amount(_("TVA déductible (€)"), required=False, help_text=_("0 si aucune TVA."))
    paid_by = forms.ChoiceField(
        label=_("Qui a payé ?"),
        choices=ExpensePaidBy.choices,
        widget=forms.RadioSelect,
        initial=ExpensePaidBy.COOPERATIVE,
    )
    receipt = forms.FileField(
        label=_("Justificatif"),
        required=False,
        help_text=_("PDF, JPEG ou PNG, 10 Mo au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": RECEIPT_ACCEPT}),
    )

    FIELDS = ("kind", "spent_on", "description", "supplier", "supplier_reference", "net", "vat")

    @classmethod
    def initial_for(cls, expense: AccountExpense) -> dict:
        return {name: getattr(expense, name) for name in (*cls.FIELDS, "paid_by")}

    def clean_vat(self):
        return self.cleaned_data.get("vat") or 0

    def expense_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in (*self.FIELDS, "paid_by")}


class ReimburseForm(forms.Form):
    on = _date_field(_("Remboursé le"), initial=timezone.localdate)


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Nom de l'entrepreneur·e"),
        max_length=100,
        min_length=2,
        widget=forms.TextInput(attrs=SEARCH),
    )


# --- list filters ----------------------------------------------------------------------


class PeriodForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("La fin de la période précède son début."))
        return cleaned


def _person_filter():
    return django_filters.CharFilter(
        label=_("Entrepreneur·e (nom)"),
        method="filter_entrepreneur",
        max_length=100,
        widget=forms.TextInput(attrs=SEARCH),
    )


def _client_filter():
    return django_filters.CharFilter(
        label=_("Client (nom ou SIRET)"),
        method="filter_client",
        max_length=100,
        widget=forms.TextInput(attrs=SEARCH),
    )


def _date_filter(label, field_name, lookup_expr):
    return django_filters.DateFilter(
        label=label, field_name=field_name, lookup_expr=lookup_expr, widget=DateInput()
    )


class PaymentFilter(django_filters.FilterSet):
    """The payment journal's filters, over the entries this user may see, latest first."""

    entrepreneur = _person_filter()
    client = _client_filter()
    number = django_filters.CharFilter(
        label=_("Numéro de facture"),
        field_name="invoice__number",
        lookup_expr="icontains",
        max_length=24,
        widget=forms.TextInput(attrs=SEARCH),
    )
    method = django_filters.ChoiceFilter(
        label=_("Moyen de paiement"), choices=PaymentMethod.choices, empty_label=_("Tous")
    )
    date_from = _date_filter(_("Payé du"), "paid_on", "gte")
    date_to = _date_filter(_("au"), "paid_on", "lte")

    class Meta:
        model = Payment
        fields: list[str] = []
        form = PeriodForm

    def __init__(self, data=None, *, user, **kwargs):
        payments = Payment.objects.visible_to(user).order_by("-paid_on", "-pk")
        super().__init__(data, queryset=payments, **kwargs)

    def filter_entrepreneur(self, queryset, name, value):
        return search_person(queryset, value, prefix="invoice__entrepreneur__")

    def filter_client(self, queryset, name, value):
        return search_client(queryset, value, prefix="invoice__client__")


OVERDUE = "overdue"
UNPAID = "unpaid"
STATE_CHOICES = [(OVERDUE, _("En retard")), (UNPAID, _("Toutes les factures à encaisser"))]
# Lateness bands, in days after the due date: (lowest, highest or None).
LATENESS = {
    "1-30": (1, 30),
    "31-60": (31, 60),
    "61-90": (61, 90),
    "91+": (91, None),
}
LATENESS_CHOICES = [
    ("1-30", _("1 à 30 jours")),
    ("31-60", _("31 à 60 jours")),
    ("61-90", _("61 à 90 jours")),
    ("91+", _("plus de 90 jours")),
]
REMINDED_CHOICES = [("0", _("Jamais relancées")), ("1", _("Déjà relancées"))]


class OverdueFilter(django_filters.FilterSet):
    """The unpaid invoices' filters. `queryset` is already limited to issued invoices
    with something left to pay (coop.views.ledger)."""

    state = django_filters.ChoiceFilter(
        label=_("Factures"),
        choices=STATE_CHOICES,
        method="filter_state",
        empty_label=None,
    )
    entrepreneur = _person_filter()
    client = _client_filter()
    lateness = django_filters.ChoiceFilter(
        label=_("Retard"),
        choices=LATENESS_CHOICES,
        method="filter_lateness",
        empty_label=_("Tous les retards"),
    )
    reminded = django_filters.ChoiceFilter(
        label=_("Relances"),
        choices=REMINDED_CHOICES,
        method="filter_reminded",
        empty_label=_("Toutes"),
    )

    class Meta:
        model = Invoice
        fields: list[str] = []

    def __init__(self, data=None, *, queryset, today, **kwargs):
        self.today = today
        super().__init__(data, queryset=queryset, **kwargs)

    def filter_state(self, queryset, name, value):
        if value == UNPAID:
            return queryset
        return queryset.filter(due_on__lt=self.today)

    def filter_entrepreneur(self, queryset, name, value):
        return search_person(queryset, value, prefix="entrepreneur__")

    def filter_client(self, queryset, name, value):
        return search_client(queryset, value, prefix="client__")

    def filter_lateness(self, queryset, name, value):
        lowest, highest = LATENESS[value]
        queryset = queryset.filter(due_on__lte=self.today - timedelta(days=lowest))
        if highest is not None:
            queryset = queryset.filter(due_on__gte=self.today - timedelta(days=highest))
        return queryset

    def filter_reminded(self, queryset, name, value):
        return (
            queryset.filter(reminders_sent__gt=0)
            if value == "1"
            else queryset.filter(reminders_sent=0)
        )


TO_REIMBURSE = "1"


class AccountExpenseFilter(django_filters.FilterSet):
    """The account expenses' filters, over those this user may see, latest first."""

    entrepreneur = _person_filter()
    kind = django_filters.ChoiceFilter(
        label=_("Type"), choices=AccountExpenseKind.choices, empty_label=_("Tous les types")
    )
    paid_by = django_filters.ChoiceFilter(
        label=_("Payé par"), choices=ExpensePaidBy.choices, empty_label=_("Tous")
    )
    to_reimburse = django_filters.ChoiceFilter(
        label=_("Remboursement"),
        choices=[(TO_REIMBURSE, _("À rembourser"))],
        method="filter_to_reimburse",
        empty_label=_("Toutes les dépenses"),
    )
    supplier = django_filters.CharFilter(
        label=_("Fournisseur ou libellé"),
        method="filter_supplier",
        max_length=100,
        widget=forms.TextInput(attrs=SEARCH),
    )
    date_from = _date_filter(_("Du"), "spent_on", "gte")
    date_to = _date_filter(_("au"), "spent_on", "lte")

    class Meta:
        model = AccountExpense
        fields: list[str] = []
        form = PeriodForm

    def __init__(self, data=None, *, user, **kwargs):
        expenses = AccountExpense.objects.visible_to(user).order_by("-spent_on", "-pk")
        super().__init__(data, queryset=expenses, **kwargs)

    def filter_entrepreneur(self, queryset, name, value):
        return search_person(queryset, value, prefix="entrepreneur__")

    def filter_to_reimburse(self, queryset, name, value):
        return queryset.filter(paid_by=ExpensePaidBy.ENTREPRENEUR, reimbursed_on__isnull=True)

    def filter_supplier(self, queryset, name, value):
        for word in value.split()[:4]:
            queryset = queryset.filter(Q(supplier__icontains=word) | Q(description__icontains=word))
        return queryset
