"""Large exports as background jobs: asked for on a page, built by a worker, downloaded by a private link.

Rules protected:
- small exports stay immediate: only one whose estimated rows reach settings.EXPORT_BACKGROUND_MIN_ROWS
  becomes a job (the estimate is a few COUNT queries, never the export itself);
- the content is exactly the immediate export's (`dashboards.unit_export_content` /
  `compare_export_content`: the same presentation rule, the same formula-safe cells), built from
  the query as asked with the period resolved at request time, so a rebuild writes the same file;
- one audit record per export, written when it is asked for (in the transaction that creates the
  job); building, rebuilding and downloading add none;
- the link is private: only the user who asked, and only while still permitted for what the file
  covers (the unit; for a comparison every unit whose membership let them see it), else 404;
  it expires after settings.EXPORT_TTL_HOURS (410 with a page saying so) and the beat task
  `export_cleanup` deletes the file;
- files live in the default storage (MEDIA_ROOT) under exports/<job id>/, never in the database:
  a comparison of a whole country is megabytes that would bloat the WAL, the replica and the
  backups for a file that lives a day; web and export workers share the storage (one volume, or
  an S3-compatible backend set in STORAGES) — docs/operations.md.
"""

from __future__ import annotations

import io
import logging
import tempfile
import uuid
from datetime import timedelta
from functools import partial
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.http import Http404, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from agencies import audit
from agencies.models import Membership, Unit
from agencies.permissions import READ_ROLES, visible_units

from . import exports, queueing, selectors
from .audit_actions import AuditAction
from .models import ExportJob, Score
from .periods import Period

logger = logging.getLogger(__name__)

# Rows of a unit export besides its sub-units and procedures: overall, elements, trend of the unit
# and of the city, channels.
_UNIT_FIXED_ROWS = 40
# A job still running this long after its start (beyond the hard time limit) has lost its worker.
_STALL_MARGIN = timedelta(minutes=5)
# Expired jobs are kept (without their file) so that an old link says "expired" rather than 404.
KEEP_EXPIRED = timedelta(days=30)
# Stored untranslated (the page translates them into the reader's language).
NOT_STARTED = gettext_noop("The export could not be started. Please try again in a few minutes.")
NOT_PERMITTED = gettext_noop("You are no longer permitted to see this data.")
NOT_BUILT = gettext_noop("The export could not be built. Please ask for it again.")


# --------------------------------------------------------------------------- asking


def _resolved_period(query: QueryDict, unit: Unit | None) -> Period:
    """The period the export will show, fixed now: the one asked for when valid, else the latest."""
    period = Period.parse(query.get("period") or "")
    if period is None or period.start > timezone.localdate():
        period = selectors.latest_period(unit=unit) if unit is not None else selectors.latest_period()
    return period


def estimate_rows(*, user, kind: str, unit: Unit | None, query: QueryDict, period: Period) -> int:
    """How many rows the export will have, from COUNT queries (an upper bound for a comparison:
    its filters only narrow the units the user sees)."""
    if kind == ExportJob.Kind.UNIT:
        children = Unit.objects.filter(parent=unit).count()
        procedures = (
            Score.objects.filter(
                unit=unit,
                period_type=period.type,
                period_start=period.start,
                dimension__isnull=True,
                procedure__isnull=False,
            )
            .values("procedure")
            .distinct()
            .count()
        )
        return _UNIT_FIXED_ROWS + children + procedures
    units = visible_units(user)
    if not query.get("former"):
        units = units.filter(active=True)
    if query.get("kind"):
        units = units.filter(kind=query["kind"])
    return units.count()


def _scope_unit_ids(user) -> list[int]:
    """What gave the user sight of the comparison: their memberships' units (the tree's roots for
    a superuser), re-checked at download."""
    if user.is_superuser:
        return sorted(Unit.objects.filter(parent__isnull=True).values_list("id", flat=True))
    return sorted(set(Membership.objects.filter(user=user, role__in=READ_ROLES).values_list("unit_id", flat=True)))


def _filters(query: QueryDict) -> dict[str, str]:
    # Bounded: a crafted query string must not bloat the log (as export_records.export_record).
    return {k[:40]: v[:100] for k, v in list(query.items())[:20] if k != "page"}


def start_if_large(request, *, kind: str, fmt: str, unit: Unit | None) -> ExportJob | None:
    """A job for this export when it is large (None: answer it now). The caller has checked access."""
    query = request.GET.copy()
    query.pop("page", None)
    period = _resolved_period(query, unit)
    rows = estimate_rows(user=request.user, kind=kind, unit=unit, query=query, period=period)
    if rows < int(settings.EXPORT_BACKGROUND_MIN_ROWS):
        return None
    query["period"] = period.key
    return export_job_create(
        user=request.user,
        kind=kind,
        fmt=fmt,
        unit=unit,
        params={k: query.getlist(k) for k in query},
        period=period.key,
        estimated_rows=rows,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )


@transaction.atomic
def export_job_create(
    *,
    user,
    kind: str,
    fmt: str,
    unit: Unit | None,
    params: dict[str, list[str]],
    period: str,
    estimated_rows: int,
    language: str,
) -> ExportJob:
    """Record the job and who asked for what (the one audit record of this export); the build is
    queued once the transaction commits (in-process at once in the embedded mode)."""
    job = ExportJob.objects.create(
        id=uuid.uuid4(),
        user=user,
        kind=kind,
        fmt=fmt,
        unit=unit,
        scope_unit_ids=_scope_unit_ids(user) if unit is None else [],
        params=params,
        language=language[:8],
        estimated_rows=estimated_rows,
        expires_at=timezone.now() + timedelta(hours=int(settings.EXPORT_TTL_HOURS)),
    )
    audit.record(
        actor=user,
        action=AuditAction.EXPORT,
        object_type=f"export.{kind}",
        object_id=unit.code if unit else "",
        object_label=f"{kind} {period} {fmt.upper()}",
        unit=unit,
        details={
            "format": fmt,
            "period": period,
            "filters": _filters(_query(params)),
            "job": str(job.pk),
            "background": True,
            "estimated_rows": estimated_rows,
        },
    )
    transaction.on_commit(partial(_queue, job.pk))
    return job


def _queue(job_id: uuid.UUID) -> None:
    # By name (reports.queueing); a broker that is down: the status page says the export did not start.
    if not queueing.run_or_send("reports.tasks.export_build", {"job_id": str(job_id)}, why="for an export job"):
        fail(job_id, NOT_STARTED)


def _query(params: dict[str, list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in params.items():
        query.setlist(key, [str(v) for v in values])
    return query


# --------------------------------------------------------------------------- building


def _set(job_id, **fields) -> None:
    ExportJob.objects.filter(pk=job_id).update(**fields)


def fail(job_id, message: str) -> None:
    _set(job_id, status=ExportJob.Status.FAILED, error=str(message)[:300], finished_at=timezone.now())


def still_permitted(job: ExportJob) -> bool:
    """The requester may still see what the file covers (checked at build and at download)."""
    user = job.user
    if not user.is_active:
        return False
    visible = visible_units(user)
    if job.unit_id is not None:
        return visible.filter(pk=job.unit_id).exists()
    ids = set(job.scope_unit_ids or [])
    return bool(ids) and visible.filter(pk__in=ids).count() == len(ids)


def export_job_build(*, job_id: str) -> None:
    """Build the job's file and mark it ready. Running it again rebuilds the same selection into the
    same name (exports/<job id>/<file>); an expired or deleted job is left alone."""
    from . import dashboards

    job = ExportJob.objects.select_related("user", "unit").filter(pk=job_id).first()
    if job is None or job.status == ExportJob.Status.EXPIRED or job.expires_at <= timezone.now():
        logger.info("export job %s: gone or expired, nothing to build", job_id)
        return
    _set(
        job.pk,
        status=ExportJob.Status.RUNNING,
        progress=5,
        attempts=F("attempts") + 1,
        error="",
        started_at=timezone.now(),
    )
    if not still_permitted(job):
        fail(job.pk, NOT_PERMITTED)
        return
    request = SimpleNamespace(user=job.user, GET=_query(job.params))
    with translation.override(job.language):
        try:
            if job.kind == ExportJob.Kind.UNIT:
                content = dashboards.unit_export_content(request, job.unit.code, job.fmt)
            else:
                content = dashboards.compare_export_content(request, job.fmt)
        except (Http404, PermissionDenied):
            fail(job.pk, NOT_PERMITTED)
            return
        _set(job.pk, progress=40)
        total = max(content.row_count, 1)
        with tempfile.TemporaryFile() as tmp:
            if job.fmt == "csv":
                text = io.TextIOWrapper(tmp, encoding="utf-8", newline="", write_through=True)
                exports.csv_write(
                    text,
                    content.head or [],
                    content.rows or [],
                    on_row=lambda n: _set(job.pk, progress=40 + min(55, 55 * n // total)),
                )
                text.flush()
                text.detach()
            else:
                tmp.write(exports.xlsx_bytes(content.sheets or {}, content.about or []))
                _set(job.pk, progress=80)
            size = tmp.tell()
            tmp.seek(0)
            name = f"exports/{job.pk}/{content.filename}.{job.fmt}"
            if default_storage.exists(name):  # a rebuild: the same name, the new content
                default_storage.delete(name)
            saved = default_storage.save(name, File(tmp))
    _set(
        job.pk,
        status=ExportJob.Status.READY,
        progress=100,
        rows=content.row_count,
        size=size,
        file=saved,
        filename=content.filename[:120],
        finished_at=timezone.now(),
    )


# --------------------------------------------------------------------------- reading


def job_for_user(user, job_id) -> ExportJob:
    """The job, for the user who asked and still may see its data; 404 for anyone else."""
    job = ExportJob.objects.select_related("user", "unit").filter(pk=job_id, user_id=user.pk).first()
    if job is None or not still_permitted(job):
        raise Http404
    return job


def is_expired(job: ExportJob) -> bool:
    return job.status == ExportJob.Status.EXPIRED or job.expires_at <= timezone.now()


def is_stalled(job: ExportJob) -> bool:
    """Running for longer than the hard time limit lets a task run: its worker was lost; ask again.
    (A pending job may wait behind others in the queue: it waits until it expires.)"""
    if job.status != ExportJob.Status.RUNNING or job.started_at is None:
        return False
    limit = timedelta(seconds=int(settings.CELERY_TASK_TIME_LIMIT)) + _STALL_MARGIN
    return job.started_at + limit < timezone.now()


# --------------------------------------------------------------------------- cleaning


def export_cleanup(*, now=None) -> int:
    """Delete the files of expired jobs and mark them expired; forget jobs expired long ago.
    Returns how many files were removed."""
    now = now or timezone.now()
    removed = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).exclude(status=ExportJob.Status.EXPIRED):
        if job.file and default_storage.exists(job.file.name):
            default_storage.delete(job.file.name)
            removed += 1
        _set(job.pk, status=ExportJob.Status.EXPIRED, file="")
    ExportJob.objects.filter(expires_at__lte=now - KEEP_EXPIRED).delete()
    return removed


def query_of(job: ExportJob) -> QueryDict:
    """The query the export was asked with (for the link back to its page)."""
    return _query(job.params)
