"""The rollup service and command: hand-checked figures, incremental = full, faults, bad input."""

from __future__ import annotations

import logging
import random
import threading
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from agencies.models import UnitSuccession
from agencies.tests.factories import make_procedure, make_unit
from reports import rollup
from reports.models import DaySum, RollupRun, Score
from reports.rollup import scores
from reports.tests.test_rollup_reference import (
    assert_matches_reference,
    local,
    random_responses,
    stored_scores,
)
from surveys.models import Answer, Question, Response
from surveys.tests.factories import make_response, make_standard_survey

DAY = date(2025, 6, 10)


def overall(unit, scope="own", period_type="day", start=DAY, **extra):
    return Score.objects.in_scope(scope).get(
        unit=unit, dimension=None, procedure=None, period_type=period_type, period_start=start, **extra
    )


def touch(response, **changes):
    """What the citizen and moderation code do: every change bumps changed_at."""
    Response.objects.filter(pk=response.pk).update(changed_at=timezone.now(), **changes)


@pytest.fixture
def version(city):
    return make_standard_survey(city.root)


@pytest.mark.django_db
def test_three_responses_by_hand(city, version):
    """The README's worked example: every figure of ward A on one day, computed by hand."""
    # Questions 1–3 are "access", question 4 is "procedures"; None = not applicable.
    make_response(version, city.ward_a, [5, 4, 3, 2], submitted_at=local(DAY))
    make_response(version, city.ward_a, [4, None, 1, 5], submitted_at=local(DAY))
    make_response(version, city.ward_a, [2, 5, 4, 4], submitted_at=local(DAY))

    rollup.rollup_run(mode="full")

    day = overall(city.ward_a)
    assert (day.responses, day.answers, day.satisfied, day.not_dissatisfied, day.dissatisfied) == (3, 11, 7, 8, 3)
    assert day.mean == pytest.approx(39 / 11)  # 3.55
    assert round(day.index_sipas, 2) == 63.64 and round(day.index_766, 2) == 72.73
    # Korn–Graubard: n_eff = 3388/93 and 322.7, both capped at the 11 rated answers.
    assert (round(day.ci_low_sipas, 2), round(day.ci_high_sipas, 2)) == (30.79, 89.07)
    assert (round(day.ci_low_766, 2), round(day.ci_high_766, 2)) == (39.03, 93.98)
    assert day.enough_responses is False and day.change_sipas is None
    access = Score.objects.in_scope("own").get(unit=city.ward_a, dimension__code="access", period_type="month")
    assert (access.responses, access.answers, access.satisfied, access.not_dissatisfied) == (3, 8, 5, 6)
    assert access.index_sipas == 62.5 and access.index_766 == 75.0
    procedures = Score.objects.in_scope("own").get(unit=city.ward_a, dimension__code="procedures", period_type="month")
    assert (procedures.responses, procedures.answers, procedures.satisfied) == (3, 3, 2)
    # The same figures in the ward's subtree, the city's subtree, and every longer period.
    for unit, scope in ((city.ward_a, "subtree"), (city.root, "subtree")):
        assert overall(unit, scope).index_sipas == day.index_sipas
    assert overall(city.ward_a, period_type="year", start=date(2025, 1, 1)).ci_low_sipas == day.ci_low_sipas
    assert not Score.objects.filter(unit=city.ward_b).exists()


@pytest.mark.django_db
def test_worked_example_when_every_answer_agrees_has_a_real_interval(city, version):
    """README: all 11 answers satisfied → r = 1, Var = 0 → n_eff = 11 → [0.025^(1/11), 1] = [71.51, 100]."""
    make_response(version, city.ward_a, [5, 4, 4, 5], submitted_at=local(DAY))
    make_response(version, city.ward_a, [4, None, 5, 5], submitted_at=local(DAY))
    make_response(version, city.ward_a, [5, 5, 4, 4], submitted_at=local(DAY))

    rollup.rollup_run(mode="full")

    day = overall(city.ward_a)
    assert day.index_sipas == 100.0
    assert round(day.ci_low_sipas, 2) == round(100 * 0.025 ** (1 / 11), 2) == 71.51
    assert day.ci_high_sipas == 100.0


@pytest.mark.django_db
def test_no_row_with_two_or_more_responses_has_a_zero_width_interval(city, version):
    """F5: the Wald interval collapsed to [100, 100] whenever every response agreed."""
    for i in range(40):
        # Ward A: everyone satisfied; ward B: everyone dissatisfied; centre: the same share each.
        make_response(version, city.ward_a, [5, 5, 4], submitted_at=local(DAY + timedelta(days=i % 3)))
        make_response(version, city.ward_b, [1, 2], submitted_at=local(DAY + timedelta(days=i % 3)))
        make_response(version, city.centre_a, [5, 1], submitted_at=local(DAY + timedelta(days=i % 3)))

    rollup.rollup_run(mode="full")

    rows = Score.objects.filter(responses__gte=2)
    assert rows.count() > 20
    for row in rows:
        for method in ("sipas", "766"):
            low, high = getattr(row, f"ci_low_{method}"), getattr(row, f"ci_high_{method}")
            assert low is not None and high is not None and high - low > 0.1, (row, method, low, high)
            assert 0.0 <= low <= getattr(row, f"index_{method}") <= high <= 100.0


@pytest.mark.django_db
def test_running_twice_changes_nothing(city, version):
    random_responses(city, version, random.Random(1), 30, [None], date(2025, 5, 1), 40)
    rollup.rollup_run(mode="full")
    first = stored_scores()
    again = rollup.rollup_run(mode="incremental")
    assert again.mode == "incremental" and again.keys_recomputed == 0
    rollup.rollup_run(mode="full")
    assert stored_scores() == first


@pytest.mark.anydb
@pytest.mark.django_db
def test_late_answers_exclusions_and_reinclusions_are_picked_up_incrementally(city, version, settings):
    settings.ROLLUP_WATERMARK_OVERLAP_SECONDS = 0
    settings.MIN_RESPONSES_FOR_RANKING = 1  # so that one answer a month is comparable
    first = make_response(version, city.ward_a, [5, 5], submitted_at=local(DAY))
    rollup.rollup_run(mode="incremental")
    assert overall(city.ward_a).responses == 1

    late = make_response(version, city.ward_a, [1, 1], submitted_at=local(DAY - timedelta(days=40)))
    touch(late)
    touch(first, excluded=True, excluded_reason="spam")
    run = rollup.rollup_run(mode="incremental")

    assert run.mode == "incremental" and run.responses_seen == 2
    assert not Score.objects.filter(unit=city.ward_a, period_type="day", period_start=DAY).exists()
    assert overall(city.ward_a, period_type="month", start=date(2025, 5, 1)).index_sipas == 0.0
    assert overall(city.root, "subtree", period_type="year", start=date(2025, 1, 1)).responses == 1

    touch(first, excluded=False)
    rollup.rollup_run(mode="incremental")
    year = overall(city.root, "subtree", period_type="year", start=date(2025, 1, 1))
    assert (year.responses, year.index_sipas) == (2, 50.0)
    # June's change is measured against the May answer that arrived late.
    assert overall(city.ward_a, period_type="month", start=date(2025, 6, 1)).change_sipas == 100.0
    assert_matches_reference()


@pytest.mark.django_db
def test_open_link_answers_count_only_when_the_deployment_says_so(city, version, settings):
    make_response(version, city.ward_a, [5], channel="kiosk", submitted_at=local(DAY))
    make_response(version, city.ward_a, [1], channel="link", submitted_at=local(DAY))
    rollup.rollup_run(mode="full")
    assert overall(city.ward_a).responses == 1
    settings.INCLUDE_OPEN_LINK_IN_SCORES = True
    rollup.rollup_run(mode="full")
    assert overall(city.ward_a).responses == 2
    assert_matches_reference()


@pytest.mark.django_db
def test_answer_without_dimension_counts_in_overall_only_and_is_logged(city, version, caplog):
    Question.objects.create(version=version, order=99, kind="rating", text_vi="Câu không có tiêu chí", dimension=None)
    make_response(version, city.ward_a, [5] * 16 + [1], submitted_at=local(DAY))
    with caplog.at_level(logging.WARNING, logger="reports.rollup"):
        rollup.rollup_run(mode="full")
    assert overall(city.ward_a).answers == 17
    dims = Score.objects.in_scope("own").filter(unit=city.ward_a, period_type="month", dimension__isnull=False)
    assert sum(s.answers for s in dims) == 16
    assert "without a dimension" in caplog.text
    assert_matches_reference()


@pytest.mark.django_db
def test_procedures_get_month_figures_of_their_own(city, version):
    birth, land = make_procedure(), make_procedure()
    make_response(version, city.ward_a, [5, 5], procedure=birth, submitted_at=local(DAY))
    make_response(version, city.ward_a, [1, 5], procedure=land, submitted_at=local(DAY))
    make_response(version, city.ward_a, [4], procedure=None, submitted_at=local(DAY))
    rollup.rollup_run(mode="full")
    month = Score.objects.in_scope("own").filter(unit=city.ward_a, period_type="month", dimension=None)
    assert {s.procedure_id: s.index_sipas for s in month} == {None: 80.0, birth.pk: 100.0, land.pk: 50.0}
    assert not Score.objects.filter(period_type__in=["day", "quarter", "year"], procedure__isnull=False).exists()


@pytest.mark.anydb
@pytest.mark.django_db
def test_merged_unit_keeps_its_history_and_counts_in_its_successors_subtree(city, version):
    """Reorganisation rule: a unit merged in full keeps its own history, and once the merge is
    in force its whole history counts in the successor's subtree (and above, once). A partial
    succession moves nothing; a merge that is not yet in force moves nothing yet."""
    district = make_unit(parent=city.root, kind="district", code="D-OLD")
    old = make_unit(parent=district, kind="commune", code="C-OLD", dissolved_on=date(2025, 7, 1))
    split = make_unit(parent=district, kind="commune", code="C-SPLIT", dissolved_on=date(2025, 7, 1))
    new = make_unit(parent=city.root, kind="commune", code="C-NEW")
    make_response(version, old, [5, 5, 5], submitted_at=local(date(2025, 3, 5)))
    make_response(version, split, [1, 1, 1], submitted_at=local(date(2025, 3, 5)))
    make_response(version, new, [4, 4, 2], submitted_at=local(date(2025, 8, 5)))
    rollup.rollup_run(mode="full")
    assert not Score.objects.filter(unit=new, period_start=date(2025, 3, 1)).exists()

    UnitSuccession.objects.create(predecessor=old, successor=new, kind="full", effective_on=date(2025, 7, 1))
    UnitSuccession.objects.create(predecessor=split, successor=new, kind="partial", effective_on=date(2025, 7, 1))
    run = rollup.rollup_run(mode="incremental")  # the closure changed: a full recompute

    assert run.mode == "full"
    march = date(2025, 3, 1)
    assert overall(old, period_type="month", start=march).responses == 1
    assert overall(new, "subtree", period_type="month", start=march).index_sipas == 100.0
    assert not Score.objects.in_scope("own").filter(unit=new, period_start=march).exists()
    assert overall(district, "subtree", period_type="month", start=march).responses == 2
    assert overall(city.root, "subtree", period_type="month", start=march).responses == 2  # not 3
    year = overall(new, "subtree", period_type="year", start=date(2025, 1, 1))
    assert year.responses == 2 and year.answers == 6
    assert_matches_reference()

    later = make_unit(parent=city.root, kind="commune", code="C-LATER")
    UnitSuccession.objects.create(
        predecessor=new, successor=later, kind="full", effective_on=timezone.localdate() + timedelta(days=1)
    )
    rollup.rollup_run(mode="incremental")
    assert not Score.objects.filter(unit=later).exists()


@pytest.mark.anydb
@pytest.mark.django_db
def test_failed_run_leaves_previous_scores_and_the_next_run_converges(city, version, settings, monkeypatch):
    settings.ROLLUP_WATERMARK_OVERLAP_SECONDS = 0
    rng = random.Random(7)
    made = random_responses(city, version, rng, 25, [None], date(2025, 4, 1), 60)
    rollup.rollup_run(mode="full")
    before = stored_scores()
    for response in random_responses(city, version, rng, 10, [None], date(2025, 4, 1), 60):
        touch(response)
    touch(made[0], excluded=True)

    real, calls = scores.recompute_level, []

    def dies_halfway(*args, **kwargs):
        calls.append(args)
        if len(calls) == 5:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(scores, "recompute_level", dies_halfway)
    with pytest.raises(RuntimeError):
        rollup.rollup_run(mode="incremental")
    failed = RollupRun.objects.first()
    assert failed.status == "failed" and "worker killed" in failed.error and failed.watermark is None
    assert stored_scores() == before

    monkeypatch.setattr(scores, "recompute_level", real)
    # A run killed outright stays "running"; the next run marks it failed.
    ghost = RollupRun.objects.create(mode="incremental")
    rollup.rollup_run(mode="incremental")
    ghost.refresh_from_db()
    assert ghost.status == "failed"
    assert_matches_reference()


@pytest.mark.django_db
def test_a_second_rollup_waits_for_the_first_and_gives_up_cleanly(city, version):
    hold = threading.Event()
    release = threading.Event()

    def holder():
        with rollup.rollup_lock(1):
            hold.set()
            release.wait(5)

    if connection.vendor == "sqlite":
        thread = threading.Thread(target=holder)
        thread.start()
        hold.wait(5)
        try:
            with pytest.raises(rollup.RollupBusy):
                rollup.rollup_run(mode="full", lock_wait=0.3)
        finally:
            release.set()
            thread.join()
    assert not RollupRun.objects.filter(status="running").exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_advisory_lock_keeps_a_second_process_out(city, version, postgres_server, settings):
    import psycopg2

    other = psycopg2.connect(postgres_server.url(settings.DATABASES["default"]["NAME"]))
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [rollup.ADVISORY_LOCK_KEY])
        with pytest.raises(rollup.RollupBusy):
            rollup.rollup_run(mode="full", lock_wait=0.3)
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [rollup.ADVISORY_LOCK_KEY])
        assert rollup.rollup_run(mode="full").status == "succeeded"
    finally:
        other.close()


# --------------------------------------------------------------------------- property


batch = st.fixed_dictionaries(
    {
        "new": st.lists(
            st.tuples(
                st.integers(0, 3),
                st.integers(0, 70),
                st.lists(st.sampled_from([None, 1, 2, 3, 4, 5]), min_size=1, max_size=6),
                st.sampled_from(["kiosk", "receipt", "link"]),
                st.integers(0, 2),
            ),
            max_size=6,
        ),
        "flip": st.lists(st.integers(0, 50), max_size=3),
    }
)


@pytest.mark.anydb
@pytest.mark.django_db
@hsettings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(batches=st.lists(batch, min_size=1, max_size=4))
def test_incremental_batches_equal_one_full_recompute(city, version, settings, batches):
    from surveys.tests.factories import make_receipt

    settings.ROLLUP_WATERMARK_OVERLAP_SECONDS = 0
    for model in (Score, DaySum, RollupRun, Answer):
        model.objects.all().delete()
    Response.objects.all().delete()
    units = [city.ward_a, city.ward_b, city.centre_a, city.department]
    procedures = [None, *(getattr(city, "_procs", None) or [])]
    if len(procedures) == 1:
        city._procs = [make_procedure(), make_procedure()]
        procedures = [None, *city._procs]
    made = []
    for step in batches:
        for unit_i, offset, ratings, channel, proc_i in step["new"]:
            receipt = make_receipt(units[unit_i]) if channel == "receipt" else None
            response = make_response(
                version,
                units[unit_i],
                ratings,
                channel=channel,
                receipt=receipt,
                submitted_at=local(date(2025, 11, 20) + timedelta(days=offset), 9),
                procedure=procedures[proc_i],
            )
            touch(response)
            made.append(response)
        for index in step["flip"]:
            if made:
                response = made[index % len(made)]
                response.refresh_from_db()
                touch(response, excluded=not response.excluded)
        rollup.rollup_run(mode="incremental")
    incremental = stored_scores()
    rollup.rollup_run(mode="full")
    assert stored_scores() == incremental


# --------------------------------------------------------------------------- the command


@pytest.mark.django_db
def test_command_runs_the_same_service(city, version, capsys):
    make_response(version, city.ward_a, [5, 4], submitted_at=local(DAY))
    call_command("rollup", "--full")
    assert "rollup full" in capsys.readouterr().out
    assert overall(city.ward_a).responses == 1
    make_response(version, city.ward_a, [1], submitted_at=local(DAY))
    call_command("rollup", "--since", "2025-06-10", "--until", "2025-06-10")
    assert overall(city.ward_a).responses == 2
    assert RollupRun.objects.first().mode == "window"
    assert_matches_reference()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2025-07-01", "--until", "2025-06-01"], "inverted"),
        (["--since", "yesterday"], "not a date"),
        (["--until", "2025-02-30"], "not a date"),
        (["--full", "--since", "2025-01-01"], "either --full"),
    ],
)
def test_command_refuses_a_bad_window_with_one_clear_line(args, message):
    with pytest.raises(CommandError, match=message) as caught:
        call_command("rollup", *args)
    assert "\n" not in str(caught.value)
    assert not RollupRun.objects.exists()


# --------------------------------------------------------------------------- SQL = scoring.py


@pytest.mark.anydb
@pytest.mark.django_db
def test_figures_finished_in_sql_equal_the_scoring_module(city, version):
    """Every Score figure the SQL finishes equals what reports.scoring computes from the row's own
    stored sums (and, for the change, from the previous period's row)."""
    import numpy as np

    from reports import scoring

    random_responses(city, version, random.Random(11), 120, [None], date(2025, 3, 20), 80)
    rollup.rollup_run(mode="full")
    rows = list(Score.objects.all())
    assert len(rows) > 100
    assert any(r.change_sipas is not None for r in rows) and any(r.ci_low_766 is not None for r in rows)
    assert any(r.enough_responses for r in rows)
    sums = {c: np.array([getattr(r, c) for r in rows], dtype=float) for c in scoring.SUM_COLUMNS}
    want = scoring.finish(sums, 30)
    key = {
        (r.unit_id, r.scope, r.dimension_id, r.procedure_id, r.period_type, r.period_start): i
        for i, r in enumerate(rows)
    }
    for i, r in enumerate(rows):
        for name in ("mean", "index_sipas", "ci_low_sipas", "ci_high_sipas", "index_766", "ci_low_766", "ci_high_766"):
            expected = want[name][i]
            got = getattr(r, name)
            assert (got is None) == bool(np.isnan(expected)), (name, r)
            if got is not None:
                assert got == pytest.approx(expected, rel=1e-12, abs=1e-12), (name, r)
        assert r.enough_responses == bool(want["enough_responses"][i])
        before = key.get(
            (
                r.unit_id,
                r.scope,
                r.dimension_id,
                r.procedure_id,
                r.period_type,
                scoring.previous_period_start(r.period_start, r.period_type),
            )
        )
        for method in ("sipas", "766"):
            if before is None:
                change, significant = np.array([np.nan]), np.array([False])
            else:
                change, significant = scoring.change_arrays(
                    [want[f"index_{method}"][i]],
                    [want[f"var_{method}"][i]],
                    [want[f"index_{method}"][before]],
                    [want[f"var_{method}"][before]],
                    [r.responses],
                    [rows[before].responses],
                    30,
                )
            got = getattr(r, f"change_{method}")
            assert (got is None) == bool(np.isnan(change[0])), (method, r)
            if got is not None:
                assert got == pytest.approx(change[0], rel=1e-12, abs=1e-12), (method, r)
            assert getattr(r, f"change_{method}_significant") == bool(significant[0]), (method, r)


@pytest.mark.anydb
@pytest.mark.django_db
def test_change_is_not_computed_against_a_period_without_enough_responses(city, version):
    """F4: a month of 33 responses was flagged −7.32 ▼ against a month of 2 at 100 %."""
    for _ in range(2):
        make_response(version, city.ward_a, [5, 5], submitted_at=local(date(2025, 4, 10)))
    for i in range(33):
        make_response(version, city.ward_a, [5, 5] if i % 4 else [1, 2], submitted_at=local(date(2025, 5, 10)))
    for i in range(31):
        make_response(version, city.ward_a, [5, 5] if i % 2 else [1, 2], submitted_at=local(date(2025, 6, 10)))

    rollup.rollup_run(mode="full")

    may = overall(city.ward_a, period_type="month", start=date(2025, 5, 1))
    assert may.responses == 33 and may.enough_responses
    assert may.change_sipas is None and may.change_sipas_significant is False
    assert may.change_766 is None and may.change_766_significant is False
    june = overall(city.ward_a, period_type="month", start=date(2025, 6, 1))
    assert june.change_sipas == pytest.approx(june.index_sipas - may.index_sipas)  # both trustworthy
    assert june.change_sipas_significant is True
