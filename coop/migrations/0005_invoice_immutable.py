"""The database itself keeps issued invoices and the money journals as they are (DESIGN.md
rule 1): whatever the code path — the interface, the admin site, the ORM, a shell — an
issued invoice or credit note, its lines, a payment entry or a recovery action cannot be
changed or deleted. Triggers, on PostgreSQL and on SQLite alike."""

from django.db import migrations

ISSUED_INVOICE = "Une facture émise ne se modifie pas et ne se supprime pas : faites un avoir."
ISSUED_LINE = "Les lignes d’une facture émise ne changent plus : faites un avoir."
JOURNAL = "Le journal des paiements ne se modifie pas : passez une écriture d’annulation."
RECOVERY = "Le journal de recouvrement ne se modifie pas."

POSTGRESQL = [
    f"""
    CREATE FUNCTION coop_refuse_issued_invoice_change() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'issued' THEN
            RAISE EXCEPTION '{ISSUED_INVOICE}' USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER coop_invoice_immutable BEFORE UPDATE OR DELETE ON coop_invoice
    FOR EACH ROW EXECUTE FUNCTION coop_refuse_issued_invoice_change();
    """,
    f"""
    CREATE FUNCTION coop_refuse_issued_line_change() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND EXISTS (
            SELECT 1 FROM coop_invoice WHERE id = OLD.invoice_id AND status = 'issued'
        ) THEN
            RAISE EXCEPTION '{ISSUED_LINE}' USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP <> 'DELETE' AND EXISTS (
            SELECT 1 FROM coop_invoice WHERE id = NEW.invoice_id AND status = 'issued'
        ) THEN
            RAISE EXCEPTION '{ISSUED_LINE}' USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER coop_invoiceline_immutable BEFORE INSERT OR UPDATE OR DELETE
    ON coop_invoiceline FOR EACH ROW EXECUTE FUNCTION coop_refuse_issued_line_change();
    """,
    f"""
    CREATE FUNCTION coop_refuse_payment_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{JOURNAL}' USING ERRCODE = 'restrict_violation';
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER coop_payment_append_only BEFORE UPDATE OR DELETE ON coop_payment
    FOR EACH ROW EXECUTE FUNCTION coop_refuse_payment_change();
    """,
    f"""
    CREATE FUNCTION coop_refuse_recovery_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{RECOVERY}' USING ERRCODE = 'restrict_violation';
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER coop_recoveryaction_append_only BEFORE UPDATE OR DELETE
    ON coop_recoveryaction FOR EACH ROW EXECUTE FUNCTION coop_refuse_recovery_change();
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER coop_invoice_immutable ON coop_invoice",
    "DROP FUNCTION coop_refuse_issued_invoice_change()",
    "DROP TRIGGER coop_invoiceline_immutable ON coop_invoiceline",
    "DROP FUNCTION coop_refuse_issued_line_change()",
    "DROP TRIGGER coop_payment_append_only ON coop_payment",
    "DROP FUNCTION coop_refuse_payment_change()",
    "DROP TRIGGER coop_recoveryaction_append_only ON coop_recoveryaction",
    "DROP FUNCTION coop_refuse_recovery_change()",
]

_LINE_OF_ISSUED = "EXISTS (SELECT 1 FROM coop_invoice WHERE id = {row}.invoice_id AND status = 'issued')"

SQLITE = [
    f"""
    CREATE TRIGGER coop_invoice_no_update BEFORE UPDATE ON coop_invoice
    FOR EACH ROW WHEN OLD.status = 'issued'
    BEGIN SELECT RAISE(ABORT, '{ISSUED_INVOICE}'); END
    """,
    f"""
    CREATE TRIGGER coop_invoice_no_delete BEFORE DELETE ON coop_invoice
    FOR EACH ROW WHEN OLD.status = 'issued'
    BEGIN SELECT RAISE(ABORT, '{ISSUED_INVOICE}'); END
    """,
    f"""
    CREATE TRIGGER coop_invoiceline_no_insert BEFORE INSERT ON coop_invoiceline
    FOR EACH ROW WHEN {_LINE_OF_ISSUED.format(row="NEW")}
    BEGIN SELECT RAISE(ABORT, '{ISSUED_LINE}'); END
    """,
    f"""
    CREATE TRIGGER coop_invoiceline_no_update BEFORE UPDATE ON coop_invoiceline
    FOR EACH ROW WHEN {_LINE_OF_ISSUED.format(row="OLD")} OR {_LINE_OF_ISSUED.format(row="NEW")}
    BEGIN SELECT RAISE(ABORT, '{ISSUED_LINE}'); END
    """,
    f"""
    CREATE TRIGGER coop_invoiceline_no_delete BEFORE DELETE ON coop_invoiceline
    FOR EACH ROW WHEN {_LINE_OF_ISSUED.format(row="OLD")}
    BEGIN SELECT RAISE(ABORT, '{ISSUED_LINE}'); END
    """,
    f"""
    CREATE TRIGGER coop_payment_no_update BEFORE UPDATE ON coop_payment
    BEGIN SELECT RAISE(ABORT, '{JOURNAL}'); END
    """,
    f"""
    CREATE TRIGGER coop_payment_no_delete BEFORE DELETE ON coop_payment
    BEGIN SELECT RAISE(ABORT, '{JOURNAL}'); END
    """,
    f"""
    CREATE TRIGGER coop_recoveryaction_no_update BEFORE UPDATE ON coop_recoveryaction
    BEGIN SELECT RAISE(ABORT, '{RECOVERY}'); END
    """,
    f"""
    CREATE TRIGGER coop_recoveryaction_no_delete BEFORE DELETE ON coop_recoveryaction
    BEGIN SELECT RAISE(ABORT, '{RECOVERY}'); END
    """,
]

SQLITE_REVERSE = [
    f"DROP TRIGGER {name}"
    for name in (
        "coop_invoice_no_update",
        "coop_invoice_no_delete",
        "coop_invoiceline_no_insert",
        "coop_invoiceline_no_update",
        "coop_invoiceline_no_delete",
        "coop_payment_no_update",
        "coop_payment_no_delete",
        "coop_recoveryaction_no_update",
        "coop_recoveryaction_no_delete",
    )
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"No immutability triggers for {schema_editor.connection.vendor}: "
                "issued invoices would be unprotected."
            )
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("coop", "0004_invoicing")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
