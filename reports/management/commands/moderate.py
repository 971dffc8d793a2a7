"""`manage.py moderate exclude|include|delete|reassign RESPONSE_ID --user NAME --reason TEXT`:
change a response from a script, through the same audited services as the moderation pages and the
admin (reports.moderation) — never by editing the row, which would leave the scores stale."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies.models import Procedure, Unit
from reports import moderation
from surveys.models import Response


class Command(BaseCommand):
    help = (
        "Exclude a response from the scores, count it again, move it to another unit or procedure, or delete "
        "it — audited under the named user's rights, and recomputed by the next incremental rollup."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["exclude", "include", "delete", "reassign"])
        parser.add_argument("response_id", type=int, metavar="RESPONSE_ID")
        parser.add_argument("--user", required=True, metavar="USERNAME", help="who does it (their rights apply)")
        parser.add_argument("--reason", required=True, help="why; kept in the moderation history and audit log")
        parser.add_argument("--unit", metavar="CODE", help="reassign: the unit the response belongs to")
        parser.add_argument("--procedure", metavar="CODE", help="reassign: the procedure's national code")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {options['user']!r}")
        if not Response.objects.filter(pk=options["response_id"]).exists():
            raise CommandError(f"no response #{options['response_id']}")
        action, response_id, reason = options["action"], options["response_id"], options["reason"]
        try:
            with transaction.atomic():
                if action == "exclude":
                    moderation.response_exclude(response_id=response_id, user=user, reason=reason)
                elif action == "include":
                    moderation.response_include(response_id=response_id, user=user, reason=reason)
                elif action == "delete":
                    moderation.response_delete(response_id=response_id, user=user, reason=reason)
                else:
                    unit = procedure = None
                    if options["unit"]:
                        unit = Unit.objects.filter(code=options["unit"]).first()
                        if unit is None:
                            raise CommandError(f"no unit with code {options['unit']!r}")
                    if options["procedure"]:
                        procedure = Procedure.objects.filter(code=options["procedure"]).first()
                        if procedure is None:
                            raise CommandError(f"no procedure with code {options['procedure']!r}")
                    if unit is None and procedure is None:
                        raise CommandError("reassign needs --unit CODE or --procedure CODE")
                    moderation.response_reassign(
                        response_id=response_id, user=user, reason=reason, unit=unit, procedure=procedure
                    )
        except (ValidationError, PermissionDenied) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(message) from None
        self.stdout.write(f"response #{response_id}: {action} done; the next rollup recomputes its scores")
