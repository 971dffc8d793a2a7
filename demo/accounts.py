"""The demo accounts: one per role, with passwords from `secrets` kept only in var/.

Rule protected here: a password is printed only while it still signs in; the file that keeps
them is per database and readable by its owner only.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from agencies.models import Membership, Unit

from . import catalogue as cat


@dataclass
class DemoAccount:
    username: str
    role: str
    unit_code: str
    unit_name: str
    password: str | None
    # Why no password is shown: "changed" (it no longer signs in) or "unknown" (not seeded here).
    hidden: str = ""


def accounts_file() -> Path:
    """Where this database's demo passwords are kept (var/, never committed), one file per database."""
    name = str(connection.settings_dict.get("NAME") or "")
    if name == ":memory:" or "mode=memory" in name:
        name += f":{os.getpid()}"  # an in-memory database lives and dies with its process
    key = hashlib.sha256(f"{connection.vendor}:{connection.settings_dict.get('HOST')}:{name}".encode()).hexdigest()
    return Path(settings.VAR_DIR) / f"demo-accounts-{key[:10]}.json"


def demo_accounts() -> list[DemoAccount]:
    """The demo accounts that exist, with their password only while it still signs in."""
    try:
        saved = json.loads(accounts_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = {}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[a[0] for a in cat.ACCOUNTS])}
    result = []
    for username, role, unit_code in cat.ACCOUNTS:
        user = users.get(username)
        if user is None or not user.is_active:
            continue
        membership = (
            Membership.objects.filter(user=user, role=role, unit__code=unit_code).select_related("unit").first()
        )
        if membership is None:
            continue
        password, hidden = saved.get(username), ""
        if not password:
            password, hidden = None, "unknown"
        elif not user.check_password(password):
            password, hidden = None, "changed"  # never print a password that does not work
        result.append(DemoAccount(username, role, unit_code, membership.unit.name_vi, password, hidden))
    return result


def new_password() -> str:
    return "-".join(secrets.token_hex(2) for _ in range(3)) + "-demo"


def create_demo_accounts() -> list[DemoAccount]:
    User = get_user_model()
    accounts = []
    for username, role, unit_code in cat.ACCOUNTS:
        unit = Unit.objects.get(code=unit_code)
        password = new_password()
        user = User(username=username, is_staff=False, is_superuser=False)
        # The city's administrator becomes staff and superuser from the membership (agencies.roles).
        user.set_password(password)
        user.save()
        Membership.objects.create(user=user, unit=unit, role=role)
        accounts.append(DemoAccount(username, role, unit_code, unit.name_vi, password))
    return accounts


def save_passwords(accounts: list[DemoAccount]) -> None:
    path = accounts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({a.username: a.password for a in accounts}, handle)
