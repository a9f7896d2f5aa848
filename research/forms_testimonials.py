"""The forms of the testimonials chosen for the reports. They check the shape of what is
typed; the services (research.services.testimonials) enforce the rules (consent before
choice, a changed first name that is not the person's, a text that does not name them)."""

from django import forms
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member
from peer_support.models import FollowUp
from research.forms_programmes import date_input
from research.models import Testimonial
from research.models.testimonials import CHANGED_FIRST_NAME_MAX_LENGTH, TEXT_MAX_LENGTH


def _label(name: str) -> str:
    return str(Testimonial._meta.get_field(name).verbose_name).capitalize()


class MemberChoiceField(forms.ModelChoiceField):
    """A member covered by the programme, by name: coordinators see the members anyway."""

    def label_from_instance(self, member):
        return f"{member.last_name.upper()} {member.first_name}"


class FollowUpNumberField(forms.ModelChoiceField):
    """An accompanied person's follow-up typed by its number: the page never lists the
    accompanied people, the lead reads the number on the follow-up's page."""

    widget = forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"})

    def to_python(self, value):
        value = str(value).strip() if value not in self.empty_values else value
        if value not in self.empty_values and not value.isdigit():
            raise forms.ValidationError(
                _("Indiquez le numéro du suivi, en chiffres."), code="invalid_choice"
            )
        return super().to_python(value)


class TestimonialForm(forms.Form):
    """A testimonial and the consent the person gave. A coordinator may link it to a
    member of the programme (or to nobody recorded here: a partner's words); the
    peer-support lead links it to an accompanied person's follow-up, by its number."""

    text = forms.CharField(
        label=_label("text"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Les mots de la personne, sans son prénom ni son nom."),
    )
    changed_first_name = forms.CharField(
        label=_label("changed_first_name"),
        max_length=CHANGED_FIRST_NAME_MAX_LENGTH,
        help_text=Testimonial._meta.get_field("changed_first_name").help_text,
    )
    consent_given_on = forms.DateField(label=_label("consent_given_on"), widget=date_input())
    consent_explanation = forms.CharField(
        label=_label("consent_explanation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=Testimonial._meta.get_field("consent_explanation").help_text,
    )
    chosen_on = forms.DateField(label=_label("chosen_on"), widget=date_input())

    def __init__(self, *args, programme, user, for_followup: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("chosen_on", timezone.localdate())
        if for_followup:
            self.fields["followup"] = FollowUpNumberField(
                label=_("Numéro du suivi de la personne accompagnée"),
                queryset=FollowUp.objects.visible_to(user).not_erased().filter(programme=programme),
                help_text=_("Le numéro du suivi (n° …) lu sur sa page ; jamais imprimé."),
                error_messages={
                    "required": _("Indiquez le numéro du suivi de la personne."),
                    "invalid_choice": _(
                        "Aucun suivi de ce programme ne porte ce numéro (ou il a été effacé)."
                    ),
                },
            )
        else:
            self.fields["member"] = MemberChoiceField(
                label=_("Membre lié (facultatif)"),
                queryset=Member.objects.visible_to(user)
                .filter(programme_memberships__programme=programme)
                .distinct()
                .order_by(Lower("last_name"), Lower("first_name"), "pk"),
                required=False,
                empty_label=_("Aucun membre"),
                help_text=_(
                    "Le lien sert à tracer un retrait de l'accord ; le nom n'est jamais imprimé."
                ),
                error_messages={"invalid_choice": _("Ce membre ne fait pas partie du programme.")},
            )
        # The person first: what follows is about them.
        self.order_fields(["followup", "member"])


class WithdrawForm(forms.Form):
    """The day the person withdrew their consent."""

    withdrawn_on = forms.DateField(label=_label("withdrawn_on"), widget=date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("withdrawn_on", timezone.localdate())
