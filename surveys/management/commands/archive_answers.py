"""Archive the raw answers of responses submitted before a date (issue 15, retention).

The published scores do not change: they are built from the per-response sums, which stay.
Resumable: each batch is one transaction; a response archived is never looked at again.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from surveys.retention import answers_archive


class Command(BaseCommand):
    help = "Move the raw answers of responses submitted before --before into the archive (scores unchanged)."

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="Local date YYYY-MM-DD: responses before it.")
        parser.add_argument("--batch", type=int, default=2000, help="Responses per transaction (default 2000).")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["before"])
        except ValueError as exc:
            raise CommandError(f"--before must be a date YYYY-MM-DD ({exc})") from None
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        before = datetime.combine(day, datetime.min.time(), ZoneInfo(settings.TIME_ZONE))
        count = answers_archive(before=before, batch=options["batch"])
        self.stdout.write(f"archive_answers: the answers of {count} responses submitted before {day} archived")
