"""A unit whose subtree is only itself keeps one set of Score rows, scope "both" (its own rows
are its subtree rows; readers ask through Score.objects.in_scope). The copies written by earlier
rollups go."""

from django.db import migrations

LONE = "SELECT ancestor_id FROM reports_unitclosure GROUP BY ancestor_id HAVING COUNT(*) = 1"


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0007_score_key_leads_with_unit_and_period"),
    ]

    operations = [
        # Backwards: a full rollup (`manage.py rollup --full`) with the earlier code writes both
        # scopes again.
        migrations.RunSQL(f"DELETE FROM reports_score WHERE scope = 'subtree' AND unit_id IN ({LONE})",
                          migrations.RunSQL.noop),
        migrations.RunSQL(f"UPDATE reports_score SET scope = 'both' WHERE scope = 'own' AND unit_id IN ({LONE})",
                          migrations.RunSQL.noop),
    ]
