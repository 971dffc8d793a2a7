"""seed_demo: a realistic Hanoi, repeatable with a seed, rebuilt by --reset, loud on bad input."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Avg, Count, Q
from django.utils import timezone, translation

from agencies.models import Membership, Procedure, ServicePoint, Unit, UnitSuccession
from agencies.tests.factories import make_unit
from reports.demo import demo_accounts
from surveys.models import Answer, Kiosk, Receipt, Response, SurveyVersion
from surveys.tests.factories import make_response, make_standard_survey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English here; the Vietnamese default has its own test."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def passwords_in_tmp(settings, tmp_path):
    """The demo passwords file goes to a temporary var/, never the developer's."""
    settings.VAR_DIR = tmp_path


SMALL = ["--responses", "2000", "--no-rollup", "--no-showcase"]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *SMALL, *args, stdout=out, stderr=out)
    return out.getvalue()


def fingerprint() -> list[tuple]:
    """Everything the seed decides, by natural keys (ids and secrets differ between builds)."""
    answers: dict[int, list] = {}
    for response_id, order, value in Answer.objects.values_list("response_id", "question__order", "value"):
        answers.setdefault(response_id, []).append((order, value))
    rows = Response.objects.order_by("submitted_at", "id").values_list(
        "id",
        "unit__code",
        "procedure__code",
        "service_point__code",
        "channel",
        "language",
        "submitted_at",
        "comment",
        "excluded",
        "receipt__issued_at",
    )
    return [(*row[1:], tuple(sorted(answers.get(row[0], [])))) for row in rows]


def test_demo_city_is_hanoi_after_the_reform_with_history():
    seed()
    city = Unit.objects.get(code="01")
    assert city.name_vi == "Thành phố Hà Nội" and city.parent_id is None
    local = Unit.objects.filter(parent=city, active=True, kind__in=["ward", "commune"])
    assert local.count() >= 40
    assert local.get(code="00004").name_vi == "Phường Ba Đình"
    assert local.get(code="00008").name_vi == "Phường Ngọc Hà"
    assert Unit.objects.filter(parent=city, kind="department").count() >= 10
    assert Unit.objects.get(code="01-STP").name_vi == "Sở Tư pháp"

    districts = Unit.objects.filter(kind="district", path__startswith=city.path)
    assert districts.count() >= 3
    assert all(not d.active and d.dissolved_on == date(2025, 7, 1) for d in districts)
    ba_dinh = Unit.objects.get(code="old-001")
    assert ba_dinh.name_vi == "Quận Ba Đình"
    assert set(UnitSuccession.objects.filter(predecessor=ba_dinh).values_list("kind", flat=True)) == {"partial"}
    assert UnitSuccession.objects.filter(predecessor__code="old-00004", successor__code="00004", kind="full").exists()

    assert Procedure.objects.count() >= 40
    birth = Procedure.objects.get(code="1.001193")
    assert (birth.name_vi, birth.field) == ("Đăng ký khai sinh", "Hộ tịch")
    assert all(re.fullmatch(r"[12]\.\d{6}", code) for code in Procedure.objects.values_list("code", flat=True))

    assert ServicePoint.objects.filter(unit__code="00004").exists()
    tokens = list(Kiosk.objects.values_list("token", flat=True))
    assert len(tokens) >= 10 and len(set(tokens)) == len(tokens) and min(map(len, tokens)) >= 40

    version = SurveyVersion.objects.get(survey__owner__code="01", survey__is_standard=True, status="published")
    assert version.survey.owner == city and version.survey.is_standard
    dims = set(version.questions.values_list("dimension__code", flat=True))
    assert dims == {"access", "procedures", "civil_servants", "results", "feedback"}


def _labelled_texts() -> list[str]:
    """The comment column of the topic rules' labelled set (read as a file: reports never imports feedback)."""
    path = settings.BASE_DIR / "feedback" / "tests" / "data" / "comments_labelled.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t", 1)[1] for line in lines if line and not line.startswith(("#", "topics\t"))]


def test_demo_comments_are_the_labelled_sets_texts_each_with_a_tone():
    from reports.demo import catalogue

    pools = catalogue.load_comments()
    demo = [text for tone in catalogue.TONES for text in pools[tone]]
    assert sorted(demo) == sorted(_labelled_texts())  # the same 311 texts, none added, none lost
    assert all(len(pools[tone]) >= 30 for tone in catalogue.TONES)


def test_seeded_comments_come_from_the_labelled_set_and_match_the_ratings():
    from reports.demo import catalogue

    seed()
    labelled = set(_labelled_texts())
    english = set(catalogue.COMMENTS_ENGLISH_POSITIVE + catalogue.COMMENTS_ENGLISH_NEGATIVE)
    stored = list(Response.objects.exclude(comment="").values_list("id", "language", "comment"))
    vietnamese = [(rid, c) for rid, lang, c in stored if lang != "en"]
    assert vietnamese and all(c in labelled for _rid, c in vietnamese)
    assert all(c in english for _rid, lang, c in stored if lang == "en")
    assert len({c for _rid, c in vietnamese}) >= 60  # a variety, not a handful repeated
    # a complaint goes with low ratings, praise with high ones
    negative, positive = set(catalogue.COMMENTS_NEGATIVE), set(catalogue.COMMENTS_POSITIVE)
    means = dict(
        Answer.objects.filter(response_id__in=[rid for rid, _c in vietnamese], value__isnull=False)
        .values_list("response_id")
        .annotate(m=Avg("value"))
    )
    low = [means[rid] for rid, c in vietnamese if c in negative and rid in means]
    high = [means[rid] for rid, c in vietnamese if c in positive and rid in means]
    assert len(low) >= 10 and len(high) >= 10
    assert max(low) < 4.2 <= min(high)


def test_one_account_per_role_and_the_printed_passwords_sign_in(client):
    out = seed()
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert sorted(roles.values()) == ["administrator", "manager", "staff"]
    admin = get_user_model().objects.get(memberships__role="administrator")
    assert admin.is_superuser and admin.is_staff
    assert Membership.objects.get(user=admin).unit.code == "01"
    staff = get_user_model().objects.get(memberships__role="staff")
    assert not staff.is_superuser and Membership.objects.get(user=staff).unit.kind == "ward"

    for account in demo_accounts():
        assert account.password and account.password in out and account.username in out
        assert get_user_model().objects.get(username=account.username).check_password(account.password)
    admin_password = next(a.password for a in demo_accounts() if a.role == "administrator")
    signed_in = client.post("/accounts/login/", {"username": admin.username, "password": admin_password})
    assert signed_in.status_code == 302
    assert client.get("/admin/").status_code == 200  # the printed administrator opens the Django admin
    printed = StringIO()
    call_command("seed_demo", "--print-accounts", stdout=printed)
    assert admin.username in printed.getvalue() and "/accounts/login/" in printed.getvalue()


def test_print_accounts_never_shows_a_password_that_does_not_work(settings, tmp_path):
    out = StringIO()
    call_command("seed_demo", "--print-accounts", stdout=out)
    assert "No demo accounts" in out.getvalue()

    seed()
    staff = get_user_model().objects.get(username="staff.badinh")
    old = next(a.password for a in demo_accounts() if a.username == "staff.badinh")
    staff.set_password("changed-by-the-user-42")
    staff.save()
    out = StringIO()
    call_command("seed_demo", "--print-accounts", stdout=out)
    assert old not in out.getvalue() and "not shown" in out.getvalue()

    settings.VAR_DIR = tmp_path / "elsewhere"  # e.g. the database was seeded on another machine
    out = StringIO()
    call_command("seed_demo", "--print-accounts", stdout=out)
    assert "changepassword admin.hanoi" in out.getvalue()


def test_responses_spread_over_twelve_months_with_realistic_shares():
    seed()
    counted = Response.objects.filter(excluded=False)
    assert counted.count() == 2000
    assert Response.objects.filter(excluded=True).exclude(excluded_reason="").count() > 0
    today = timezone.localdate()
    first, last = counted.order_by("submitted_at").values_list("submitted_at", flat=True)[::1999]
    assert timezone.localtime(first).date() <= today - timedelta(days=350)
    assert timezone.localtime(last).date() < today
    months = {
        (timezone.localtime(t).year, timezone.localtime(t).month)
        for t in counted.values_list("submitted_at", flat=True)
    }
    assert len(months) >= 12

    channels = dict(counted.values_list("channel").annotate(n=Count("id")))
    assert channels["receipt"] > channels["kiosk"] > channels["link"] > 0
    used = counted.filter(channel="receipt")
    assert used.filter(receipt__isnull=True).count() == 0
    assert Receipt.objects.filter(response__in=used).exclude(used_at__isnull=False).count() == 0
    assert Receipt.objects.filter(used_at__isnull=True, expires_at__gt=timezone.now()).exists()
    assert counted.filter(channel="kiosk", kiosk__isnull=True).count() == 0

    rated = Answer.objects.filter(response__excluded=False, value__isnull=False)
    share = 100 * rated.filter(value__gte=4).count() / rated.count()
    assert 78 <= share <= 92
    by_dim = rated.values("question__dimension__code").annotate(n=Count("id"), s=Count("id", filter=Q(value__gte=4)))
    assert all(70 <= 100 * d["s"] / d["n"] <= 96 for d in by_dim)
    assert Answer.objects.filter(value__isnull=True).exists()  # "not applicable" is used

    comments = list(counted.exclude(comment="").values_list("comment", flat=True))
    assert len(comments) > 50
    assert not any(re.search(r"\d{9,}", c) for c in comments)  # phone numbers only ever masked
    assert counted.values("unit").distinct().count() >= 40


@pytest.mark.anydb
def test_reset_after_tagging_replies_and_flags_removes_what_hangs_on_the_answers():
    """Rows of other apps that point at the demo's responses (comment topics, replies, reply keys,
    moderation events) go with them; before, --reset failed on a FOREIGN KEY constraint."""
    from feedback import reply_keys
    from feedback.models import CommentTopic, Reply, ReplyKey

    seed()
    call_command("tag_comments", stdout=StringIO())
    commented = Response.objects.exclude(comment="").filter(receipt__isnull=False).first()
    reply_keys.issue(response=commented)
    Reply.objects.create(response=commented, text="Cảm ơn góp ý.")
    assert CommentTopic.objects.exists()
    seed("--reset")
    # the rebuilt demo has no replies or keys of its own (it may reuse ids: compare counts, not ids)
    assert not ReplyKey.objects.exists() and not Reply.objects.exists()
    assert not CommentTopic.objects.exclude(response_id__in=Response.objects.values("id")).exists()


def test_same_seed_gives_the_same_city_and_answers_and_reset_rebuilds_it(monkeypatch):
    # The demo's year ends yesterday (local time): hold the clock so a run across midnight compares like with like.
    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    seed("--seed", "7")
    first = fingerprint()
    counts = (
        Unit.objects.count(),
        UnitSuccession.objects.count(),
        Procedure.objects.count(),
        ServicePoint.objects.count(),
        Kiosk.objects.count(),
        Receipt.objects.count(),
        Answer.objects.count(),
        get_user_model().objects.count(),
    )

    out = seed("--seed", "7", "--reset")
    assert "Wiping" in out
    assert fingerprint() == first
    assert (
        Unit.objects.count(),
        UnitSuccession.objects.count(),
        Procedure.objects.count(),
        ServicePoint.objects.count(),
        Kiosk.objects.count(),
        Receipt.objects.count(),
        Answer.objects.count(),
        get_user_model().objects.count(),
    ) == counts

    seed("--seed", "8", "--reset")
    assert fingerprint() != first


def test_reset_keeps_units_and_answers_outside_the_demo_city():
    other = make_unit(kind=Unit.Kind.CITY, code="79", name_vi="Thành phố Hồ Chí Minh")
    version = make_standard_survey(other)
    kept = make_response(version, other, [5] * 16)
    seed()
    seed("--reset")
    assert Response.objects.filter(pk=kept.pk).exists() and Unit.objects.filter(code="79").exists()


def test_second_seed_refuses_and_if_empty_skips():
    seed()
    with pytest.raises(CommandError, match="--reset"):
        seed()
    before = Response.objects.count()
    assert "not seeded" in seed("--if-empty")
    assert Response.objects.count() == before


def test_seed_runs_the_full_rollup_at_the_end():
    from reports.models import RollupRun, Score

    out = StringIO()
    call_command("seed_demo", "--responses", "300", stdout=out, stderr=out)
    assert RollupRun.objects.filter(mode="full", status="succeeded").exists(), out.getvalue()
    assert Score.objects.filter(unit__code="01").exists()


@pytest.mark.parametrize("count", [0, 1, 37])
def test_any_small_count_gives_exactly_that_many_responses(count):
    seed("--responses", str(count))
    assert Response.objects.filter(excluded=False).count() == count
    assert Unit.objects.filter(code="00004").exists() and len(demo_accounts()) == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (["--responses", "-1"], "must not be negative"),
        (["--seed", "x"], "not a whole number"),
        (["--reset", "--if-empty"], "contradict"),
    ],
)
def test_bad_arguments_are_refused(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", *args)
    assert not Unit.objects.exists()


def test_bad_arguments_on_the_command_line_give_one_line_and_a_non_zero_exit():
    done = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--responses=-3"],
        check=False,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    # Vietnamese is the default language, also on the command line.
    assert done.stderr.strip().count("\n") == 0 and "không được là số âm: -3" in done.stderr


@pytest.mark.postgres
def test_seed_on_postgresql_leaves_sequences_past_the_inserted_ids():
    seed("--responses", "300")
    assert Response.objects.filter(excluded=False).count() == 300
    city = Unit.objects.get(code="01")
    version = SurveyVersion.objects.get(survey__owner=city, survey__is_standard=True)
    ward = Unit.objects.get(code="00004")
    # New rows get fresh ids from the sequences, after the ids the seed chose itself.
    response = make_response(version, ward, [4] * 16)
    assert response.pk > Response.objects.exclude(pk=response.pk).latest("pk").pk
    assert Answer.objects.filter(response=response).count() == 16


def test_a_busy_rollup_leaves_the_demo_data_and_says_what_to_run(monkeypatch):
    from reports import rollup

    def busy(**kwargs):
        raise rollup.RollupBusy("another rollup is running")

    monkeypatch.setattr(rollup, "rollup_run", busy)
    out = StringIO()
    call_command("seed_demo", "--responses", "50", "--no-showcase", stdout=out, stderr=out)
    assert "rollup --full" in out.getvalue() and "another rollup is running" in out.getvalue()
    assert Response.objects.filter(excluded=False).count() == 50
