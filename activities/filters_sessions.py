"""Finding delivered sessions: the filters of the coordinators' session list, and the
totals of what they select, aggregated in the database."""

from dataclasses import dataclass
from decimal import Decimal

import django_filters
from django import forms
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from activities.enums import (
    AudienceKind,
    ExpenseStatus,
    MissionKind,
    SessionStatus,
    Theme,
)
from activities.filters import search_client, search_person
from activities.models import Expense, Session, SessionAudience, SessionTheme
from coop.geo import DEPARTMENT_NAMES

# The value of the territory filter for sessions held remotely (they have no département).
REMOTE = "remote"

# Départements of France, by code, as Session.department stores them (coop.geo).
DEPARTMENTS = DEPARTMENT_NAMES

TERRITORY_CHOICES = [(REMOTE, _("À distance"))] + [
    (code, f"{name} ({code})") for code, name in DEPARTMENTS.items()
]

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def department_label(code: str) -> str:
    """ "Seine-Saint-Denis (93)" for a known code, the code itself otherwise."""
    name = DEPARTMENTS.get(code)
    return f"{name} ({code})" if name else code


class SessionFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("La fin de la période précède son début."))
        return cleaned


class SessionFilter(django_filters.FilterSet):
    """The session list's filters over the sessions this user may see, latest first."""

    status = django_filters.ChoiceFilter(
        label=_("État"), choices=SessionStatus.choices, empty_label=_("Tous les états")
    )
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
    kind = django_filters.ChoiceFilter(
        label=_("Type de mission"),
        field_name="mission__kind",
        choices=MissionKind.choices,
        empty_label=_("Tous les types"),
    )
    theme = django_filters.ChoiceFilter(
        label=_("Thème"),
        choices=Theme.choices,
        method="filter_theme",
        empty_label=_("Tous les thèmes"),
    )
    territory = django_filters.ChoiceFilter(
        label=_("Territoire (département)"),
        choices=TERRITORY_CHOICES,
        method="filter_territory",
        empty_label=_("Tous les territoires"),
    )
    date_from = django_filters.DateFilter(
        label=_("Du"), field_name="date", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("Au"), field_name="date", lookup_expr="lte", widget=DATE_WIDGET
    )

    class Meta:
        model = Session
        fields: list[str] = []
        form = SessionFilterForm

    def __init__(self, data=None, *, user, **kwargs):
        sessions = Session.objects.visible_to(user)
        super().__init__(data, queryset=sessions.order_by("-date", "-start_time", "-pk"), **kwargs)

    def filter_entrepreneur(self, queryset, name, value):
        return search_person(queryset, value, prefix="entrepreneur__")

    def filter_client(self, queryset, name, value):
        return search_client(queryset, value, prefix="mission__client__")

    def filter_theme(self, queryset, name, value):
        # Exists, not a join: a session is counted once whatever its number of themes.
        return queryset.filter(
            Exists(SessionTheme.objects.filter(session=OuterRef("pk"), theme=value))
        )

    def filter_territory(self, queryset, name, value):
        if value == REMOTE:
            return queryset.filter(is_remote=True)
        return queryset.filter(is_remote=False, department=value)


# --- totals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AudienceTotal:
    kind: AudienceKind
    people: int


@dataclass(frozen=True)
class SessionTotals:
    sessions: int
    minutes: int
    kilometres: Decimal
    people: int
    audiences: list[AudienceTotal]
    expenses: Decimal
    expenses_pending: Decimal

    @property
    def reached(self) -> list[AudienceTotal]:
        """The kinds of audience actually reached."""
        return [item for item in self.audiences if item.people]


def session_totals(sessions: QuerySet[Session]) -> SessionTotals:
    """Sessions, time, kilometres, people reached by kind of audience and expenses of the
    sessions selected: three aggregate queries, whatever their number."""
    selected = sessions.order_by().values("pk")
    figures = sessions.order_by().aggregate(
        sessions=Count("pk"), minutes=Sum("duration_minutes"), kilometres=Sum("kilometres")
    )
    people_by_kind = dict(
        SessionAudience.objects.filter(session__in=selected)
        .order_by()
        .values_list("kind")
        .annotate(people=Sum("count"))
    )
    expenses = Expense.objects.filter(session__in=selected).aggregate(
        total=Sum("amount"),
        pending=Sum("amount", filter=Q(status=ExpenseStatus.PENDING)),
    )
    audiences = [
        AudienceTotal(kind=kind, people=people_by_kind.get(kind.value, 0)) for kind in AudienceKind
    ]
    return SessionTotals(
        sessions=figures["sessions"],
        minutes=figures["minutes"] or 0,
        kilometres=figures["kilometres"] or Decimal("0"),
        people=sum(item.people for item in audiences),
        audiences=audiences,
        expenses=expenses["total"] or Decimal("0"),
        expenses_pending=expenses["pending"] or Decimal("0"),
    )
