"""Receipts: codes, privacy masking, dossier hashing, the issue_receipts command, which survey applies."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from agencies.tests.factories import make_procedure, make_service_point, make_unit
from surveys.codes import ALPHABET, normalise_code
from surveys.manage.services import receipts_issue_batch
from surveys.masking import mask_comment
from surveys.models import Receipt, Survey, SurveyVersion
from surveys.receipts import dossier_hash, receipt_issue
from surveys.selectors import applicable_version

# --------------------------------------------------------------------------- masking


@pytest.mark.parametrize(
    "text",
    [
        "gọi 0912345678 nhé",
        "gọi 0912 345 678",
        "sđt 0912.345.678",
        "+84 912 345 678",
        "(+84) 912-345-678",
        "CCCD 001203004567",
        "CMND 012345678",
        "mail an.nguyen@example.com.vn",
        "024 3825 1234",
    ],
)
def test_personal_numbers_and_emails_are_masked(text):
    masked = mask_comment(text)
    assert "[***]" in masked
    assert not any(run in masked for run in ("345", "456", "1234", "example"))


@pytest.mark.parametrize("text", ["Chờ 45 phút", "ngày 25/11/2026", "phí 50.000 đồng", "quầy số 12"])
def test_ordinary_numbers_are_kept(text):
    assert mask_comment(text) == text


# --------------------------------------------------------------------------- codes and issuing


def test_codes_are_unambiguous_and_normalised(city):
    receipts = receipts_issue_batch(unit=city.ward_a, count=50)
    assert len({r.code for r in receipts}) == 50
    for r in receipts:
        assert len(r.code) == 10 and set(r.code) <= set(ALPHABET)
        assert not set(r.code) & set("ILOU")
        assert normalise_code(r.display_code.lower().replace("-", " ")) == r.code
        assert (r.expires_at - r.issued_at) == timedelta(days=30)


def test_dossier_is_kept_only_as_a_keyed_hash_and_issues_once(city):
    first, created = receipt_issue(unit=city.ward_a, dossier="000.00.23.H26-251125-0001")
    again, created_again = receipt_issue(unit=city.ward_a, dossier=" 000.00.23.h26-251125-0001 ")
    assert created and not created_again
    assert again.pk == first.pk
    assert first.dossier_hash == dossier_hash("000.00.23.H26-251125-0001")
    assert "251125" not in first.dossier_hash
    assert Receipt.objects.count() == 1


def test_expiry_follows_the_setting(city, settings):
    settings.RECEIPT_EXPIRY_DAYS = 7
    receipt, _ = receipt_issue(unit=city.ward_a)
    assert receipt.expires_at - receipt.issued_at == timedelta(days=7)


def test_service_point_of_another_unit_is_refused(city):
    with pytest.raises(ValueError):
        receipt_issue(unit=city.ward_a, service_point=make_service_point(city.ward_b))


def test_issue_receipts_prints_code_tab_url(city, settings):
    settings.SITE_URL = "https://thuocdo.example.vn"
    procedure = make_procedure(code="1.001193")
    out = StringIO()
    call_command("issue_receipts", "--unit", city.ward_a.code, "--procedure", "1.001193", "--count", "3", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    for line in lines:
        code, url = line.split("\t")
        assert url == f"https://thuocdo.example.vn/r/{code}/"
        receipt = Receipt.objects.get(code=normalise_code(code))
        assert receipt.unit == city.ward_a and receipt.procedure == procedure


@pytest.mark.parametrize(
    "args,message",
    [
        (["--unit", "NOPE"], "No unit"),
        (["--unit", "00004", "--count", "0"], "--count"),
        (["--unit", "00004", "--procedure", "9.999"], "procedure"),
    ],
)
def test_issue_receipts_fails_clearly_on_bad_arguments(city, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("issue_receipts", *args, stdout=StringIO())
    assert not Receipt.objects.exists()


# --------------------------------------------------------------------------- which survey applies


def _own_survey(unit, slug, *, opens_at=None, closes_at=None, status="published"):
    survey = Survey.objects.create(owner=unit, slug=slug)
    return SurveyVersion.objects.create(
        survey=survey, title_vi=slug, status=status, opens_at=opens_at, closes_at=closes_at, published_at=timezone.now()
    )


def test_standard_survey_applies_without_a_nearer_one(city, standard):
    assert applicable_version(unit=city.centre_a) == standard
    assert applicable_version(unit=city.root) == standard


def test_nearest_unit_survey_wins(city, standard):
    ward = _own_survey(city.ward_a, "ward-a")
    centre = _own_survey(city.centre_a, "centre-a")
    assert applicable_version(unit=city.centre_a) == centre
    assert applicable_version(unit=city.ward_a) == ward
    assert applicable_version(unit=city.ward_b) == standard


def test_drafts_and_closed_versions_do_not_apply(city, standard):
    _own_survey(city.ward_a, "draft", status="draft")
    _own_survey(city.ward_a, "closed", status="closed")
    assert applicable_version(unit=city.ward_a) == standard


def test_opening_window_is_respected_and_falls_back_to_the_parent(city, standard):
    now = timezone.now()
    later = _own_survey(city.ward_a, "later", opens_at=now + timedelta(days=1))
    assert applicable_version(unit=city.ward_a, moment=now) == standard
    assert applicable_version(unit=city.ward_a, moment=now + timedelta(days=2)) == later
    ended = _own_survey(city.ward_b, "ended", opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1))
    assert applicable_version(unit=city.ward_b, moment=now) == standard
    assert applicable_version(unit=city.ward_b, moment=now - timedelta(days=5)) == ended
    # closes_at is exclusive
    assert applicable_version(unit=city.ward_b, moment=ended.closes_at) == standard


def test_no_survey_at_all_gives_none(city):
    assert applicable_version(unit=city.ward_a) is None


def test_applicable_version_is_one_query_at_any_depth(city, standard, django_assert_num_queries):
    deep = city.centre_a
    for _ in range(6):
        deep = make_unit(parent=deep)
    with django_assert_num_queries(1):
        assert applicable_version(unit=deep) == standard
