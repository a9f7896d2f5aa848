"""A text column encrypted at rest (see peer_support/crypto.py)."""

from django.core.exceptions import FieldError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.lookups import Exact, IsNull

from peer_support import crypto


class EmptyOnlyExact(Exact):
    """`field=""` still works (empty text is stored empty, so that constraints and
    filters can tell "nothing written" apart); any other comparison would compare with
    a freshly encrypted token, which never matches, so it is refused."""

    def get_prep_lookup(self):
        if self.rhs_is_direct_value() and self.rhs != "":
            raise FieldError("An encrypted field can only be compared with the empty string.")
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """Text that the database holds only encrypted (Fernet, ENCRYPTION_KEYS); Python
    code reads and writes the clear text. Empty text stays empty.

    The database cannot search, sort or compare it: lists are ordered by other columns,
    and a search in a name happens in Python on a page the user may already read.
    `max_length` is checked on the clear text (validation and forms only)."""

    description = "Text encrypted at rest"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(MaxLengthValidator(self.max_length))

    def _label(self) -> str:
        model = getattr(self, "model", None)
        return f"{model._meta.label}.{self.name}" if model else self.name or "a value"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value, what=self._label())

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return EmptyOnlyExact
        if lookup_name == "isnull":
            return IsNull
        return None

    def get_transform(self, lookup_name):
        return None
