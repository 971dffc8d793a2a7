from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from feedback import services


class Command(BaseCommand):
    help = "Tag comments with their topics (feedback.topics). Only untagged comments, unless --all."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Tag every comment again (after the rules changed).")
        parser.add_argument("--batch", type=int, default=2000, help="Comments per transaction (default 2000).")

    def handle(self, *args, **options):
        if options["batch"] < 1:
            self.stderr.write(_("--batch must be at least 1."))
            raise SystemExit(2)
        total = 0
        if options["all"]:
            from surveys.models import Response

            ids = list(Response.objects.exclude(comment="").order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(ids), options["batch"]):
                total += len(services.tag_comments(response_ids=ids[start : start + options["batch"]]))
        else:
            while True:
                done = services.tag_comments(limit=options["batch"])
                total += len(done)
                if len(done) < options["batch"]:
                    break
        self.stdout.write(_("%(count)d comments tagged.") % {"count": total})
