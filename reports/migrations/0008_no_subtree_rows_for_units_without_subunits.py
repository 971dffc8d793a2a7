"""Units whose subtree is only themselves keep no subtree Score rows: readers take their own
rows (Score.objects.in_scope). The copies written by earlier rollups go."""

from django.db import migrations

DELETE_COPIES = (
    "DELETE FROM reports_score WHERE scope = 'subtree' AND unit_id IN ("
    "SELECT ancestor_id FROM reports_unitclosure GROUP BY ancestor_id HAVING COUNT(*) = 1)"
)


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0007_score_key_leads_with_unit_and_period"),
    ]

    operations = [
        # Backwards: a full rollup (`manage.py rollup --full`) with the earlier code writes them again.
        migrations.RunSQL(DELETE_COPIES, migrations.RunSQL.noop),
    ]
