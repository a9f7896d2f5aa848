"""Finding quotes and invoices: the filters of the staff's lists. People and clients are
typed by name (or SIRET), never picked in a drop-down of thousands."""

import django_filters
from django import forms
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from activities.filters import search_client, search_person
from coop.enums import InvoiceKind, InvoiceStatus, QuoteStatus
from coop.models import Invoice, Quote
from members.forms_member import DateInput


class PeriodForm(forms.Form):
    """A filter form whose `<prefix>_from` / `<prefix>_until` dates must be in order."""

    period = ("from", "until")

    def clean(self):
        cleaned = super().clean()
        first, last = (cleaned.get(name) for name in self.period)
        if first and last and last < first:
            self.add_error(self.period[1], _("La fin de la période vient après son début."))
        return cleaned


class QuotePeriodForm(PeriodForm):
    period = ("created_from", "created_until")


class InvoicePeriodForm(PeriodForm):
    period = ("issued_from", "issued_until")


class _DocumentFilter(django_filters.FilterSet):
    entrepreneur = django_filters.CharFilter(
        label=_("Entrepreneur·e (nom)"),
        method="filter_entrepreneur",
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    client = django_filters.CharFilter(
        label=_("Client (nom ou SIRET)"),
        method="filter_client",
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def filter_entrepreneur(self, queryset, name, value):
        return search_person(queryset, value, prefix="entrepreneur__")

    def filter_client(self, queryset, name, value):
        return search_client(queryset, value, prefix="client__")


class QuoteFilter(_DocumentFilter):
    """The quote list's filters over the quotes this user may see, the latest first."""

    status = django_filters.ChoiceFilter(
        label=_("État"), choices=QuoteStatus.choices, empty_label=_("Tous les états")
    )
    created_from = django_filters.DateFilter(
        label=_("Faits à partir du"),
        field_name="created_at__date",
        lookup_expr="gte",
        widget=DateInput(),
    )
    created_until = django_filters.DateFilter(
        label=_("Faits au plus tard le"),
        field_name="created_at__date",
        lookup_expr="lte",
        widget=DateInput(),
    )

    class Meta:
        model = Quote
        form = QuotePeriodForm
        fields: list[str] = []

    def __init__(self, data=None, *, user, **kwargs):
        queryset = (
            Quote.objects.visible_to(user)
            .select_related("entrepreneur", "client")
            .order_by("-created_at", "-pk")
        )
        super().__init__(data, queryset=queryset, **kwargs)


class InvoiceFilter(_DocumentFilter):
    """The invoice list's filters over the invoices and credit notes this user may see:
    the latest issued first, drafts on top; those waiting to be issued oldest request
    first, so that nobody waits forever."""

    status = django_filters.ChoiceFilter(
        label=_("État"),
        choices=InvoiceStatus.choices,
        empty_label=_("Tous les états"),
        method="filter_status",
    )
    kind = django_filters.ChoiceFilter(
        label=_("Type"), choices=InvoiceKind.choices, empty_label=_("Factures et avoirs")
    )
    issued_from = django_filters.DateFilter(
        label=_("Émises à partir du"),
        field_name="issued_on",
        lookup_expr="gte",
        widget=DateInput(),
    )
    issued_until = django_filters.DateFilter(
        label=_("Émises au plus tard le"),
        field_name="issued_on",
        lookup_expr="lte",
        widget=DateInput(),
    )

    class Meta:
        model = Invoice
        form = InvoicePeriodForm
        fields: list[str] = []

    def __init__(self, data=None, *, user, **kwargs):
        queryset = Invoice.objects.visible_to(user).order_by(
            F("issued_on").desc(nulls_first=True), "-sequence", "-created_at", "-pk"
        )
        super().__init__(data, queryset=queryset, **kwargs)

    def filter_status(self, queryset, name, value):
        queryset = queryset.filter(status=value)
        if value == InvoiceStatus.REQUESTED:
            return queryset.order_by("requested_at", "pk")
        return queryset
