"""A client of the load runs: one cookie jar over short HTTP/1.1 connections, the form reader, the sign-in."""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

STAFF_PASSWORD = "load-bench-password-2025"
INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
ATTR = re.compile(r'([a-zA-Z_-]+)="([^"]*)"')


@dataclass
class Browser:
    """One client's cookie jar over short HTTP/1.1 connections with a timeout (a hung server shows)."""

    port: int
    timeout: float
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int | str, str, str]:
        """(status or the exception's name, body, Location)."""
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, text, response.getheader("Location") or ""
        except (OSError, http.client.HTTPException) as exc:
            return exc.__class__.__name__, "", ""
        finally:
            conn.close()


def parse_form(html: str) -> dict[str, list[str]]:
    """Every named input of the page: hidden values, and the values offered for radios and checkboxes."""
    fields: dict[str, list[str]] = {}
    for tag in INPUT.findall(html):
        attrs = dict(ATTR.findall(tag))
        name = attrs.get("name")
        if name:
            fields.setdefault(name, []).append(attrs.get("value", ""))
    return fields


def sign_in(browser: Browser, username: str) -> None:
    status, html, _ = browser.request("GET", "/accounts/login/")
    token = parse_form(html).get("csrfmiddlewaretoken", [""])[0]
    if status != 200 or not token:
        raise RuntimeError(f"sign-in page: {status}")
    status, _, location = browser.request(
        "POST",
        "/accounts/login/",
        {"username": username, "password": STAFF_PASSWORD, "csrfmiddlewaretoken": token},
    )
    if status != 302 or "sessionid" not in browser.cookies:
        raise RuntimeError(f"sign-in of {username} failed: {status} {location}")
    # The sign-in pins this browser to the primary for REPLICA_PIN_SECONDS (read-your-own-writes);
    # a real browser lets the cookie expire, this jar would keep it for the whole run.
    browser.cookies.pop("thuocdo_primary", None)
