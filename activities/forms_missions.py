"""Forms of the missions: a coordinator's mission, an entrepreneur's proposal, a refusal
and a move. They check the shape of what was typed; the rules of a mission's life live
in activities.services."""

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from activities.enums import MissionKind, MissionStatus, Theme
from activities.services import MISSION_MOVES
from coop.models import Client, Programme
from members.forms_member import DateInput
from members.models import Member

# Spaces a French amount is typed with: "1 200,50", "1 200,50 €".
AMOUNT_NOISE = (" ", "\xa0", "\u202f", "€")


class AmountField(forms.DecimalField):
    """An amount in euros, typed the French way ("1 200,50") or with a dot: localized,
    so the decimal comma is accepted, and spaces and the euro sign are dropped."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if isinstance(value, str):
            for noise in AMOUNT_NOISE:
                value = value.replace(noise, "")
        return super().to_python(value)


def _themes_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Thèmes"),
        choices=Theme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.last_name} {obj.first_name}"


class _MissionFields(forms.Form):
    """What a coordinator and an entrepreneur both say about a mission."""

    title = forms.CharField(
        label=_("Intitulé"),
        max_length=200,
        help_text=_("Par exemple : Prévention des écrans en classe de 5e."),
    )
    kind = forms.ChoiceField(label=_("Type de mission"), choices=MissionKind.choices)
    themes = _themes_field()
    starts_on = forms.DateField(label=_("Début"), widget=DateInput())
    ends_on = forms.DateField(label=_("Fin"), required=False, widget=DateInput())
    planned_sessions = forms.IntegerField(
        label=_("Séances prévues"),
        min_value=1,
        max_value=999,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    agreed_price = AmountField(
        label=_("Prix convenu hors taxes (€)"),
        help_text=_("Par exemple : 1 200,00"),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("La fin de la mission vient après son début."))
        return cleaned


class MissionForm(_MissionFields):
    """A mission a coordinator creates (planned at once) or changes."""

    client = forms.ModelChoiceField(
        label=_("Client"), queryset=Client.objects.none(), empty_label=_("Choisir un client")
    )
    entrepreneurs = MemberChoiceField(
        label=_("Entrepreneur·es"),
        queryset=Member.objects.none(),
        help_text=_("Une ou plusieurs personnes (touche Ctrl ou Cmd pour en choisir plusieurs)."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.order_by("name"),
        required=False,
        empty_label=_("Aucun"),
        help_text=_("Le programme financé auquel la mission appartient, pour la recherche."),
    )

    field_order = [
        "client",
        "title",
        "kind",
        "entrepreneurs",
        "themes",
        "starts_on",
        "ends_on",
        "planned_sessions",
        "agreed_price",
        "programme",
        "description",
    ]

    def __init__(self, *args, user, mission=None, **kwargs):
        if mission is not None:
            kwargs.setdefault("initial", self.initial_for(mission))
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.visible_to(user).order_by("name", "pk")
        # Current members with an account; a mission keeps the people already on it.
        people = Q(user__isnull=False) & Q(pk__in=Member.objects.current().values("pk"))
        if mission is not None:
            people |= Q(pk__in=mission.entrepreneurs.values("pk"))
        self.fields["entrepreneurs"].queryset = Member.objects.filter(people).order_by(
            "last_name", "first_name", "pk"
        )

    @staticmethod
    def initial_for(mission) -> dict:
        return {
            "client": mission.client_id,
            "title": mission.title,
            "kind": mission.kind,
            "entrepreneurs": [member.pk for member in mission.entrepreneurs.all()],
            "themes": [theme.theme for theme in mission.themes.all()],
            "starts_on": mission.starts_on,
            "ends_on": mission.ends_on,
            "planned_sessions": mission.planned_sessions,
            "agreed_price": mission.agreed_price,
            "programme": mission.programme_id,
            "description": mission.description,
        }

    def service_arguments(self) -> dict:
        cleaned = dict(self.cleaned_data)
        cleaned["entrepreneurs"] = list(cleaned["entrepreneurs"])
        return cleaned


class MissionProposeForm(_MissionFields):
    """A mission an entrepreneur found: for a client they know on the platform, or a new
    one described in NewClientForm, on the same page."""

    client = forms.ModelChoiceField(
        label=_("Un client que vous connaissez déjà"),
        queryset=Client.objects.none(),
        required=False,
        empty_label=_("Non, c'est un nouveau client"),
    )

    field_order = [
        "client",
        "title",
        "kind",
        "themes",
        "starts_on",
        "ends_on",
        "planned_sessions",
        "agreed_price",
        "description",
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].label = _("Ce que vous allez faire")
        self.fields["agreed_price"].label = _("Prix dont vous avez parlé, hors taxes (€)")
        self.fields["planned_sessions"].label = _("Combien de séances ?")
        self.fields["starts_on"].label = _("Date de début")
        self.fields["ends_on"].label = _("Date de fin (si vous la connaissez)")
        self.fields["description"].label = _("Quelques mots pour votre chargé·e (facultatif)")
        self.fields["client"].queryset = Client.objects.visible_to(user).order_by("name", "pk")

    def mission_fields(self) -> dict:
        cleaned = dict(self.cleaned_data)
        cleaned.pop("client")
        return cleaned


class MissionRefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        help_text=_("L'entrepreneur·e le lira : dites simplement pourquoi."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


# The buttons of the moves a coordinator makes by hand (activities.services.MISSION_MOVES).
MOVE_LABELS = {
    (MissionStatus.PLANNED, MissionStatus.IN_PROGRESS): _("Passer en cours"),
    (MissionStatus.IN_PROGRESS, MissionStatus.DELIVERED): _("Marquer réalisée"),
    (MissionStatus.DELIVERED, MissionStatus.IN_PROGRESS): _("Rouvrir (repasser en cours)"),
}


def moves_from(status: str) -> list[dict]:
    """The moves offered from a mission's status, as buttons: target status and label."""
    current = MissionStatus(status)
    return [
        {"status": target.value, "label": MOVE_LABELS.get((current, target), target.label)}
        for target in sorted(MISSION_MOVES.get(current, set()))
    ]


class MissionMoveForm(forms.Form):
    status = forms.ChoiceField(
        choices=sorted(
            {
                (status.value, status.label)
                for targets in MISSION_MOVES.values()
                for status in targets
            }
        )
    )
