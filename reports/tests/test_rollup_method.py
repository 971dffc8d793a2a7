"""F3: the method is part of the data. Each run records the settings that shape the figures; an
incremental run under other settings than the stored scores' recomputes everything (a window run
refuses with one line naming what changed), so no table ever mixes two rules."""

from __future__ import annotations

import random
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from reports import rollup
from reports.models import RollupRun, Score
from reports.tests.test_rollup_reference import assert_matches_reference, random_responses
from surveys.tests.factories import make_standard_survey


@pytest.fixture
def seeded(city, settings):
    settings.ROLLUP_WATERMARK_OVERLAP_SECONDS = 0
    version = make_standard_survey(city.root)
    random_responses(city, version, random.Random(3), 80, [None], date(2025, 5, 1), 40)
    return version


@pytest.mark.django_db
def test_each_run_records_the_method_that_shaped_its_scores(seeded, settings):
    run = rollup.rollup_run(mode="full")
    assert (run.include_open_link, run.min_responses, run.interval_method, run.method_version) == (
        settings.INCLUDE_OPEN_LINK_IN_SCORES,
        settings.MIN_RESPONSES_FOR_RANKING,
        "korn-graubard",
        rollup.METHOD_VERSION,
    )


@pytest.mark.anydb
@pytest.mark.django_db
@pytest.mark.parametrize(
    "change", [{"INCLUDE_OPEN_LINK_IN_SCORES": True}, {"MIN_RESPONSES_FOR_RANKING": 5}], ids=["open-link", "minimum"]
)
def test_an_incremental_run_under_changed_settings_recomputes_everything(seeded, settings, change):
    rollup.rollup_run(mode="full")
    for name, value in change.items():
        setattr(settings, name, value)

    run = rollup.rollup_run(mode="incremental")

    # Before: only touched keys were rewritten, mixing both rules (the city's 2026 count was neither).
    assert run.mode == "full"
    assert_matches_reference()
    assert rollup.stored_method() == rollup.current_method()
    again = rollup.rollup_run(mode="incremental")
    assert again.mode == "incremental" and again.keys_recomputed == 0


@pytest.mark.django_db
def test_the_command_says_what_changed(seeded, settings, capsys):
    call_command("rollup", "--full")
    settings.INCLUDE_OPEN_LINK_IN_SCORES = not settings.INCLUDE_OPEN_LINK_IN_SCORES
    was, now = (not settings.INCLUDE_OPEN_LINK_IN_SCORES), settings.INCLUDE_OPEN_LINK_IN_SCORES

    with pytest.raises(CommandError) as caught:
        call_command("rollup", "--since", "2025-05-01", "--until", "2025-05-10")
    message = str(caught.value)
    assert f"include_open_link: {was} → {now}" in message and "rollup --full" in message and "\n" not in message
    assert RollupRun.objects.filter(mode="window").count() == 0

    call_command("rollup")
    out = capsys.readouterr().out
    assert f"method settings changed (include_open_link: {was} → {now}): recomputing everything" in out
    assert "rollup full:" in out
    assert Score.objects.exists()
