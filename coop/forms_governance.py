"""Forms of the governance: the register of associates and its ledger of shares, bodies
and seats, elections, meetings. They check the shape of what was typed; the rules
(minimum shares, elected majority, notice period, proxies, quorum) live in
coop.governance."""

import datetime
import re

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from coop.enums import (
    AssociateCategory,
    AssociateExit,
    BodyKind,
    CollectiveKind,
    DecisionKind,
    MajorityRule,
    MeetingAttendance,
    SeatKind,
)
from coop.governance import DEFAULT_RULES, can_create_body_in
from coop.models import (
    AgendaItem,
    Associate,
    Body,
    Collective,
    CollectivePerson,
    Meeting,
    MeetingParticipant,
    ShareTerms,
)

SEARCH_MAX_LENGTH = 100
NOTE_MAX_LENGTH = 300
MAX_SHARES_AT_ONCE = 100_000
MONEY_LIMIT = 10_000_000
MAX_VOTES = 100_000


def date_input() -> forms.DateInput:
    # Browsers send and expect ISO dates in <input type="date">, whatever the language.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date_field(label, *, required=True, help_text="", initial=None) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, help_text=help_text, initial=initial, widget=date_input()
    )


def _money_field(label, *, required=True, help_text="") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        max_value=MONEY_LIMIT,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def _note_field(help_text=None) -> forms.CharField:
    return forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text=help_text or _("Facultatif."),
    )


def person_label(person: CollectivePerson) -> str:
    return f"{person.last_name.upper()} {person.first_name}"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


class AssociateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(name)s (n° %(number)s)") % {"name": obj.name, "number": obj.number}


# --- the register of associates ----------------------------------------------------------


class ShareTermsForm(forms.ModelForm):
    class Meta:
        model = ShareTerms
        fields = ["nominal_value", "minimum_shares", "refund_delay_months"]
        widgets = {
            "nominal_value": forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        }


class AssociateFilterForm(forms.Form):
    """The register's list: by name, category, and whether the associates are current."""

    CURRENT, LEFT, ALL = "actuels", "partis", "tous"
    STATUS_CHOICES = [(CURRENT, _("Actuel·les")), (LEFT, _("Parti·es")), (ALL, _("Tous"))]

    q = forms.CharField(
        label=_("Nom"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    category = forms.ChoiceField(
        label=_("Catégorie"),
        required=False,
        choices=[("", _("Toutes"))] + AssociateCategory.choices,
    )
    status = forms.ChoiceField(label=_("Associé·es"), required=False, choices=STATUS_CHOICES)

    def filter(self, associates):
        data = self.cleaned_data
        if data.get("q"):
            for word in data["q"].split():
                associates = associates.filter(
                    Q(person__last_name__icontains=word)
                    | Q(person__first_name__icontains=word)
                    | Q(legal_name__icontains=word)
                )
        if data.get("category"):
            associates = associates.filter(category=data["category"])
        status = data.get("status") or self.CURRENT
        if status == self.CURRENT:
            associates = associates.filter(left_on__isnull=True)
        elif status == self.LEFT:
            associates = associates.filter(left_on__isnull=False)
        return associates


class AssociateAdmitForm(forms.Form):
    person = PersonChoiceField(
        label=_("Une personne du collectif de la coopérative"),
        queryset=CollectivePerson.objects.none(),
        required=False,
        empty_label=_("— Aucune : une personne morale —"),
    )
    legal_name = forms.CharField(
        label=_("Ou une personne morale : raison sociale"), required=False, max_length=200
    )
    siren = forms.CharField(label=_("SIREN"), required=False, max_length=9)
    representative = forms.CharField(
        label=_("Représentée par"),
        required=False,
        max_length=200,
        help_text=_("Nom et fonction de la personne qui la représente."),
    )
    email = forms.EmailField(
        label=_("Adresse e-mail de la personne morale"),
        required=False,
        help_text=_("Les convocations y sont envoyées."),
    )
    category = forms.ChoiceField(
        label=_("Catégorie d'associé·e"), choices=AssociateCategory.choices
    )
    address = forms.CharField(label=_("Adresse"), max_length=300)
    postcode = forms.RegexField(
        label=_("Code postal"),
        regex=r"^[0-9]{5}$",
        error_messages={"invalid": _("Le code postal a cinq chiffres.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    commune = forms.CharField(label=_("Commune"), max_length=120)
    admitted_on = _date_field(_("Admis·e le"), initial=timezone.localdate)
    shares = forms.IntegerField(
        label=_("Parts souscrites"), min_value=1, max_value=MAX_SHARES_AT_ONCE
    )
    paid_amount = _money_field(
        _("Versé à l'admission (€)"),
        required=False,
        help_text=_("Facultatif : le reste peut être versé plus tard, en plusieurs fois."),
    )

    def __init__(self, *args, collective: Collective, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            CollectivePerson.objects.current()
            .filter(collective=collective)
            .exclude(
                pk__in=Associate.objects.filter(person__isnull=False, left_on__isnull=True).values(
                    "person"
                )
            )
            .order_by("last_name", "first_name", "pk")
        )

    def clean_siren(self):
        siren = self.cleaned_data["siren"].replace(" ", "")
        if siren and not (siren.isdigit() and len(siren) == 9):
            raise forms.ValidationError(_("Un SIREN a neuf chiffres."))
        return siren

    def clean_paid_amount(self):
        return self.cleaned_data["paid_amount"] or 0


class SubscribeForm(forms.Form):
    on = _date_field(_("Date"), initial=timezone.localdate)
    shares = forms.IntegerField(
        label=_("Parts souscrites"), min_value=1, max_value=MAX_SHARES_AT_ONCE
    )
    note = _note_field()


class PayForm(forms.Form):
    on = _date_field(_("Date du versement"), initial=timezone.localdate)
    amount = _money_field(_("Montant versé (€)"))
    note = _note_field(help_text=_("Facultatif : par exemple « retenue sur salaire d'octobre »."))


class TransferForm(forms.Form):
    to = AssociateChoiceField(
        label=_("Cédées à"), queryset=Associate.objects.none(), empty_label=_("Choisir")
    )
    on = _date_field(_("Date de la cession"), initial=timezone.localdate)
    shares = forms.IntegerField(label=_("Parts cédées"), min_value=1, max_value=MAX_SHARES_AT_ONCE)
    note = _note_field()

    def __init__(self, *args, associate: Associate, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = (
            Associate.objects.current()
            .filter(collective=associate.collective)
            .exclude(pk=associate.pk)
            .select_related("person")
            .order_by("number")
        )


class LeaveForm(forms.Form):
    on = _date_field(_("Date du départ"), initial=timezone.localdate)
    reason = forms.ChoiceField(label=_("Motif"), choices=AssociateExit.choices)
    refund_amount = _money_field(
        _("Montant à rembourser (€)"),
        required=False,
        help_text=_(
            "Vide : tout le capital libéré. Moins, si les statuts imputent des pertes : "
            "dites pourquoi dans la note."
        ),
    )
    note = _note_field()


class RefundPayForm(forms.Form):
    on = _date_field(_("Date du remboursement"), initial=timezone.localdate)
    amount = _money_field(_("Montant remboursé (€)"))
    note = _note_field()


# --- bodies and seats -------------------------------------------------------------------


class BodyFilterForm(forms.Form):
    collective = forms.ModelChoiceField(
        label=_("Collectif"),
        queryset=Collective.objects.none(),
        required=False,
        empty_label=_("Tous"),
    )

    def __init__(self, *args, collectives, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collective"].queryset = collectives

    def filter(self, bodies):
        collective = self.cleaned_data.get("collective")
        return bodies.filter(collective=collective) if collective else bodies


class BodyRulesForm(forms.Form):
    """A body's name and rules. For a new body, the rules may stay empty to take the
    usual ones of its kind."""

    name = forms.CharField(label=_("Nom"), max_length=200)
    size = forms.IntegerField(
        label=_("Nombre de sièges"),
        required=False,
        min_value=1,
        max_value=500,
        help_text=_("Le nombre de sièges prévu par les statuts ; vide s'il n'est pas fixé."),
    )
    notice_days = forms.IntegerField(
        label=_("Délai de convocation (jours)"), min_value=0, max_value=90
    )
    quorum_percent = forms.IntegerField(
        label=_("Quorum (%)"),
        min_value=0,
        max_value=100,
        help_text=_("La part des membres présents ou représentés qu'il faut pour décider."),
    )
    ordinary_majority = forms.ChoiceField(
        label=_("Majorité des décisions ordinaires"), choices=MajorityRule.choices
    )
    extraordinary_majority = forms.ChoiceField(
        label=_("Majorité des décisions extraordinaires"), choices=MajorityRule.choices
    )
    max_proxies = forms.IntegerField(
        label=_("Pouvoirs par personne au plus"),
        min_value=0,
        max_value=20,
        help_text=_("Combien de membres absents une personne présente peut représenter."),
    )

    RULES = (
        "size",
        "notice_days",
        "quorum_percent",
        "ordinary_majority",
        "extraordinary_majority",
        "max_proxies",
    )

    @classmethod
    def initial_for(cls, body: Body) -> dict:
        return {name: getattr(body, name) for name in ("name", *cls.RULES)}

    def rules(self) -> dict:
        """The rules typed; an empty one (None) takes the usual rule of the body's kind."""
        return {
            name: None if self.cleaned_data.get(name) in (None, "") else self.cleaned_data[name]
            for name in self.RULES
            if name in self.fields
        }


class BodyEditForm(BodyRulesForm):
    def __init__(self, *args, body: Body, **kwargs):
        super().__init__(*args, **kwargs)
        if not body.has_seats:
            del self.fields["size"]


class BodyCreateForm(BodyRulesForm):
    collective = forms.ModelChoiceField(
        label=_("Collectif"), queryset=Collective.objects.none(), empty_label=_("Choisir")
    )
    kind = forms.ChoiceField(label=_("Type"), choices=[("", _("Choisir")), *BodyKind.choices])

    field_order = ["collective", "kind", "name"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [c.pk for c in Collective.objects.all() if can_create_body_in(user, c)]
        self.fields["collective"].queryset = Collective.objects.filter(pk__in=allowed)
        assembly = DEFAULT_RULES[BodyKind.GENERAL_ASSEMBLY]
        board = DEFAULT_RULES[BodyKind.BOARD]
        usual = {
            "notice_days": _(
                "Vide : %(assembly)s jours pour une assemblée générale, %(board)s pour un "
                "conseil d'administration."
            ),
            "quorum_percent": _(
                "Vide : %(assembly)s %% pour une assemblée générale, %(board)s %% pour un "
                "conseil d'administration."
            ),
            "max_proxies": _(
                "Vide : %(assembly)s pour une assemblée générale, %(board)s pour un "
                "conseil d'administration."
            ),
        }
        for name, text in usual.items():
            self.fields[name].required = False
            self.fields[name].help_text = text % {
                "assembly": getattr(assembly, name),
                "board": getattr(board, name),
            }
        for name in ("ordinary_majority", "extraordinary_majority"):
            self.fields[name].required = False
            self.fields[name].choices = [("", _("La règle habituelle")), *MajorityRule.choices]
        self.fields["size"].help_text = _(
            "Pas pour une assemblée générale, qui réunit tous les membres. Vide : pas de "
            "nombre fixé."
        )


def holder_choices(collective: Collective, *, on: datetime.date | None = None) -> list:
    """Who may sit or stand in a body of the collective: its current members, and for the
    cooperative its legal-person associates. Values are "p<pk>" and "a<pk>"."""
    people = CollectivePerson.objects.current().filter(collective=collective)
    choices = [("", _("Choisir"))]
    choices += [(f"p{person.pk}", person_label(person)) for person in people]
    if collective.kind == CollectiveKind.COOPERATIVE:
        legal = Associate.objects.current(on).legal_persons().filter(collective=collective)
        choices += [
            (f"a{associate.pk}", _("%(name)s (personne morale)") % {"name": associate.name})
            for associate in legal.order_by("legal_name")
        ]
    return choices


class HolderFormMixin:
    """A "holder" field whose value names a person ("p12") or a legal-person associate
    ("a3") of the body's collective."""

    def _holder_field(self, collective: Collective, label) -> None:
        self.collective = collective
        self.fields["holder"] = forms.ChoiceField(
            label=label, choices=holder_choices(collective), required=True
        )
        self.order_fields(["holder", *[name for name in self.fields if name != "holder"]])

    def clean_holder(self):
        value = self.cleaned_data["holder"]
        kind, pk = value[:1], value[1:]
        if kind == "p":
            person = CollectivePerson.objects.filter(pk=pk, collective=self.collective).first()
            return {"person": person, "associate": None}
        associate = Associate.objects.filter(pk=pk, collective=self.collective).first()
        return {"person": None, "associate": associate}


class SeatForm(HolderFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Siège"), choices=SeatKind.choices, widget=forms.RadioSelect)
    starts_on = _date_field(_("Début du mandat"), initial=timezone.localdate)
    ends_on = _date_field(
        _("Fin du mandat"), required=False, help_text=_("Vide : sans terme fixé.")
    )

    def __init__(self, *args, body: Body, **kwargs):
        super().__init__(*args, **kwargs)
        self._holder_field(body.collective, _("Qui siège"))
        if not self.initial.get("kind"):
            self.initial["kind"] = SeatKind.ELECTED


class SeatEndForm(forms.Form):
    on = _date_field(_("Dernier jour du mandat"), initial=timezone.localdate)


# --- elections ---------------------------------------------------------------------------


class ElectionForm(forms.Form):
    held_on = _date_field(_("Date du vote"))
    seats_to_fill = forms.IntegerField(label=_("Sièges à pourvoir"), min_value=1, max_value=200)
    term_ends_on = _date_field(
        _("Fin des mandats"), required=False, help_text=_("Vide : sans terme fixé.")
    )
    meeting = forms.ModelChoiceField(
        label=_("Pendant la réunion"),
        queryset=Meeting.objects.none(),
        required=False,
        empty_label=_("Aucune (vote à part)"),
        help_text=_("Le nombre de votant·es y est contrôlé sur les présences."),
    )

    def __init__(self, *args, body: Body, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(
            body__collective=body.collective, closed_at__isnull=True
        ).order_by("-starts_at")
        self.fields["meeting"].label_from_instance = lambda meeting: (
            _("%(title)s (%(date)s)")
            % {
                "title": meeting.title,
                "date": date_format(timezone.localtime(meeting.starts_at), "SHORT_DATE_FORMAT"),
            }
        )


class CandidateForm(HolderFormMixin, forms.Form):
    def __init__(self, *args, election, **kwargs):
        super().__init__(*args, **kwargs)
        self._holder_field(election.body.collective, _("Candidat·e"))


class CountForm(forms.Form):
    """The votes of each candidate, and how many voted."""

    voters = forms.IntegerField(label=_("Nombre de votant·es"), min_value=1, max_value=MAX_VOTES)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        for candidate in self.candidates:
            self.fields[f"votes_{candidate.pk}"] = forms.IntegerField(
                label=_("Voix pour %(name)s") % {"name": candidate.holder_name},
                min_value=0,
                max_value=MAX_VOTES,
            )

    def votes(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"votes_{c.pk}"] for c in self.candidates}


# --- meetings ---------------------------------------------------------------------------


class MeetingForm(forms.Form):
    """A meeting's title, date, time and place; the date and the time are two browser
    inputs, joined into one moment in the cooperative's time zone."""

    title = forms.CharField(label=_("Intitulé"), max_length=200)
    date = _date_field(_("Date"))
    time = forms.TimeField(
        label=_("Heure"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    place = forms.CharField(label=_("Lieu"), max_length=300)

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict:
        local = timezone.localtime(meeting.starts_at)
        return {
            "title": meeting.title,
            "date": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "place": meeting.place,
        }

    def starts_at(self) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])
        )


class AgendaItemForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"description": _("Facultatif : ce qui sera présenté ou proposé au vote.")}


PROXY_LIST_ID = "personnes-convoquees"


class ProxyHolderField(forms.CharField):
    """Who holds a proxy, typed with suggestions from the list of people convened: one
    shared <datalist> instead of a drop-down of every person on every row, which a general
    assembly of hundreds of associates could not carry. A suggestion reads "Name (n° 12)",
    12 being the person's row in the list."""

    NUMBER = re.compile(r"\(n° (\d+)\)\s*$")

    def __init__(self, *, participants: list[MeetingParticipant], **kwargs):
        super().__init__(
            required=False,
            max_length=320,
            widget=forms.TextInput(attrs={"list": PROXY_LIST_ID, "autocomplete": "off"}),
            **kwargs,
        )
        self.participants = participants

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        match = self.NUMBER.search(value)
        if match is None or not 1 <= int(match.group(1)) <= len(self.participants):
            raise forms.ValidationError(_("Choisissez une personne de la liste."))
        return self.participants[int(match.group(1)) - 1].pk


def proxy_label(index: int, participant: MeetingParticipant) -> str:
    return f"{participant.name} (n° {index})"


class AttendanceForm(forms.Form):
    """One attendance and, when represented, one proxy holder per person convened."""

    def __init__(self, *args, participants: list[MeetingParticipant], **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = participants
        numbers = {participant.pk: index for index, participant in enumerate(participants, 1)}
        by_pk = {participant.pk: participant for participant in participants}
        statuses = [
            (s.value, s.label) for s in MeetingAttendance if s != MeetingAttendance.EXPECTED
        ]
        for participant in participants:
            self.fields[f"attendance_{participant.pk}"] = forms.ChoiceField(
                label=participant.name,
                choices=statuses,
                widget=forms.RadioSelect,
                initial=None
                if participant.attendance == MeetingAttendance.EXPECTED
                else participant.attendance,
                error_messages={"required": _("Dites si cette personne était là.")},
            )
            holder = by_pk.get(participant.proxy_holder_id)
            self.fields[f"proxy_{participant.pk}"] = ProxyHolderField(
                label=_("Si représenté·e : pouvoir donné à (tapez un nom)"),
                participants=participants,
                initial=proxy_label(numbers[holder.pk], holder) if holder else "",
            )

    def suggestions(self) -> list[str]:
        return [proxy_label(index, p) for index, p in enumerate(self.participants, start=1)]

    def rows(self):
        return [
            (participant, self[f"attendance_{participant.pk}"], self[f"proxy_{participant.pk}"])
            for participant in self.participants
        ]

    def entries(self) -> dict[int, tuple[str, int | None]]:
        return {
            p.pk: (self.cleaned_data[f"attendance_{p.pk}"], self.cleaned_data[f"proxy_{p.pk}"])
            for p in self.participants
        }


class DecisionForm(forms.Form):
    agenda_item = forms.ModelChoiceField(
        label=_("Point de l'ordre du jour"), queryset=AgendaItem.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Intitulé de la décision"), max_length=200)
    text = forms.CharField(
        label=_("Texte de la résolution"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    kind = forms.ChoiceField(
        label=_("Nature"),
        choices=DecisionKind.choices,
        initial=DecisionKind.ORDINARY,
        widget=forms.RadioSelect,
    )
    votes_for = forms.IntegerField(label=_("Pour"), min_value=0, max_value=MAX_VOTES)
    votes_against = forms.IntegerField(label=_("Contre"), min_value=0, max_value=MAX_VOTES)
    votes_abstain = forms.IntegerField(label=_("Abstentions"), min_value=0, max_value=MAX_VOTES)

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.agenda_items.order_by("position")


class CloseForm(forms.Form):
    chair = forms.CharField(label=_("Présidente ou président de séance"), max_length=200)
    secretary = forms.CharField(label=_("Secrétaire de séance"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("Compte rendu des échanges"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Ce qui s'est dit, en bref : il figure au procès-verbal."),
    )
