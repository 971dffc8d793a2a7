"""Schemathesis against our own OpenAPI schema: every operation, with generated (and invalid) bodies and
parameters, with a valid unit token, a foreign token and none — every schemathesis check passes (no
server error, every status and body documented, schema-valid input accepted, schema-invalid input
refused, …), and never a receipt for a unit outside the token's subtree.

Driven through Hypothesis directly (`operation.as_strategy()`): schemathesis' pytest plugin does not
run under pytest 9 yet.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings

from surveys.manage.services import api_token_create
from surveys.models import Receipt

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def _operations():
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the schema lists no operation"
    return operations


def test_no_operation_gives_a_server_error_nor_a_foreign_receipt(city):
    from surveys.tests.factories import make_standard_survey

    make_standard_survey(city.root)
    _own, own_key = api_token_create(unit=city.ward_a, name="Ba Đình")
    _other, other_key = api_token_create(unit=city.ward_b, name="Ngọc Hà")
    subtree = {own_key: city.ward_a.path, other_key: city.ward_b.path, None: None}
    seen: set[str] = set()

    for operation in _operations():

        @settings(
            max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy())
        def run(case):
            for key, path in subtree.items():
                cache.clear()  # the API's rate limits are not what is attacked here
                before = set(Receipt.objects.values_list("pk", flat=True))
                headers = {"Authorization": f"Token {key}"} if key else {}
                response = case.call(headers=headers)
                # Every check schemathesis has; `headers` so that its replays (e.g. with broken auth) use them.
                case.validate_response(response, headers=headers)
                seen.add(f"{case.method.upper()} {case.path} {response.status_code}")
                issued = Receipt.objects.exclude(pk__in=before).values_list("unit__path", flat=True)
                # A token issues receipts only inside its unit's subtree; no token issues nothing.
                assert all(path and p.startswith(path) for p in issued), (key and key[:8], list(issued))

        run()
        if operation.method.upper() == "POST" and operation.path.endswith("/receipts/"):
            # Random unit codes rarely exist: one valid body too, so success is checked against the rule.
            valid = operation.Case(body={"unit": city.ward_a.code}, media_type="application/json")
            for key in subtree:
                headers = {"Authorization": f"Token {key}"} if key else {}
                response = valid.call(headers=headers)
                seen.add(f"POST {operation.path} {response.status_code}")
                valid.validate_response(response, headers=headers)
            assert Receipt.objects.filter(unit=city.ward_a).count() == 1  # the own token only
    statuses = {line.rsplit(" ", 1)[1] for line in seen if "/receipts/" in line}
    assert "201" in statuses and statuses & {"400", "401", "403"}, seen
