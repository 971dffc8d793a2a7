"""What belongs to the demo city, and how it is wiped.

Rule protected here: a wipe removes only the demo city (its units, their answers, receipts,
kiosks, surveys and scores), the demo procedures and the demo accounts; other units and their
data stay.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import Q

from agencies.importer import REFORM_DATE, plan_units, read_units_file
from agencies.models import Procedure, Unit
from reports.models import ReviewFlag
from surveys.models import Answer, Kiosk, Receipt, Response, Survey, SurveyVersion

from . import catalogue as cat
from .accounts import accounts_file


def demo_unit_codes() -> set[str]:
    """Codes of every unit the demo creates: Hanoi's current and historical units, departments, centre."""
    # The importer's own reading of the file, so that both always agree on what the demo owns.
    data = read_units_file(cat.HANOI_FILE)
    specs, _links = plan_units(data, [cat.CITY_CODE], REFORM_DATE)
    return {s.code for s in specs} | {code for code, *_ in cat.DEPARTMENTS} | {cat.CENTRE[0]}


def demo_exists() -> bool:
    return (
        Survey.objects.filter(is_standard=True, owner__code=cat.CITY_CODE).exists()
        or get_user_model().objects.filter(username__in=[a[0] for a in cat.ACCOUNTS]).exists()
    )


def _delete_where(model: type[models.Model], column: str, subquery: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {column} IN ({subquery})", params)


def _delete_dependents(model: type[models.Model], subquery: str, params: list, *, but: tuple = ()) -> None:
    """Delete the rows of every table that points at `model`'s rows in `subquery`, whichever app it
    belongs to: found through the model's relations, so an app above this one (feedback's replies
    and topics) is wiped with the demo without being imported here."""
    for rel in model._meta.related_objects:
        if rel.related_model in but:
            continue
        if rel.many_to_many:
            through = rel.through
            column = next(f.column for f in through._meta.fields if f.is_relation and f.related_model is model)
            _delete_where(through, column, subquery, params)
        else:
            _delete_where(rel.related_model, rel.field.column, subquery, params)


@transaction.atomic
def wipe_demo() -> None:
    """Remove the demo city and everything that hangs on it; other units and data stay."""
    city = Unit.objects.filter(code=cat.CITY_CODE).first()
    demo = Q(code__in=demo_unit_codes()) | (Q(path__startswith=city.path) if city else Q(pk__in=[]))
    unit_ids = list(Unit.objects.filter(demo).values_list("id", flat=True))
    survey_ids = list(Survey.objects.filter(owner_id__in=unit_ids).values_list("id", flat=True))
    if unit_ids:
        units_sql = ",".join(["%s"] * len(unit_ids))
        surveys_sql = ",".join(["%s"] * len(survey_ids)) or "NULL"
        responses = (
            f"SELECT r.id FROM {Response._meta.db_table} r WHERE r.unit_id IN ({units_sql}) OR r.version_id "
            f"IN (SELECT v.id FROM {SurveyVersion._meta.db_table} v WHERE v.survey_id IN ({surveys_sql}))"
        )
        params = unit_ids + survey_ids
        # Rows that point at responses go first (review flags' batches, moderation events, replies,
        # topics…); answers go below by raw SQL with their own dependents.
        _delete_dependents(Response, responses, params, but=(Answer,))
        # The big tables go by raw SQL: the ORM would load a million answers into memory to delete them.
        through = Answer.choices.through
        _delete_where(
            through,
            "answer_id",
            f"SELECT a.id FROM {Answer._meta.db_table} a WHERE a.response_id IN ({responses})",
            params,
        )
        _delete_where(Answer, "response_id", responses, params)
        receipts = (
            f"SELECT receipt_id FROM {Response._meta.db_table} WHERE receipt_id IS NOT NULL AND id IN ({responses})"
        )
        receipt_ids = _ids(receipts, params)
        _delete_where(Response, "id", responses, params)
        if receipt_ids:
            _delete_dependents(Receipt, ",".join(["%s"] * len(receipt_ids)), receipt_ids, but=(Response,))
        _delete_in(Receipt, receipt_ids)
        _delete_where(Receipt, "unit_id", units_sql, unit_ids)
    # The rest is small; the ORM follows whatever else points at these rows.
    ReviewFlag.objects.filter(unit_id__in=unit_ids).delete()
    Survey.objects.filter(id__in=survey_ids).delete()
    Kiosk.objects.filter(service_point__unit_id__in=unit_ids).delete()
    for depth in sorted(set(Unit.objects.filter(id__in=unit_ids).values_list("depth", flat=True)), reverse=True):
        # A unit's parent is protected: children go first.
        Unit.objects.filter(id__in=unit_ids, depth=depth).delete()
    Procedure.objects.filter(code__in=[p[0] for p in cat.PROCEDURES]).delete()
    get_user_model().objects.filter(username__in=[a[0] for a in cat.ACCOUNTS]).delete()
    try:
        accounts_file().unlink()
    except FileNotFoundError:
        pass


def _ids(sql: str, params: list) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _delete_in(model: type[models.Model], ids: list[int], chunk: int = 900) -> None:
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        _delete_where(model, "id", ",".join(["%s"] * len(part)), part)
