"""Print fresh receipt codes for a unit, one per line: CODE<TAB>URL."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agencies.models import Procedure, ServicePoint, Unit
from surveys.links import survey_url
from surveys.manage.services import MAX_RECEIPTS_PER_BATCH, receipts_issue_batch


class Command(BaseCommand):
    help = "Issue N fresh single-use receipt codes for a unit and print them as CODE<TAB>URL, one per line."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="Code of the unit that serves the citizens.")
        parser.add_argument("--procedure", help="National code of the administrative procedure (optional).")
        parser.add_argument("--service-point", help="Code of the service point within the unit (optional).")
        parser.add_argument(
            "--count", type=int, default=1, help=f"How many codes to issue (1–{MAX_RECEIPTS_PER_BATCH}, default 1)."
        )

    def handle(self, *args, **options):
        count = options["count"]
        if not 1 <= count <= MAX_RECEIPTS_PER_BATCH:
            raise CommandError(f"--count must be between 1 and {MAX_RECEIPTS_PER_BATCH} (got {count}).")
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"No unit has the code {options['unit']!r}.")
        if not unit.active:
            raise CommandError(f"The unit {unit.code} is no longer active.")
        procedure = None
        if options["procedure"]:
            procedure = Procedure.objects.filter(code=options["procedure"]).first()
            if procedure is None:
                raise CommandError(f"No administrative procedure has the code {options['procedure']!r}.")
        point = None
        if options["service_point"]:
            point = ServicePoint.objects.filter(unit=unit, code=options["service_point"]).first()
            if point is None:
                raise CommandError(f"The unit {unit.code} has no service point {options['service_point']!r}.")
        try:
            receipts = receipts_issue_batch(unit=unit, count=count, procedure=procedure, service_point=point)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        for receipt in receipts:
            self.stdout.write(f"{receipt.display_code}\t{survey_url(receipt.code)}")
