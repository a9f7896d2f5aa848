"""Forms of the questionnaires: the builder (instrument, version, question), opening
waves, surveys and their structures, and the answer form built from a version's
questions. They check the shape of what was typed; research.services.questionnaires
enforces the rules."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from research.enums_questionnaires import QuestionKind, ScoreMethod, WaveAudience, WavePoint
from research.models import Instrument, InstrumentVersion, Question
from research.models.questionnaires import TEXT_ANSWER_MAX_LENGTH

NUMBER_MAX_DIGITS = 12


def date_input() -> forms.DateInput:
    # Browsers send and expect ISO dates in <input type="date">, whatever the language.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _number_input(step: str = "any") -> forms.NumberInput:
    return forms.NumberInput(attrs={"step": step, "inputmode": "decimal"})


# --- the builder ------------------------------------------------------------------------


class InstrumentForm(forms.Form):
    name = forms.CharField(label=_("Titre"), max_length=200)
    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        help_text=_("Court et stable, en minuscules et tirets (ex. : bien-etre)."),
    )
    description = forms.CharField(
        label=_("Présentation"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    licence = forms.CharField(
        label=_("Licence et conditions d'utilisation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Pour une échelle validée : qui l'autorise et à quelles conditions."),
    )
    intro = forms.CharField(
        label=_("Texte d'accueil"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Affiché en haut du questionnaire : à quoi il sert, combien de temps il prend."
        ),
    )
    score_method = forms.ChoiceField(
        label=_("Score"), choices=ScoreMethod.choices, initial=ScoreMethod.NONE
    )
    score_label = forms.CharField(
        label=_("Nom du score"),
        max_length=120,
        required=False,
        help_text=_("Si le questionnaire a un score (ex. : score de bien-être)."),
    )


class InstrumentEditForm(forms.Form):
    name = InstrumentForm.base_fields["name"]
    description = InstrumentForm.base_fields["description"]
    licence = InstrumentForm.base_fields["licence"]

    @staticmethod
    def initial_for(instrument: Instrument) -> dict:
        return {
            "name": instrument.name,
            "description": instrument.description,
            "licence": instrument.licence,
        }


class VersionForm(forms.Form):
    intro = InstrumentForm.base_fields["intro"]
    score_method = InstrumentForm.base_fields["score_method"]
    score_label = InstrumentForm.base_fields["score_label"]

    @staticmethod
    def initial_for(version: InstrumentVersion) -> dict:
        return {
            "intro": version.intro,
            "score_method": version.score_method,
            "score_label": version.score_label,
        }


def parse_options(text: str) -> list[tuple[str, Decimal | None]]:
    """One answer per line; "Label = points" gives the points of a scale answer. Raises
    ValidationError naming the line that is wrong."""
    options = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        label, score = line, None
        if "=" in line:
            label, _sep, raw = line.rpartition("=")
            label = label.strip()
            try:
                score = Decimal(raw.strip().replace(",", "."))
            except InvalidOperation:
                score = None
            if score is None or not score.is_finite() or abs(score) >= 10000:
                raise forms.ValidationError(
                    _("Ligne %(line)s : les points sont un nombre (ex. : Souvent = 3).")
                    % {"line": number}
                )
        if not label:
            raise forms.ValidationError(
                _("Ligne %(line)s : écrivez la réponse avant les points.") % {"line": number}
            )
        if len(label) > 300:
            raise forms.ValidationError(
                _("Ligne %(line)s : 300 caractères au plus.") % {"line": number}
            )
        options.append((label, score))
    return options


def format_options(question: Question) -> str:
    lines = []
    for option in question.options.all():
        if option.score is None:
            lines.append(option.label)
        else:
            score = f"{option.score.normalize():f}".replace(".", ",")
            lines.append(f"{option.label} = {score}")
    return "\n".join(lines)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de question"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question"), max_length=500)
    help_text = forms.CharField(
        label=_("Aide"), max_length=500, required=False, help_text=_("Facultatif.")
    )
    group = forms.CharField(
        label=_("Partie"),
        max_length=200,
        required=False,
        help_text=_("Les questions d'une même partie sont présentées ensemble."),
    )
    options = forms.CharField(
        label=_("Réponses proposées"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Pour les questions à choix : une réponse par ligne. Pour une échelle, ajoutez "
            "les points après « = », par exemple « Jamais = 0 »."
        ),
    )
    required = forms.BooleanField(label=_("Réponse obligatoire"), required=False, initial=True)
    is_scored = forms.BooleanField(
        label=_("Compte dans le score (échelle)"), required=False, initial=False
    )
    min_value = forms.DecimalField(
        label=_("Valeur minimale"),
        required=False,
        max_digits=NUMBER_MAX_DIGITS,
        decimal_places=2,
        widget=_number_input(),
        help_text=_("Pour un nombre. Facultatif."),
    )
    max_value = forms.DecimalField(
        label=_("Valeur maximale"),
        required=False,
        max_digits=NUMBER_MAX_DIGITS,
        decimal_places=2,
        widget=_number_input(),
        help_text=_("Pour un nombre. Facultatif."),
    )
    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        required=False,
        help_text=_("Garde la même question d'une version à l'autre. Laissez vide : q1, q2…"),
    )

    def clean_options(self):
        return parse_options(self.cleaned_data["options"])

    def question_fields(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "kind",
                "text",
                "help_text",
                "group",
                "required",
                "is_scored",
                "min_value",
                "max_value",
                "code",
                "options",
            )
        }

    @staticmethod
    def initial_for(question: Question) -> dict:
        return {
            "kind": question.kind,
            "text": question.text,
            "help_text": question.help_text,
            "group": question.group,
            "options": format_options(question),
            "required": question.required,
            "is_scored": question.is_scored,
            "min_value": question.min_value,
            "max_value": question.max_value,
            "code": question.code,
        }


# --- waves ------------------------------------------------------------------------------


class WaveOpenForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    version = forms.ModelChoiceField(
        label=_("Questionnaire"),
        queryset=None,
        help_text=_("Une version publiée."),
    )
    audience = forms.ChoiceField(
        label=_("Posé à"), choices=WaveAudience.choices, widget=forms.RadioSelect
    )
    points = forms.MultipleChoiceField(
        label=_("Vagues"),
        choices=WavePoint.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Comptées depuis l'entrée dans le programme (entrepreneur·es) ou le début du "
            "suivi (personnes accompagnées)."
        ),
    )
    window_days = forms.IntegerField(
        label=_("Délai pour répondre (jours)"),
        min_value=7,
        max_value=365,
        initial=60,
        help_text=_("Après la date prévue. On peut aussi répondre 14 jours avant."),
    )

    def __init__(self, *args, programmes, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["version"].queryset = versions
        self.fields["version"].label_from_instance = _version_label


def _version_label(version: InstrumentVersion) -> str:
    return f"{version.instrument.name} — v{version.number}"


# --- surveys ----------------------------------------------------------------------------


def parse_reminder_days(text: str) -> list[int]:
    days = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise forms.ValidationError(
                _("Écrivez des nombres de jours séparés par des virgules (ex. : 7, 2).")
            )
        days.append(int(part))
    return days


class SurveyEditForm(forms.Form):
    title = forms.CharField(label=_("Titre de l'enquête"), max_length=200)
    message = forms.CharField(
        label=_("Message aux structures"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Repris dans l'e-mail d'invitation et en haut du questionnaire."),
    )
    deadline = forms.DateField(
        label=_("Date limite"), widget=date_input(), help_text=_("Dernier jour pour répondre.")
    )
    reminder_days = forms.CharField(
        label=_("Relances (jours avant la date limite)"),
        required=False,
        initial="7, 2",
        max_length=50,
        help_text=_("Par exemple « 7, 2 ». Vide : pas de relance."),
    )

    def clean_reminder_days(self):
        return parse_reminder_days(self.cleaned_data["reminder_days"])

    @staticmethod
    def initial_for(survey) -> dict:
        return {
            "title": survey.title,
            "message": survey.message,
            "deadline": survey.deadline,
            "reminder_days": ", ".join(str(d) for d in survey.reminder_days),
        }


class SurveyForm(SurveyEditForm):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    version = forms.ModelChoiceField(label=_("Questionnaire"), queryset=None)

    field_order = ["programme", "version", "title", "message", "deadline", "reminder_days"]

    def __init__(self, *args, programmes, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["version"].queryset = versions
        self.fields["version"].label_from_instance = _version_label


def parse_structures(text: str) -> list[tuple[str, str]]:
    """One structure per line: "Name ; e-mail address"."""
    structures = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        name, sep, email = line.rpartition(";")
        name, email = name.strip(), email.strip()
        if not sep or not name:
            raise forms.ValidationError(
                _("Ligne %(line)s : écrivez « Nom de la structure ; adresse e-mail ».")
                % {"line": number}
            )
        try:
            validate_email(email)
        except forms.ValidationError:
            raise forms.ValidationError(
                _("Ligne %(line)s : l'adresse e-mail n'est pas valable.") % {"line": number}
            ) from None
        if len(name) > 200:
            raise forms.ValidationError(
                _("Ligne %(line)s : 200 caractères au plus pour le nom.") % {"line": number}
            )
        structures.append((name, email))
    return structures


class RecipientsForm(forms.Form):
    structures = forms.CharField(
        label=_("Structures à inviter"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Une structure par ligne : « Nom de la structure ; adresse e-mail ». Chacune "
            "reçoit son propre lien par e-mail."
        ),
    )

    def clean_structures(self):
        structures = parse_structures(self.cleaned_data["structures"])
        if not structures:
            raise forms.ValidationError(_("Indiquez au moins une structure."))
        return structures


# --- answering --------------------------------------------------------------------------


class AnswerForm(forms.Form):
    """The questions of a version as fields named q<pk>. With `final` (the answers are
    being sent), the required questions must be answered; a draft may be saved with
    blanks, but never with a value that does not fit (kept on the form with its
    message)."""

    def __init__(self, *args, questions: list[Question], final: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = self._field(question, final=final)

    @staticmethod
    def _field(question: Question, *, final: bool) -> forms.Field:
        common = {
            "label": question.text,
            "help_text": question.help_text,
            "required": final and question.required,
            "error_messages": {"required": _("Répondez à cette question.")},
        }
        options = [(str(o.pk), o.label) for o in question.options.all()]
        kind = question.kind
        if kind == QuestionKind.MULTIPLE_CHOICE:
            return forms.MultipleChoiceField(
                choices=options, widget=forms.CheckboxSelectMultiple, **common
            )
        if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.LIKERT):
            return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
        if kind == QuestionKind.PERCENTAGE:
            return forms.DecimalField(
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                widget=_number_input(),
                **common,
            )
        if kind == QuestionKind.NUMBER:
            return forms.DecimalField(
                min_value=question.min_value,
                max_value=question.max_value,
                max_digits=NUMBER_MAX_DIGITS,
                decimal_places=2,
                widget=_number_input(),
                **common,
            )
        if kind == QuestionKind.DATE:
            return forms.DateField(widget=date_input(), **common)
        return forms.CharField(max_length=TEXT_ANSWER_MAX_LENGTH, **common)

    def values(self) -> dict:
        """Question pk → the cleaned value (None, "" or [] when left blank)."""
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}

    def groups(self) -> list[tuple[str, list]]:
        """The bound fields by part, in the order of the questions."""
        groups: list[tuple[str, list]] = []
        for question in self.questions:
            bound = self[f"q{question.pk}"]
            if groups and groups[-1][0] == question.group:
                groups[-1][1].append(bound)
            else:
                groups.append((question.group, [bound]))
        return groups

    @staticmethod
    def initial_for(response) -> dict:
        """The saved answers of a response, as the form's initial values."""
        initial: dict = {}
        if response is None:
            return initial
        for answer in response.answers.all():
            key = f"q{answer.question_id}"
            if answer.option_id is not None:
                initial.setdefault(key, []).append(str(answer.option_id))
            elif answer.number is not None:
                initial[key] = answer.number
            elif answer.date is not None:
                initial[key] = answer.date
            else:
                initial[key] = answer.text
        return initial
