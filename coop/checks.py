"""System checks of the secrets. The encryption keys must be usable whenever the site
runs (the peer-support notes are written with them); `manage.py check --deploy` also
refuses the public demo keys."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security)
def check_encryption_keys(app_configs, **kwargs):
    from cryptography.fernet import Fernet

    if not settings.ENCRYPTION_KEYS:
        return [Error("ENCRYPTION_KEYS is empty.", hint="Set ENCRYPTION_KEYS.", id="coop.E002")]
    errors = []
    for key in settings.ENCRYPTION_KEYS:
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


@register(Tags.security, deploy=True)
def check_secrets(app_configs, **kwargs):
    errors = []
    if settings.SECRET_KEY == settings.DEMO_SECRET_KEY:
        errors.append(
            Error("SECRET_KEY is the public demo key.", hint="Set SECRET_KEY.", id="coop.E001")
        )
    if settings.DEMO_ENCRYPTION_KEY in settings.ENCRYPTION_KEYS:
        errors.append(Error("ENCRYPTION_KEYS holds the public demo key.", id="coop.E003"))
    return errors
