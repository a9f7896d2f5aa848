"""Encryption at rest of the peer-support free text (notes, pseudonyms, reasons).

Fernet (AES-128-CBC with HMAC-SHA-256, from the `cryptography` package) with the keys of
ENCRYPTION_KEYS: the first key encrypts, every key decrypts. To rotate, put a new key in
front, run `manage.py peer_support_rotate_keys` (it re-encrypts every value with the new
key), then drop the old key. The database alone never reveals the text; whoever holds the
keys does, so the keys live only in the environment.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored value that none of ENCRYPTION_KEYS decrypts: a key is missing (rotated
    out too early) or the value was altered."""


@lru_cache(maxsize=4)
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, MultiFernet]:
    if not keys:
        raise ImproperlyConfigured(
            "ENCRYPTION_KEYS is empty: the peer-support notes cannot be encrypted."
        )
    try:
        fernets = [Fernet(key) for key in keys]
    except ValueError:
        raise ImproperlyConfigured(
            "An ENCRYPTION_KEYS entry is not a Fernet key (32 bytes, url-safe base64)."
        ) from None
    return fernets[0], MultiFernet(fernets)


def _keys() -> tuple[str, ...]:
    return tuple(settings.ENCRYPTION_KEYS)


def encrypt(text: str) -> str:
    """The text encrypted with the current (first) key, as ASCII."""
    _current, multi = _fernets(_keys())
    return multi.encrypt(text.encode()).decode("ascii")


def decrypt(token: str, *, what: str = "a value") -> str:
    _current, multi = _fernets(_keys())
    try:
        return multi.decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError):
        raise DecryptionError(
            f"{what} cannot be decrypted with ENCRYPTION_KEYS (a key is missing?)."
        ) from None


def is_current(token: str) -> bool:
    """Whether the value is already encrypted with the current (first) key."""
    current, _multi = _fernets(_keys())
    try:
        current.decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def rotate(token: str, *, what: str = "a value") -> str:
    """The same text encrypted with the current key (its original timestamp kept)."""
    _current, multi = _fernets(_keys())
    try:
        return multi.rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise DecryptionError(
            f"{what} cannot be decrypted with ENCRYPTION_KEYS (a key is missing?)."
        ) from None
