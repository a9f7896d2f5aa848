"""On PostgreSQL the access log refuses UPDATE and DELETE in the database itself, whatever
the client (the ORM refuses them too, on every database). SQLite keeps the ORM guard only:
a trigger there would also refuse the test runner's table flush (DELETE FROM)."""

from django.db import migrations

CREATE = """
CREATE FUNCTION peer_support_access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'peer_support_accesslog is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER peer_support_access_log_append_only
    BEFORE UPDATE OR DELETE ON peer_support_accesslog
    FOR EACH ROW EXECUTE FUNCTION peer_support_access_log_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS peer_support_access_log_append_only ON peer_support_accesslog;
DROP FUNCTION IF EXISTS peer_support_access_log_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("peer_support", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
