"""Typed reading of environment variables: a malformed value stops the start-up loudly."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"The environment variable {name} is required.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false).")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def email_settings_from_url(url: str) -> dict:
    """Turn EMAIL_URL into Django e-mail settings.

    smtp://user:password@host:25, smtp+tls://… (STARTTLS), smtps://… (implicit TLS),
    console:// (printed), file:///path/to/folder, locmem:// (tests).
    """
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "console":
        return {"backend": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"backend": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "file":
        return {
            "backend": "django.core.mail.backends.filebased.EmailBackend",
            "file_path": unquote(parts.path),
        }
    if scheme not in {"smtp", "smtp+tls", "smtps"}:
        raise ImproperlyConfigured(f"EMAIL_URL scheme {scheme!r} is not supported.")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"EMAIL_URL has a malformed port: {url!r}") from None
    default_port = {"smtp": 25, "smtp+tls": 587, "smtps": 465}[scheme]
    return {
        "backend": "django.core.mail.backends.smtp.EmailBackend",
        "host": parts.hostname or "localhost",
        "port": port or default_port,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "use_tls": scheme == "smtp+tls",
        "use_ssl": scheme == "smtps",
    }
