"""`manage.py peer_support_rotate_keys`: re-encrypt every encrypted value with the
current (first) key of ENCRYPTION_KEYS.

    1. put the new key first:   ENCRYPTION_KEYS=<new>,<old>   (restart the site)
    2. manage.py peer_support_rotate_keys
    3. drop the old key:        ENCRYPTION_KEYS=<new>          (restart the site)

It reads the stored tokens, leaves those already under the current key, and rewrites the
others in batches, one transaction per batch: it can be stopped and run again, and the
site keeps working meanwhile (every key still decrypts). A value that no key decrypts
stops it with the table and row named.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F

from peer_support import crypto
from peer_support.fields import EncryptedTextField

BATCH_SIZE = 2000


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every model of the project with encrypted columns, and their names."""
    found = []
    for model in apps.get_models():
        names = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField)
        ]
        if names:
            found.append((model, names))
    return found


def rotate_model(
    model: type[models.Model], names: list[str], *, batch_size: int
) -> tuple[int, int]:
    """Re-encrypt this model's values not under the current key. Returns (rows
    rewritten, rows already current)."""
    # The raw tokens, as stored: a plain text expression skips the field's decryption.
    raw = {
        f"raw_{name}": ExpressionWrapper(F(name), output_field=models.TextField()) for name in names
    }
    rewritten = current = 0
    last_pk = 0
    while True:
        rows = list(
            model._default_manager.filter(pk__gt=last_pk)
            .order_by("pk")
            .annotate(**raw)
            .values_list("pk", *raw)[:batch_size]
        )
        if not rows:
            return rewritten, current
        last_pk = rows[-1][0]
        stale = []
        for pk, *tokens in rows:
            if all(crypto.is_current(token) for token in tokens if token):
                current += 1
                continue
            for token in tokens:  # each value must decrypt with one of the keys
                if token:
                    _check_decrypts(token, f"{model._meta.db_table} row {pk}")
            stale.append(pk)
        if stale:
            with transaction.atomic():
                # Read back in clear (any key decrypts), written encrypted with the
                # current key; locked so that a change made meanwhile is not overwritten.
                objects = list(
                    model._default_manager.select_for_update().filter(pk__in=stale).only(*names)
                )
                model._default_manager.bulk_update(objects, names)
        rewritten += len(stale)


def _check_decrypts(token: str, what: str) -> None:
    try:
        crypto.decrypt(token, what=what)
    except crypto.DecryptionError as error:
        raise CommandError(str(error)) from None


class Command(BaseCommand):
    help = "Re-encrypt the peer-support free text with the first key of ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size is at least 1.")
        total = 0
        for model, names in encrypted_fields():
            rewritten, current = rotate_model(model, names, batch_size=batch_size)
            total += rewritten
            self.stdout.write(
                f"{model._meta.label}: {rewritten} rows re-encrypted, {current} already current"
            )
        self.stdout.write(self.style.SUCCESS(f"Done: {total} rows re-encrypted."))
