"""Every text field a person fills has a maximum length the database enforces itself, on SQLite and
on PostgreSQL: an over-long value written through the ORM (no form, no service) is refused.

Table-driven from the models' _meta: a new CharField or TextField in agencies, surveys, reports or
feedback fails here until it has a max_length and a check (agencies.bounds.length_checks), unless it
is listed below as written by the system only (with the reason).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db import DataError, IntegrityError, models, transaction
from django.utils import timezone

from agencies.models import UnitBoundary
from agencies.tests.factories import make_procedure, make_service_point
from feedback.models import Action, ImprovementPlan, Reply
from reports.models import ModerationEvent, OpenDataPublication, ReviewFlag
from surveys.models import Answer, ApiToken, Choice, Kiosk, Question, SurveyVersion
from surveys.tests.factories import make_response, make_standard_survey

pytestmark = pytest.mark.anydb

APPS = {"agencies", "surveys", "reports", "feedback"}

# Written by code, never typed by a person: bounded by what the code writes (hashes, codes, keys,
# error texts the code truncates, copies of names that are bounded where they are typed).
SYSTEM_WRITTEN = {
    "agencies.AuditEvent": {"actor_name", "object_type", "object_id", "object_label"},
    "surveys.Receipt": {"code"},  # generated (surveys.codes)
    "surveys.Response": {"language", "client_hash"},  # the active language code; a hash
    "reports.RollupRun": {"error", "interval_method", "method_version"},
    "reports.ChannelDay": {"channel"},
    "surveys.ResponseSum": {"channel"},  # copied from its response by the database triggers
    "reports.ReviewFlag": {"key"},  # a digest
    "feedback.ReplyKey": {"key_hash"},
    "feedback.AlertDelivery": {"period_key", "last_error"},
    "feedback.MonthlyReport": {"error"},
    "reports.ExportJob": {"fmt", "language", "filename", "error"},  # chosen by the view, generated, or ours
}


def user_text_fields() -> list[tuple[type[models.Model], models.Field]]:
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in APPS:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField):
                continue
            if field.choices or not field.editable or field.name in SYSTEM_WRITTEN.get(model._meta.label, ()):
                continue
            found.append((model, field))
    return found


FIELDS = user_text_fields()


def test_the_table_covers_the_fields_people_fill():
    labels = {f"{m._meta.label}.{f.name}" for m, f in FIELDS}
    # A few the issue names, so that the discovery above cannot quietly find nothing.
    assert {
        "surveys.SurveyVersion.intro_vi",
        "surveys.Question.text_vi",
        "surveys.Choice.text_vi",
        "agencies.Unit.name_vi",
        "agencies.Procedure.name_vi",
        "surveys.Response.comment",
        "feedback.Reply.text",
        "reports.ModerationEvent.reason",
        "reports.OpenDataPublication.note",
        "feedback.ImprovementPlan.actions",
        "feedback.Action.done",
    } <= labels
    unbounded = sorted(label for label, (m, f) in zip(labels, FIELDS, strict=True) if f.max_length is None)
    assert not unbounded, f"give these a max_length (and a check): {unbounded}"


@pytest.fixture
def rows(city):
    """One stored row of every model with a text field people fill."""
    version = make_standard_survey(city.root)
    response = make_response(version, city.ward_a, [4] * 3, comment="Nhanh, gọn.")
    draft = SurveyVersion.objects.create(survey=version.survey, number=version.number + 1, title_vi="Nháp")
    question = Question.objects.create(version=draft, kind="single", text_vi="Bạn đến bằng gì?")
    text_question = Question.objects.create(version=draft, kind="text", text_vi="Góp ý khác?", required=False)
    text_answer = Answer.objects.create(response=response, question=text_question, kind="text", text="Tốt")
    point = make_service_point(city.ward_a)
    now = timezone.now()
    created = [
        city.root,
        make_procedure(),
        point,
        UnitBoundary.objects.create(unit=city.ward_a, polygons=[], source="OSM"),
        version.survey,
        draft,
        question,
        Choice.objects.create(question=question, text_vi="Xe máy"),
        ApiToken.objects.create(unit=city.ward_a, name="Một cửa", key_hash="k" * 64, prefix="abcd"),
        Kiosk.objects.create(service_point=point, label="Máy tính bảng", token="t" * 40),
        response,
        text_answer,
        OpenDataPublication.objects.create(unit=city.root, period_type="month", period_start=date(2026, 1, 1)),
        ModerationEvent.objects.create(response=response, action="exclude", reason="thử"),
        ReviewFlag.objects.create(kind="identical", key="x", unit=city.ward_a, first_at=now, last_at=now),
        Reply.objects.create(response=response, text="Cảm ơn anh/chị."),
        Action.objects.create(unit=city.ward_a, heard="Chờ lâu", done="Thêm quầy", done_on=date(2026, 1, 5)),
        ImprovementPlan.objects.create(
            unit=city.ward_a,
            trigger_month=date(2026, 1, 1),
            problem="Chờ lâu",
            actions="Thêm quầy",
            owner="Trưởng bộ phận một cửa",
            deadline=date(2026, 3, 1) + timedelta(days=1),
        ),
    ]
    from surveys.models import Dimension

    created.append(Dimension.objects.first())
    return {type(row): row for row in created}


def _write(model, pk, field, value) -> None:
    with transaction.atomic():
        model._base_manager.filter(pk=pk).update(**{field.attname: value})


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "field"), FIELDS, ids=[f"{m._meta.label}.{f.name}" for m, f in FIELDS])
def test_the_database_refuses_a_text_longer_than_its_field(rows, model, field):
    row = rows.get(model)
    assert row is not None, f"add a row of {model._meta.label} to the rows fixture"
    n = field.max_length
    # Exactly n characters (multi-byte ones: the bound counts characters) is stored ...
    value = "ệ" * n if not isinstance(field, models.SlugField) else "x" * n
    _write(model, row.pk, field, value)
    assert len(model._base_manager.values_list(field.attname, flat=True).get(pk=row.pk)) == n
    # ... one more is refused by the database itself.
    with pytest.raises((IntegrityError, DataError)):
        _write(model, row.pk, field, value + value[0])


FORM_MODULES = [
    "surveys.citizen.forms",
    "surveys.manage.forms",
    "surveys.authoring.forms",
    "reports.forms",
    "feedback.forms",
]

# Where a form's text lands: the form's bound must not exceed the column's, or a person would get a
# database error instead of the form's message.
FORM_TO_MODEL = [
    ("surveys.authoring.forms.SurveyCreateForm", "title_vi", "surveys.SurveyVersion", "title_vi"),
    ("surveys.authoring.forms.SurveyCreateForm", "title_en", "surveys.SurveyVersion", "title_en"),
    ("surveys.authoring.forms.VersionForm", "title_vi", "surveys.SurveyVersion", "title_vi"),
    ("surveys.authoring.forms.VersionForm", "title_en", "surveys.SurveyVersion", "title_en"),
    ("surveys.authoring.forms.VersionForm", "intro_vi", "surveys.SurveyVersion", "intro_vi"),
    ("surveys.authoring.forms.VersionForm", "intro_en", "surveys.SurveyVersion", "intro_en"),
    ("surveys.authoring.forms.QuestionForm", "text_vi", "surveys.Question", "text_vi"),
    ("surveys.authoring.forms.QuestionForm", "text_en", "surveys.Question", "text_en"),
    ("surveys.authoring.forms.QuestionForm", "help_vi", "surveys.Question", "help_vi"),
    ("surveys.authoring.forms.QuestionForm", "help_en", "surveys.Question", "help_en"),
    ("surveys.manage.forms.KioskForm", "label", "surveys.Kiosk", "label"),
    ("surveys.manage.forms.ApiTokenForm", "name", "surveys.ApiToken", "name"),
    ("reports.forms.IncludeForm", "note", "reports.ModerationEvent", "reason"),
    ("reports.forms.PublicationForm", "note", "reports.OpenDataPublication", "note"),
    ("feedback.forms.ReplyForm", "text", "feedback.Reply", "text"),
    ("feedback.forms.ActionForm", "heard", "feedback.Action", "heard"),
    ("feedback.forms.ActionForm", "done", "feedback.Action", "done"),
    ("feedback.forms.PlanForm", "problem", "feedback.ImprovementPlan", "problem"),
    ("feedback.forms.PlanForm", "actions", "feedback.ImprovementPlan", "actions"),
    ("feedback.forms.PlanForm", "owner", "feedback.ImprovementPlan", "owner"),
]


def _form_class(path: str):
    import importlib

    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize(
    ("form", "name", "model", "column"), FORM_TO_MODEL, ids=[f"{f}.{n}" for f, n, _, _ in FORM_TO_MODEL]
)
def test_a_form_bounds_its_text_within_the_column_it_fills(form, name, model, column):
    form_max = _form_class(form).base_fields[name].max_length
    model_max = apps.get_model(model)._meta.get_field(column).max_length
    assert form_max is not None and form_max <= model_max, (form, name, form_max, model, column, model_max)


def test_every_text_field_of_every_form_has_a_maximum_length():
    import importlib
    import inspect

    from django import forms

    unbounded = []
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, forms.BaseForm) or cls.__module__ != module_name:
                continue
            for field_name, field in cls.base_fields.items():
                if (
                    isinstance(field, forms.CharField)
                    and not isinstance(field, forms.UUIDField)
                    and field.max_length is None
                ):
                    unbounded.append(f"{module_name}.{name}.{field_name}")
    assert not unbounded, f"give these form fields a max_length: {unbounded}"
