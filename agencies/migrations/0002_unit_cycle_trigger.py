"""The database refuses a parent that would make a unit its own ancestor.

A check constraint cannot look at other rows, so a trigger does: when a unit's parent changes,
the new parent's materialised path must not pass through the unit itself.
"""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER agencies_unit_no_cycle BEFORE UPDATE OF parent_id ON agencies_unit
    WHEN NEW.parent_id IS NOT NULL AND (
        NEW.parent_id = NEW.id OR EXISTS (
            SELECT 1 FROM agencies_unit p
            WHERE p.id = NEW.parent_id AND p.path LIKE '%/' || NEW.id || '/%'
        )
    )
    BEGIN SELECT RAISE(ABORT, 'a unit cannot be its own ancestor'); END;
    """
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS agencies_unit_no_cycle;"]

POSTGRES = [
    """
    CREATE FUNCTION agencies_unit_no_cycle() RETURNS trigger AS $$
    BEGIN
        IF NEW.parent_id IS NOT NULL AND (
            NEW.parent_id = NEW.id OR EXISTS (
                SELECT 1 FROM agencies_unit p
                WHERE p.id = NEW.parent_id AND p.path LIKE '%/' || NEW.id || '/%'
            )
        ) THEN
            RAISE EXCEPTION 'a unit cannot be its own ancestor' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER agencies_unit_no_cycle BEFORE UPDATE OF parent_id ON agencies_unit
    FOR EACH ROW EXECUTE FUNCTION agencies_unit_no_cycle();
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS agencies_unit_no_cycle ON agencies_unit;",
    "DROP FUNCTION IF EXISTS agencies_unit_no_cycle();",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
