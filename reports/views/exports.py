"""The status page and the download of a background export (reports.export_jobs).

Both answer 404 to anyone but the user who asked, and to them once they may no longer see the
data (`export_jobs.job_for_user`); an expired job answers 410 with a page that says so.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import export_jobs
from ..models import ExportJob


def _state(job: ExportJob) -> str:
    if export_jobs.is_expired(job):
        return "expired"
    if export_jobs.is_stalled(job):
        return "failed"
    return job.status


def _message(job: ExportJob, state: str) -> str:
    if state == "ready":
        return _("Your export is ready.")
    if state == "failed":
        return _(job.error) if job.error else _("The export did not finish. Please ask for it again.")
    if state == "running":
        return _("Your export is being built: %(progress)s%% done.") % {"progress": job.progress}
    return _("Your export is waiting for a worker.")


@login_required
@require_GET
def export_status(request, job_id):
    """Where the export stands; the page updates itself (static/js/export_status.js) until it is ready."""
    job = export_jobs.job_for_user(request.user, job_id)
    state = _state(job)
    message = _message(job, state)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {"state": state, "progress": job.progress, "message": message},
            status=410 if state == "expired" else 200,
        )
    if state == "expired":
        return _expired(request, job)
    return render(
        request,
        "reports/export_status.html",
        {
            "job": job,
            "state": state,
            "message": message,
            "back": _back(job),
            "final": state in ("ready", "failed"),
            "page_label": job.unit.name if job.unit_id else _("Comparison of units"),
        },
    )


def _back(job: ExportJob) -> str:
    """The page the export was asked from, with its filters."""
    page = reverse("reports:unit", kwargs={"code": job.unit.code}) if job.unit_id else reverse("reports:compare")
    return f"{page}?{export_jobs.query_of(job).urlencode()}"


def _expired(request, job: ExportJob):
    from django.conf import settings

    return render(
        request,
        "reports/export_expired.html",
        {"job": job, "back": _back(job), "ttl_hours": settings.EXPORT_TTL_HOURS},
        status=410,
    )


@login_required
@require_GET
def export_download(request, job_id):
    """The file, for the user who asked; the status page until it is ready; 410 once expired."""
    job = export_jobs.job_for_user(request.user, job_id)
    state = _state(job)
    if state == "expired":
        return _expired(request, job)
    if state != "ready" or not job.file:
        return redirect("reports:export_status", job_id=job.pk)
    try:
        handle = default_storage.open(job.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=job.download_name)
