"""Forms of the client directory, and its list's filters. They check the shape of what
was typed (a SIRET that is a SIRET, a postcode of five digits); the directory's rules
live in coop.services."""

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from localflavor.fr.forms import FRSIRETField

from coop.enums import ClientKind
from coop.models import Client, ClientContact

POSTCODE_VALIDATOR = RegexValidator(r"^[0-9]{5}$", _("Le code postal a cinq chiffres."))
PUBLIC_HELP = _(
    "État, collectivité, établissement public : ses factures passeront par Chorus Pro "
    "(le portail de facturation de l'État), plus tard."
)
SIRET_HELP = _("14 chiffres, sur un devis, une facture ou annuaire-entreprises.data.gouv.fr.")
# A search is a few words; more is not a client's name.
SEARCH_MAX_WORDS = 4


def postcode_field(*, required=False) -> forms.CharField:
    return forms.CharField(
        label=_("Code postal"),
        required=required,
        validators=[POSTCODE_VALIDATOR],
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": 5}
        ),
    )


def siret_field() -> FRSIRETField:
    """localflavor's check: 14 digits whose SIREN passes the Luhn key."""
    return FRSIRETField(
        label=_("SIRET"),
        required=False,
        help_text=SIRET_HELP,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def _clean_phone(value: str) -> str:
    return " ".join((value or "").split())


class ClientForm(forms.Form):
    """A client of the directory. A plain form: coop.services checks the record as a
    whole (a SIRET already in the directory is said on its field)."""

    name = forms.CharField(label=_("Nom"), max_length=200)
    kind = forms.ChoiceField(label=_("Type de client"), choices=ClientKind.choices)
    is_public = forms.BooleanField(label=_("Client public"), required=False, help_text=PUBLIC_HELP)
    siret = siret_field()
    address = forms.CharField(label=_("Adresse"), max_length=300, required=False)
    postcode = postcode_field()
    commune = forms.CharField(label=_("Commune"), max_length=120, required=False)
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"inputmode": "email", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    @classmethod
    def initial_for(cls, client: Client) -> dict:
        return {name: getattr(client, name) for name in cls.base_fields}

    def clean_phone(self):
        return _clean_phone(self.cleaned_data.get("phone"))


class ContactForm(forms.ModelForm):
    class Meta:
        model = ClientContact
        fields = ["name", "job_title", "email", "phone"]
        labels = {
            "name": _("Nom et prénom"),
            "job_title": _("Fonction"),
            "email": _("Adresse e-mail"),
            "phone": _("Téléphone"),
        }
        widgets = {
            "email": forms.EmailInput(attrs={"inputmode": "email", "autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def clean_phone(self):
        return _clean_phone(self.cleaned_data.get("phone"))


class NewClientForm(forms.Form):
    """A client an entrepreneur found, typed while proposing a mission (the same form
    as the mission, under the prefix "nouveau"). Asked for only when no known client was
    chosen: `needed=False` makes every field optional and refuses any value typed."""

    name = forms.CharField(label=_("Nom du client"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("Type de client"), choices=[("", "—"), *ClientKind.choices], required=False
    )
    commune = forms.CharField(label=_("Commune"), max_length=120, required=False)
    postcode = postcode_field()
    siret = siret_field()
    contact_name = forms.CharField(
        label=_("Nom de la personne à contacter"), max_length=200, required=False
    )
    contact_email = forms.EmailField(
        label=_("Son adresse e-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"inputmode": "email", "autocomplete": "off"}),
    )
    contact_phone = forms.CharField(
        label=_("Son téléphone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    REQUIRED = ("name", "kind", "commune", "postcode")

    def __init__(self, *args, needed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.needed = needed

    def clean_contact_phone(self):
        return _clean_phone(self.cleaned_data.get("contact_phone"))

    def clean(self):
        cleaned = super().clean()
        if not self.needed:
            if any(self.data.get(self.add_prefix(name), "").strip() for name in self.fields):
                raise forms.ValidationError(
                    _(
                        "Vous avez choisi un client de la liste : "
                        "laissez vide la partie « Nouveau client »."
                    )
                )
            return cleaned
        for name in self.REQUIRED:
            if name not in self.errors and not cleaned.get(name):
                self.add_error(name, _("Ce champ est obligatoire pour un nouveau client."))
        if (cleaned.get("contact_email") or cleaned.get("contact_phone")) and not cleaned.get(
            "contact_name"
        ):
            self.add_error("contact_name", _("Donnez aussi le nom de la personne à contacter."))
        return cleaned

    def client_fields(self) -> dict:
        cleaned = self.cleaned_data
        return {name: cleaned[name] for name in ("name", "kind", "commune", "postcode", "siret")}

    def contact_fields(self) -> dict | None:
        cleaned = self.cleaned_data
        if not cleaned.get("contact_name"):
            return None
        return {
            "name": cleaned["contact_name"],
            "email": cleaned["contact_email"],
            "phone": cleaned["contact_phone"],
        }


PUBLIC_CHOICES = [("1", _("Clients publics (Chorus Pro)")), ("0", _("Clients privés"))]


class ClientFilter(django_filters.FilterSet):
    """The directory's filters, over the clients this user may see, sorted by name."""

    q = django_filters.CharFilter(
        label=_("Nom, commune ou SIRET"),
        method="filter_search",
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Type de client"), choices=ClientKind.choices, empty_label=_("Tous les types")
    )
    public = django_filters.ChoiceFilter(
        label=_("Public ou privé"),
        choices=PUBLIC_CHOICES,
        method="filter_public",
        empty_label=_("Tous"),
    )

    class Meta:
        model = Client
        fields: list[str] = []

    def __init__(self, data=None, *, user, **kwargs):
        queryset = (
            Client.objects.visible_to(user)
            .annotate(mission_count=Count("missions"))
            .order_by("name", "pk")
        )
        super().__init__(data, queryset=queryset, **kwargs)

    def filter_search(self, queryset, name, value):
        digits = "".join(value.split())
        if digits.isdigit():
            # A SIRET, often typed in groups with spaces (or the start of a postcode).
            return queryset.filter(Q(siret__contains=digits) | Q(postcode__startswith=digits))
        for word in value.split()[:SEARCH_MAX_WORDS]:
            queryset = queryset.filter(Q(name__icontains=word) | Q(commune__icontains=word))
        return queryset

    def filter_public(self, queryset, name, value):
        return queryset.filter(is_public=value == "1")
