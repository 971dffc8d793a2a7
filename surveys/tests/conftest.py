"""Fixtures of the citizen-journey tests."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate limits live in the cache; every test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def standard(city):
    from surveys.tests.factories import make_standard_survey

    return make_standard_survey(city.root)


@pytest.fixture
def receipt(city, standard):
    from surveys.tests.factories import make_receipt

    return make_receipt(city.ward_a)


def rating_post(version, *, value: str = "4", key: str | None = None, **extra) -> dict:
    """A complete POST body answering every question of `version` with `value`."""
    import uuid

    data = {"version": str(version.pk), "idempotency_key": key or str(uuid.uuid4())}
    for question in version.questions.all():
        data[f"q{question.pk}"] = value
    data.update(extra)
    return data
