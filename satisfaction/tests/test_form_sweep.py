"""A property-based sweep over every form and filter of the portal: each page of the URL walk is
opened by the persona who may, its forms are read from the HTML (fields, method, action), and
Hypothesis fills them with hostile values — NUL bytes, year-1 and year-9999 dates, huge numbers,
over-long text, markup — and sends them. No answer may be a server error. Marked anydb: it runs in
the SQLite session and again on PostgreSQL (`pytest --postgres`), where NUL and out-of-range
dates used to fail."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.tests.test_access_walk import ADMIN, BOB, DANA, RULES, world  # noqa: F401 — the walk's fixture

pytestmark = [pytest.mark.anydb, pytest.mark.slow, pytest.mark.django_db]

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "\x00",
            "a\x00b",
            "0001-01-01",
            "0001-01-01 00:00",
            "9999-12-31",
            "9999-12-31 23:59",
            "2101-01-01",
            "1999-12-31T23:00",
            "2025-13",
            "2025-Q9",
            "-1",
            "0",
            "99999999999999999999999",
            "1e400",
            "NaN",
            "x" * 5000,
            "<script>alert(1)</script>",
            "'; DROP TABLE surveys_response; --",
            "%00",
            "../../etc/passwd",
            "00004",
            "01",
        ]
    ),
)


class _Forms(HTMLParser):
    """Every <form> of a page: method, action and the names of its fields (with a default value)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"method": (a.get("method") or "get").lower(), "action": a.get("action") or "", "fields": {}}
            )
        elif tag in ("input", "select", "textarea") and self.forms and a.get("name"):
            if a.get("type") in ("submit", "button", "file"):
                return
            self.forms[-1]["fields"].setdefault(a["name"], a.get("value") or "")


def _pages(world):  # noqa: F811
    """(persona, url) of every GET page of the walk, as the most privileged persona allowed."""
    for name, rule in sorted(RULES.items()):
        if rule.method != "get" or name.startswith(("admin", "api")) or not rule.allowed:
            continue
        persona = DANA if DANA in rule.allowed else (BOB if BOB in rule.allowed else None)
        yield name, persona, rule.url(world)


def _sweep(client, name: str, form: dict, target: str, fields: dict) -> None:
    @settings(max_examples=12, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(values=st.fixed_dictionaries({k: HOSTILE for k in fields}))
    def send(values):
        cache.clear()  # rate limits are not what is swept here
        data = {**form["fields"], **values}
        response = client.post(target, data) if form["method"] == "post" else client.get(target, data)
        assert response.status_code < 500, (name, form["method"], target, values, response.status_code)

    send()


def test_every_form_and_filter_survives_hostile_values(client, world):  # noqa: F811
    personas = {DANA: world.city.dana, BOB: world.city.bob}
    swept = []
    for name, persona, url in _pages(world):
        client.logout()
        if persona is not None:
            client.force_login(personas[persona])
        page = client.get(url)
        if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(page.content.decode())
        for form in parser.forms:
            fields = {k: v for k, v in form["fields"].items() if k != "csrfmiddlewaretoken"}
            if not fields:
                continue
            target = form["action"] or urlsplit(url).path
            swept.append((name, form["method"], target, sorted(fields)))

            _sweep(client, name, form, target, fields)
    assert len(swept) >= 10, swept  # the sweep reached the portal's forms, not just a few
