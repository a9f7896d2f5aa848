"""The age at opening in the bands of the European Social Fund+, kept after erasure like
the age band. Existing follow-ups get it from their year of birth and opening date; an
erased one (no year of birth any more) from its age band when that band lies within one
ESF+ band, otherwise "unknown" (25 – 34 straddles 18 – 29 and 30 – 54)."""

from django.db import migrations, models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import ExtractYear

# AgeBand -> EsfAgeBand, where the age band lies within one ESF+ band.
FROM_AGE_BAND = {
    "under_18": "under_18",
    "18_24": "18_29",
    "35_44": "30_54",
    "45_54": "30_54",
    "55_64": "55_plus",
    "65_plus": "55_plus",
}


def _born_after(years: int) -> Q:
    """Younger than `years` at opening (age = difference of years, as EsfAgeBand.of)."""
    return Q(birth_year__gt=ExtractYear("opened_on") - years)


def fill_esf_age_band(apps, schema_editor):
    """One UPDATE, computed in the database."""
    FollowUp = apps.get_model("peer_support", "FollowUp")
    without_year = [
        When(Q(birth_year__isnull=True, age_band=band), then=Value(esf))
        for band, esf in FROM_AGE_BAND.items()
    ]
    FollowUp.objects.update(
        esf_age_band=Case(
            *without_year,
            When(birth_year__isnull=True, then=Value("unknown")),
            When(_born_after(18), then=Value("under_18")),
            When(_born_after(30), then=Value("18_29")),
            When(_born_after(55), then=Value("30_54")),
            default=Value("55_plus"),
            output_field=models.CharField(),
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("peer_support", "0002_access_log_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="esf_age_band",
            field=models.CharField(
                choices=[
                    ("under_18", "Moins de 18 ans"),
                    ("18_29", "18 – 29 ans"),
                    ("30_54", "30 – 54 ans"),
                    ("55_plus", "55 ans et plus"),
                    ("unknown", "Âge inconnu"),
                ],
                default="unknown",
                editable=False,
                max_length=16,
                verbose_name="tranche d'âge FSE+ à l'entrée",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_esf_age_band, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="followup",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("esf_age_band__in", ["under_18", "18_29", "30_54", "55_plus", "unknown"])
                ),
                name="followup_esf_age_band_valid",
                violation_error_message="Tranche d'âge FSE+ inconnue.",
            ),
        ),
    ]
