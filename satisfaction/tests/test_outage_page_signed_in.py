"""A signed-in member of staff during a database outage gets the outage page (503), not a 500.

Rule protected (satisfaction.middleware.DatabaseUnavailableMiddleware): the outage page renders
without the database — also its context processors, which would otherwise load the user from the
session store that is down (seen with PgBouncer restarted under load, bench/cluster_load.py).
"""

import pytest
from django.db import OperationalError, connection


@pytest.mark.django_db
def test_a_signed_in_page_during_an_outage_is_a_503_with_retry_after(client, city):
    client.force_login(city.bob)

    def database_down(execute, sql, params, many, context):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    with connection.execute_wrapper(database_down):
        response = client.get("/units/00004/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    # Still signed in once the database is back: the outage did not end the session.
    assert client.get("/units/00004/").status_code == 200
