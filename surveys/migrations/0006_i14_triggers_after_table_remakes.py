"""SQLite drops a table's triggers when Django remakes the table (adding a column with a default or a
check constraint does), and the migrations merged beside 0002_i14 remake surveys_question's,
surveys_response's and surveys_answer's neighbours. Create the frozen-version triggers again, once
every remake has run. PostgreSQL keeps triggers through ALTER TABLE: nothing to do there."""

import importlib

from django.db import migrations

frozen = importlib.import_module("surveys.migrations.0002_i14_frozen_versions")


def recreate(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in frozen.SQLITE_DROP + frozen.SQLITE:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0005_merge_i14")]

    operations = [migrations.RunPython(recreate, migrations.RunPython.noop)]
