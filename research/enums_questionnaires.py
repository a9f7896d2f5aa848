"""The enumerations of the questionnaires: instruments, waves for people and surveys of
partner structures."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionKind(models.TextChoices):
    SINGLE_CHOICE = "single_choice", _("Choix unique")
    MULTIPLE_CHOICE = "multiple_choice", _("Choix multiple")
    NUMBER = "number", _("Nombre")
    PERCENTAGE = "percentage", _("Pourcentage (0 à 100)")
    DATE = "date", _("Date")
    SHORT_TEXT = "short_text", _("Texte court")
    LIKERT = "likert", _("Échelle (avec score)")

    @classmethod
    def with_options(cls) -> frozenset[str]:
        """The kinds answered by picking among options."""
        return frozenset({cls.SINGLE_CHOICE, cls.MULTIPLE_CHOICE, cls.LIKERT})

    @classmethod
    def numeric(cls) -> frozenset[str]:
        return frozenset({cls.NUMBER, cls.PERCENTAGE})


class ScoreMethod(models.TextChoices):
    """How the score of an instrument is made from its scored items (the options of its
    scale questions carry the points)."""

    NONE = "none", _("Pas de score")
    SUM = "sum", _("Somme des items notés")
    MEAN = "mean", _("Moyenne des items notés")


class VersionStatus(models.TextChoices):
    """draft (being written) → published (frozen: answers point to it)."""

    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publiée")


class WavePoint(models.TextChoices):
    """When a person answers, counted from their entry (in the programme for a member,
    the opening of the follow-up for an accompanied person)."""

    ENTRY = "entry", _("À l'entrée")
    MONTH_6 = "month_6", _("À 6 mois")
    MONTH_12 = "month_12", _("À 12 mois")

    @property
    def months(self) -> int:
        return {"entry": 0, "month_6": 6, "month_12": 12}[self.value]


class WaveAudience(models.TextChoices):
    MEMBERS = "members", _("Entrepreneur·es du programme")
    ACCOMPANIED = "accompanied", _("Personnes accompagnées du programme")


class ResponseStatus(models.TextChoices):
    """draft (saved, can be changed) → submitted (sent once, never changed)."""

    DRAFT = "draft", _("Commencé")
    SUBMITTED = "submitted", _("Envoyé")
