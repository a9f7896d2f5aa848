"""Writes a shipped instrument (a DEFINITION dict) into the database as a published
version 1. Idempotent: an instrument whose code exists already is left as it is (the
cooperative may have made new versions of it since).

Called from the migration that creates the questionnaire tables, with the migration's
historical models (`apps`), and usable from a shell or a seed with the real ones."""

from decimal import Decimal

from django.utils import timezone

SHIPPED = ("research.instruments.fiche_insertion_2009",)


def _models(apps):
    if apps is None:
        from django.apps import apps as real_apps

        apps = real_apps
    return (
        apps.get_model("research", "Instrument"),
        apps.get_model("research", "InstrumentVersion"),
        apps.get_model("research", "Question"),
        apps.get_model("research", "Option"),
    )


def _option(entry) -> tuple[str, Decimal | None]:
    if isinstance(entry, list | tuple):
        label, score = entry
        return label, Decimal(str(score))
    return entry, None


def instrument_load(definition: dict, *, apps=None):
    """The instrument of this definition, created with its published version 1 when it
    does not exist yet."""
    Instrument, InstrumentVersion, Question, Option = _models(apps)
    existing = Instrument.objects.filter(code=definition["code"]).first()
    if existing is not None:
        return existing
    instrument = Instrument.objects.create(
        code=definition["code"],
        name=definition["name"],
        description=definition.get("description", ""),
        licence=definition.get("licence", ""),
    )
    version = InstrumentVersion.objects.create(
        instrument=instrument,
        number=1,
        status="published",
        intro=definition.get("intro", ""),
        score_method=definition.get("score_method", "none"),
        score_label=definition.get("score_label", ""),
        published_at=timezone.now(),
    )
    for position, spec in enumerate(definition["questions"], start=1):
        question = Question.objects.create(
            version=version,
            position=position,
            code=spec["code"],
            kind=spec["kind"],
            text=spec["text"],
            help_text=spec.get("help_text", ""),
            group=spec.get("group", ""),
            required=spec.get("required", True),
            is_scored=spec.get("is_scored", False),
            min_value=Decimal(spec["min_value"]) if "min_value" in spec else None,
            max_value=Decimal(spec["max_value"]) if "max_value" in spec else None,
        )
        Option.objects.bulk_create(
            Option(question=question, position=n, label=label, score=score)
            for n, (label, score) in (
                (n, _option(entry)) for n, entry in enumerate(spec.get("options", []), start=1)
            )
        )
    return instrument


def load_shipped(apps=None, schema_editor=None) -> None:
    """Every shipped instrument (a migration's RunPython calls it)."""
    from importlib import import_module

    for module in SHIPPED:
        instrument_load(import_module(module).DEFINITION, apps=apps)
