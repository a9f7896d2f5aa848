"""Deployment checks: `manage.py check --deploy` refuses the public demo keys."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_secrets(app_configs, **kwargs):
    from cryptography.fernet import Fernet

    errors = []
    if settings.SECRET_KEY == settings.DEMO_SECRET_KEY:
        errors.append(
            Error("SECRET_KEY is the public demo key.", hint="Set SECRET_KEY.", id="coop.E001")
        )
    if not settings.ENCRYPTION_KEYS:
        errors.append(
            Error("ENCRYPTION_KEYS is empty.", hint="Set ENCRYPTION_KEYS.", id="coop.E002")
        )
    for key in settings.ENCRYPTION_KEYS:
        if key == settings.DEMO_ENCRYPTION_KEY:
            errors.append(Error("ENCRYPTION_KEYS holds the public demo key.", id="coop.E003"))
            continue
        try:
            Fernet(key)
        except ValueError:
            errors.append(
                Error(
                    "An ENCRYPTION_KEYS entry is not a Fernet key.",
                    hint="Generate one with cryptography.fernet.Fernet.generate_key().",
                    id="coop.E004",
                )
            )
    return errors
