"""Finding follow-ups and reading the access log: the filters of the lists.

Pseudonyms are encrypted at rest: the database cannot search them. A mediator's search
reads the names of their own caseload (a few dozen people, a few hundred at most) and
compares them here; the lead, who sees every follow-up, looks one up by its number."""

import datetime
import unicodedata

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from members.enums import Role
from members.models import Member, User
from peer_support.enums import AccessAction
from peer_support.models import AccessLog, CoMediator, FollowUp

SEARCH_MAX_WORDS = 4
STATUS_CHOICES = [("open", _("En cours")), ("closed", _("Terminés"))]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def folded(text: str) -> str:
    """Lower case without accents: "Éloïse" is found by "eloise"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def open_first(followups):
    """Open follow-ups first (newest first), then closed ones, most recently closed first."""
    return followups.order_by(F("closed_on").desc(nulls_first=True), "-opened_on", "-pk")


class NameChoiceField(forms.ModelChoiceField):
    """A member or an account, by first and last name."""

    def label_from_instance(self, obj):
        return f"{obj.first_name} {obj.last_name}"


class NameChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = NameChoiceField


class PeriodForm(forms.Form):
    """Filters with a period: its start comes before its end."""

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("La fin de la période vient après son début."))
        return data


class CaseloadFilter(django_filters.FilterSet):
    """A peer mediator's caseload: a search in the names, open or closed."""

    q = django_filters.CharFilter(
        label=_("Chercher un prénom ou un pseudonyme"),
        method="filter_name",
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Suivis"), choices=STATUS_CHOICES, method="filter_status", empty_label=_("Tous")
    )

    class Meta:
        model = FollowUp
        fields: list[str] = []

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, queryset=FollowUp.objects.visible_to(user), **kwargs)

    def filter_status(self, queryset, name, value):
        return queryset.open() if value == "open" else queryset.closed()

    def filter_name(self, queryset, name, value):
        # One query for the caseload's names, compared here (they are encrypted).
        words = [folded(word) for word in value.split()[:SEARCH_MAX_WORDS]]
        names = queryset.order_by().values_list("pk", "pseudonym")
        found = [pk for pk, pseudonym in names if all(w in folded(pseudonym) for w in words)]
        return queryset.filter(pk__in=found)


class FollowUpFilter(django_filters.FilterSet):
    """The lead's list of every follow-up: by number, mediator, open or closed, and the
    period during which they ran."""

    number = django_filters.NumberFilter(
        label=_("N° de suivi"),
        field_name="pk",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    mediator = NameChoiceFilter(
        label=_("Médiateur·rice"),
        method="filter_mediator",
        queryset=Member.objects.filter(is_peer_mediator=True).order_by(
            "last_name", "first_name", "pk"
        ),
        empty_label=_("Toutes et tous"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Suivis"), choices=STATUS_CHOICES, method="filter_status", empty_label=_("Tous")
    )
    start = django_filters.DateFilter(
        label=_("En cours entre le"), method="filter_period", widget=DATE_WIDGET
    )
    end = django_filters.DateFilter(label=_("et le"), method="filter_period", widget=DATE_WIDGET)

    class Meta:
        model = FollowUp
        fields: list[str] = []
        form = PeriodForm

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, queryset=FollowUp.objects.visible_to(user), **kwargs)

    def filter_mediator(self, queryset, name, value):
        """Main mediator or co-mediator."""
        as_co = CoMediator.objects.filter(member=value).values("followup")
        return queryset.filter(Q(mediator=value) | Q(pk__in=as_co))

    def filter_status(self, queryset, name, value):
        return queryset.open() if value == "open" else queryset.closed()

    def filter_period(self, queryset, name, value):
        start = self.form.cleaned_data.get("start") or datetime.date.min
        end = self.form.cleaned_data.get("end") or datetime.date.max
        if name == "end" and self.form.cleaned_data.get("start"):
            return queryset  # both bounds were applied with the start
        return queryset.accompanied_between(start, end)


class AccessLogFilter(django_filters.FilterSet):
    """The lead's reading of the access log: by follow-up, by who, by what, by period."""

    followup = django_filters.NumberFilter(
        label=_("N° de suivi"),
        field_name="followup_id",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    actor = NameChoiceFilter(
        label=_("Par"),
        queryset=User.objects.filter(
            Q(role=Role.PEER_SUPPORT_LEAD) | Q(member__is_peer_mediator=True)
        ).order_by("last_name", "first_name", "pk"),
        empty_label=_("Tout le monde"),
    )
    action = django_filters.ChoiceFilter(
        label=_("Action"), choices=AccessAction.choices, empty_label=_("Toutes")
    )
    start = django_filters.DateFilter(
        label=_("Du"), field_name="at", lookup_expr="date__gte", widget=DATE_WIDGET
    )
    end = django_filters.DateFilter(
        label=_("au"), field_name="at", lookup_expr="date__lte", widget=DATE_WIDGET
    )

    class Meta:
        model = AccessLog
        fields: list[str] = []
        form = PeriodForm

    def __init__(self, data=None, *, user, **kwargs):
        queryset = AccessLog.objects.visible_to(user).select_related("actor").order_by("-at", "-pk")
        super().__init__(data, queryset=queryset, **kwargs)
