"""Finding missions: the filters of the mission list. (The sessions' filters live in
activities/filters_sessions.py.)"""

import re

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from activities.enums import MissionKind, MissionStatus, Theme
from activities.models import Mission
from members.forms_member import DateInput
from members.models import Member

# A search is a few words of a name; more is not a name.
SEARCH_MAX_WORDS = 4
# Two digits, 2A/2B for Corsica, three digits overseas (971…976): see coop.geo.
DEPARTMENT_VALIDATOR = RegexValidator(
    r"^(?:[0-9]{2}|2[AB]|97[0-9])$",
    flags=re.IGNORECASE,
    message=_("Un département s'écrit avec deux chiffres (93), 2A ou 2B, ou trois chiffres (974)."),
)


def search_client(queryset, value: str, *, prefix: str):
    """A client typed as a name (each word must match) or as SIRET digits. A text
    search, not a drop-down: a large network has thousands of clients."""
    digits = "".join(value.split())
    if digits.isdigit():
        return queryset.filter(**{f"{prefix}siret__contains": digits})
    for word in value.split()[:SEARCH_MAX_WORDS]:
        queryset = queryset.filter(**{f"{prefix}name__icontains": word})
    return queryset


def search_person(queryset, value: str, *, prefix: str):
    """A person typed by first or last name, each word matching one of them."""
    for word in value.split()[:SEARCH_MAX_WORDS]:
        queryset = queryset.filter(
            Q(**{f"{prefix}first_name__icontains": word})
            | Q(**{f"{prefix}last_name__icontains": word})
        )
    return queryset


def department_postcodes(department: str) -> Q:
    """The postcodes of a département, as a condition on the client's postcode."""
    if department in ("2A", "2B"):
        corsica = Q(client__postcode__startswith="20")
        return corsica & (
            Q(client__postcode__lt="20200")
            if department == "2A"
            else Q(client__postcode__gte="20200")
        )
    return Q(client__postcode__startswith=department)


class MissionFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("starts_from"), cleaned.get("starts_until")
        if first and last and last < first:
            self.add_error("starts_until", _("La fin de la période vient après son début."))
        return cleaned


class MissionFilter(django_filters.FilterSet):
    """The mission list's filters over the missions this user may see, the latest start
    first."""

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
        label=_("Type"), choices=MissionKind.choices, empty_label=_("Tous les types")
    )
    theme = django_filters.ChoiceFilter(
        label=_("Thème"),
        field_name="themes__theme",
        choices=Theme.choices,
        empty_label=_("Tous les thèmes"),
    )
    territory = django_filters.CharFilter(
        label=_("Département"),
        method="filter_territory",
        max_length=3,
        validators=[DEPARTMENT_VALIDATOR],
        help_text=_(
            "Le département de l'adresse du client (par exemple 93, 2A ou 974), "
            "pas celui des lieux des séances."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 4}),
    )
    starts_from = django_filters.DateFilter(
        label=_("Commençant à partir du"),
        field_name="starts_on",
        lookup_expr="gte",
        widget=DateInput(),
    )
    starts_until = django_filters.DateFilter(
        label=_("Commençant au plus tard le"),
        field_name="starts_on",
        lookup_expr="lte",
        widget=DateInput(),
    )
    status = django_filters.ChoiceFilter(
        label=_("État"), choices=MissionStatus.choices, empty_label=_("Tous les états")
    )

    class Meta:
        model = Mission
        form = MissionFilterForm
        fields: list[str] = []

    def __init__(self, data=None, *, user, **kwargs):
        queryset = (
            Mission.objects.visible_to(user).select_related("client").order_by("-starts_on", "-pk")
        )
        super().__init__(data, queryset=queryset, **kwargs)

    def filter_client(self, queryset, name, value):
        return search_client(queryset, value, prefix="client__")

    def filter_entrepreneur(self, queryset, name, value):
        # Exists, not a join: a mission of two matching people is listed once.
        people = search_person(Member.objects.all(), value, prefix="")
        return queryset.filter(Exists(people.filter(missions=OuterRef("pk"))))

    def filter_territory(self, queryset, name, value):
        return queryset.filter(department_postcodes(value.upper()))
