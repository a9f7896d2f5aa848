"""The research app's encrypted columns (an extract's key until its download, the answers
typed in questionnaires) hold no clear text in the database."""

import pytest
from django.db import connection

from peer_support.management.commands.peer_support_rotate_keys import encrypted_fields

pytestmark = pytest.mark.django_db

CLEAR = "Réponse très personnelle de Gaëlle"


def test_research_declares_its_encrypted_columns():
    declared = {
        (model.__name__, name)
        for model, names in encrypted_fields()
        if model._meta.app_label == "research"
        for name in names
    }
    assert ("ExtractRequest", "secret") in declared
    assert ("Answer", "text") in declared


def test_what_research_stores_encrypted_is_not_readable_in_the_column():
    for model, names in encrypted_fields():
        if model._meta.app_label != "research":
            continue
        for name in names:
            field = model._meta.get_field(name)
            stored = field.get_db_prep_value(CLEAR, connection)
            assert CLEAR not in stored and "Gaëlle" not in stored
            assert field.from_db_value(stored, None, connection) == CLEAR
