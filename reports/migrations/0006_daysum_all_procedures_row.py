"""DaySum changes meaning: procedure_key 0 is now "all procedures" (one row per dimension) and
rows of a procedure carry the overall figures only. Rows built under the old meaning would
give incremental runs wrong differences, so they go, and the next rollup is a full one."""

from django.db import migrations


def forget_watermarks(apps, schema_editor):
    # Without a successful watermark, the next incremental run recomputes everything.
    apps.get_model("reports", "RollupRun").objects.exclude(watermark=None).update(watermark=None)


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_reviewflag")]

    operations = [
        migrations.RunSQL("DELETE FROM reports_daysum", migrations.RunSQL.noop),
        migrations.RunPython(forget_watermarks, migrations.RunPython.noop),
    ]
