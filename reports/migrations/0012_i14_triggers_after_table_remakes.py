"""SQLite drops a table's triggers when Django remakes the table, and surveys' migrations merged beside
0009_i14 remake surveys_response (a check constraint on the comment's length, new columns). Create
the dirty-key triggers again once they have all run. PostgreSQL keeps triggers through ALTER TABLE."""

import importlib

from django.db import migrations

dirty = importlib.import_module("reports.migrations.0009_i14_dirty_keys_and_run_method")


def recreate(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in dirty.SQLITE_DROP + dirty.SQLITE:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0011_i14_channel_day"),
        ("surveys", "0006_i14_triggers_after_table_remakes"),
    ]

    operations = [migrations.RunPython(recreate, migrations.RunPython.noop)]
