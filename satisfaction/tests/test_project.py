"""Project-wide guarantees: migrations match the models; production settings pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_production_settings_pass_check_deploy():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="x" * 20 + "production-like-secret-key-with-enough-entropy-0123456789",
        ALLOWED_HOSTS="thuocdo.example.vn",
        DJANGO_SETTINGS_MODULE="satisfaction.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY",)}
    env.update(DEBUG="false", ALLOWED_HOSTS="thuocdo.example.vn")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_vietnamese_catalogue_is_complete():
    import polib

    for po_path in (ROOT / "locale" / "vi" / "LC_MESSAGES").glob("*.po"):
        po = polib.pofile(str(po_path))
        missing = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
        assert not missing, f"{po_path.name}: untranslated {missing[:10]} — add them to locale/vi/sources/*.json"


def test_translation_sources_agree_on_every_msgid():
    import json

    seen: dict[str, tuple[str, str]] = {}
    for path in sorted((ROOT / "locale" / "vi" / "sources").glob("*.json")):
        for msgid, msgstr in json.loads(path.read_text(encoding="utf-8")).items():
            if msgid in seen:
                assert seen[msgid][1] == msgstr, f"{msgid!r}: {seen[msgid]} vs {(path.name, msgstr)}"
            seen[msgid] = (path.name, msgstr)
