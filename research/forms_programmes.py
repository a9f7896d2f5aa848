"""The forms of the programmes' set-up. They check the shape of what is typed; the
services (research.services.programmes) enforce the rules."""

from django import forms
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from coop.models import Programme
from members.enums import Role
from members.models import Member, User
from research.enums import FunderKind
from research.indicators import REGISTRY, SECTIONS
from research.models import Funder, FunderContact
from research.services.programmes import MINIMUM_THRESHOLD

# A search is a few words of a name; more is not a name.
SEARCH_MAX_LENGTH = 100
SEARCH_MAX_WORDS = 4
# How many people the member search offers at once.
MEMBER_CHOICES_SHOWN = 20


def date_input() -> forms.DateInput:
    # Browsers send and expect ISO dates in <input type="date">, whatever the language.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def indicator_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The registered indicators, grouped by section in the order of the sections."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for indicator in REGISTRY.values():
        grouped.setdefault(indicator.section, []).append((indicator.code, str(indicator.label)))
    return [
        (str(SECTIONS[section]), grouped[section]) for section in SECTIONS if section in grouped
    ]


def filter_by_name(queryset, words: str, *, prefix: str = ""):
    for word in words.split()[:SEARCH_MAX_WORDS]:
        queryset = queryset.filter(
            Q(**{f"{prefix}first_name__icontains": word})
            | Q(**{f"{prefix}last_name__icontains": word})
        )
    return queryset


def _threshold_field(name: str) -> forms.IntegerField:
    model_field = Programme._meta.get_field(name)
    return forms.IntegerField(
        label=model_field.verbose_name.capitalize(),
        help_text=model_field.help_text,
        initial=model_field.default,
        min_value=MINIMUM_THRESHOLD,
        max_value=1000,
        error_messages={
            "min_value": _(
                "Au moins %(limit_value)s personnes : en dessous, une personne se reconnaît."
            ),
        },
    )


class ProgrammeForm(forms.ModelForm):
    """A programme's set-up. No indicator ticked: the programme reports on all of them."""

    disclosure_threshold = _threshold_field("disclosure_threshold")
    k_anonymity = _threshold_field("k_anonymity")
    indicators = forms.MultipleChoiceField(
        label=_("Indicateurs suivis"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucune case cochée : le programme rend compte de tous les indicateurs."),
    )

    class Meta:
        model = Programme
        fields = [
            "name",
            "funder",
            "territory",
            "starts_on",
            "ends_on",
            "description",
            "disclosure_threshold",
            "k_anonymity",
        ]
        widgets = {
            "starts_on": date_input(),
            "ends_on": date_input(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "funder": _("Le nom en tête des rapports ; ajoutez ensuite les financeurs."),
            "ends_on": _("Laissez vide si le programme n'a pas de fin prévue."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicators"].choices = indicator_choices()
        if self.instance.pk:
            self.initial.setdefault("indicators", list(self.instance.indicators))

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("La fin du programme précède son début."))
        return data

    def values(self) -> dict:
        """What the services take."""
        return {name: self.cleaned_data[name] for name in [*self.Meta.fields, "indicators"]}


class FunderAttachForm(forms.Form):
    """An existing funder, or a new one by its name and kind."""

    funder = forms.ModelChoiceField(
        label=_("Financeur déjà connu"),
        queryset=Funder.objects.none(),
        required=False,
        empty_label=_("— Un nouveau financeur —"),
    )
    name = forms.CharField(
        label=_("Nom du nouveau financeur"),
        required=False,
        max_length=200,
        help_text=_("Par exemple : Agence régionale de santé Île-de-France."),
    )
    kind = forms.ChoiceField(
        label=_("Type du nouveau financeur"),
        required=False,
        choices=[("", "—"), *FunderKind.choices],
    )

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funder"].queryset = (
            Funder.objects.exclude(programmes=programme).order_by(Lower("name")).only("name")
        )

    def clean(self):
        data = super().clean()
        if data.get("funder") is None and "funder" not in self.errors:
            if not data.get("name", "").strip():
                self.add_error("name", _("Choisissez un financeur connu ou donnez un nom."))
            elif not data.get("kind") and "kind" not in self.errors:
                self.add_error("kind", _("Choisissez le type du nouveau financeur."))
        return data


class ContactForm(forms.ModelForm):
    """A person at the funder. The uniqueness of the address is the service's rule."""

    class Meta:
        model = FunderContact
        fields = ["full_name", "position", "email", "receives_reports"]
        help_texts = {
            "receives_reports": _("Le rapport mensuel du programme lui est envoyé par e-mail."),
        }

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ReaderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return f"{user.get_full_name() or user.email} — {user.email} ({user.get_role_display()})"


class ReaderForm(forms.Form):
    """A funder's or a researcher's account that does not read the programme yet."""

    user = ReaderChoiceField(label=_("Compte"), queryset=User.objects.none())

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.active()
            .with_role(Role.FUNDER, Role.RESEARCHER)
            .exclude(programmes_read=programme)
            .order_by("role", Lower("last_name"), Lower("first_name"), "pk")
        )
        self.fields["user"].help_text = _(
            "Seuls les comptes de financeur ou de chercheur·e lisent un programme. Pour un "
            "nouveau compte, invitez d'abord la personne."
        )


class NameSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Nom ou prénom"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    @property
    def words(self) -> str:
        return self.cleaned_data["q"].strip() if self.is_valid() else ""


class CoveredSearchForm(NameSearchForm):
    """The members covered by a programme: those in it now, or those who left."""

    CURRENT, LEFT = "", "sortis"
    vue = forms.ChoiceField(
        label=_("Membres"),
        required=False,
        choices=[(CURRENT, _("Dans le programme")), (LEFT, _("Sorti·es du programme"))],
    )

    def filter(self, memberships, today):
        if not self.is_valid():
            return memberships.none()
        if self.cleaned_data["vue"] == self.LEFT:
            memberships = memberships.filter(left_on__lt=today)
        else:
            memberships = memberships.filter(Q(left_on__isnull=True) | Q(left_on__gte=today))
        return filter_by_name(memberships, self.cleaned_data["q"], prefix="member__")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, member: Member) -> str:
        place = f", {member.commune}" if member.commune else ""
        return (
            f"{member.last_name.upper()} {member.first_name} — {member.get_stage_display()}{place}"
        )


class MemberAddForm(forms.Form):
    """One of the people found by the search, and the day they enter the programme. The
    search words travel with the form so that the same people are offered again."""

    q = forms.CharField(widget=forms.HiddenInput, required=False, max_length=SEARCH_MAX_LENGTH)
    member = MemberChoiceField(
        label=_("Personne"), queryset=Member.objects.none(), widget=forms.RadioSelect
    )
    joined_on = forms.DateField(label=_("Dans le programme depuis le"), widget=date_input())

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        field.queryset = candidates
        # Offer the first ones only; any of the matching people is accepted.
        field.choices = [
            (member.pk, field.label_from_instance(member))
            for member in candidates[:MEMBER_CHOICES_SHOWN]
        ]
        field.empty_label = None


class MemberEndForm(forms.Form):
    left_on = forms.DateField(label=_("Sorti·e du programme le"), widget=date_input())
