"""The test session really runs on the servers it claims to (no silent fallback)."""

import pytest
import redis
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_session_runs_on_postgresql(postgres_server):
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["PORT"] == str(postgres_server.port)


@pytest.mark.redis
def test_redis_server_answers(redis_server):
    client = redis.Redis.from_url(redis_server)
    assert client.ping() is True
