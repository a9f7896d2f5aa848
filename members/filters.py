"""Finding people: the filters of the member list, shared by the page and its CSV export
so that the export holds exactly what the list shows."""

import django_filters
from django import forms
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from members.enums import Activity, ContractKind, Role, Stage
from members.models import Member, User

# Short names of the contracts, as coordinators say them.
CONTRACT_ABBREVIATIONS = {ContractKind.CAPE: "CAPE", ContractKind.CESA: "CESA"}

# A search is a few words of a name; more is not a name.
SEARCH_MAX_WORDS = 4


PROFILE_CHOICES = [
    # Professional profiles only. Being a former service user is health data: never a
    # filter, a column or an export of this list.
    ("peer_mediator", _("Médiateur·rice de santé pair")),
    ("care_professional", _("Professionnel·le du soin")),
]
PROFILE_FIELDS = {"peer_mediator": "is_peer_mediator", "care_professional": "is_care_professional"}


class CheckboxFilter(django_filters.BooleanFilter):
    """A plain checkbox: ticked is True, absent is False (not "unknown")."""

    field_class = forms.BooleanField


class MemberFilter(django_filters.FilterSet):
    """The member list's filters over the members this user may see, sorted by name.
    Current members only unless exited ones are asked for (or the stage "Sortie" is)."""

    q = django_filters.CharFilter(
        label=_("Nom ou prénom"),
        method="filter_name",
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    stage = django_filters.ChoiceFilter(
        label=_("Étape"), choices=Stage.choices, empty_label=_("Toutes les étapes")
    )
    activity = django_filters.ChoiceFilter(
        label=_("Métier"), choices=Activity.choices, empty_label=_("Tous les métiers")
    )
    profile = django_filters.ChoiceFilter(
        label=_("Profil"),
        choices=PROFILE_CHOICES,
        method="filter_profile",
        empty_label=_("Tous les profils"),
    )
    coordinator = django_filters.ModelChoiceFilter(
        label=_("Chargé·e d'accompagnement"),
        empty_label=_("Toutes et tous"),
        queryset=User.objects.active()
        .with_role(Role.COORDINATOR)
        .order_by("last_name", "first_name", "pk"),
    )
    contract_end_before = django_filters.DateFilter(
        label=_("Contrat en cours finissant au plus tard le"),
        field_name="open_contract_end",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    include_exited = CheckboxFilter(
        label=_("Inclure les personnes sorties"), method="filter_include_exited"
    )

    class Meta:
        model = Member
        fields: list[str] = []

    def __init__(self, data=None, *, user, **kwargs):
        queryset = (
            Member.objects.visible_to(user)
            .with_open_contract()
            .select_related("coordinator")
            .order_by(Lower("last_name"), Lower("first_name"), "pk")
        )
        super().__init__(data, queryset=queryset, **kwargs)

    def filter_name(self, queryset, name, value):
        for word in value.split()[:SEARCH_MAX_WORDS]:
            queryset = queryset.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        return queryset

    def filter_profile(self, queryset, name, value):
        return queryset.filter(**{PROFILE_FIELDS[value]: True})

    def filter_include_exited(self, queryset, name, value):
        # Unticked (False) is a value too: current members only, unless the stage asked
        # for is the exit itself.
        if value or self.form.cleaned_data.get("stage") == Stage.EXITED:
            return queryset
        return queryset.current()


def contract_abbreviation(kind: str | None) -> str:
    return CONTRACT_ABBREVIATIONS.get(kind, "") if kind else ""
