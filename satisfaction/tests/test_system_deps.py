"""`make test` sets itself up: scripts/system_deps.sh installs missing Debian packages as root,
names the command otherwise, and fails fast when apt cannot reach its sources.

"Missing" is simulated by pointing the script's checks at an empty directory and an empty PATH
(SYSDEPS_ROOT, SYSDEPS_PATH): nothing on this machine is uninstalled. apt-get is the real one,
pointed by APT_OPTIONS at an unreachable source and throw-away state, so the machine's own
package lists and dpkg status are never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import IN_CI, ROOT

SCRIPT = ROOT / "scripts" / "system_deps.sh"
PACKAGE_LIST = ROOT / "scripts" / "system-packages.txt"


def listed_packages() -> list[str]:
    packages = []
    for line in PACKAGE_LIST.read_text().splitlines():
        fields = line.split()
        if fields and not fields[0].startswith("#") and fields[1] not in packages:
            packages.append(fields[1])
    return packages


def run_script(env_extra: dict[str, str], *, prefix: tuple[str, ...] = (), timeout: float = 90):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYSDEPS_", "APT_"))}
    env.update(env_extra)
    return subprocess.run(
        [*prefix, "sh", str(SCRIPT)], check=False, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def nothing_installed(tmp_path) -> dict[str, str]:
    empty = tmp_path / "root"
    empty.mkdir()
    return {"SYSDEPS_ROOT": str(empty), "SYSDEPS_PATH": str(tmp_path / "no-bin")}


@pytest.fixture
def apt_that_fails(tmp_path) -> Path:
    """A fake apt-get first on PATH that records its calls and fails, to prove it is not called."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "apt-get"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "apt-calls"}\nexit 100\n')
    fake.chmod(0o755)
    return tmp_path / "apt-calls"


def test_every_listed_package_is_checked_and_found_on_this_machine():
    """The list is well-formed (check, package) and this machine (which runs the suite) has it all."""
    for line in PACKAGE_LIST.read_text().splitlines():
        fields = line.split()
        if fields and not fields[0].startswith("#"):
            assert len(fields) == 2, line
    assert {"postgresql", "redis-server", "chromium"} <= set(listed_packages())
    result = run_script({})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_nothing_missing_never_calls_apt(apt_that_fails):
    result = run_script({"PATH": f"{apt_that_fails.parent / 'bin'}:{os.environ['PATH']}"})
    assert result.returncode == 0, result.stderr
    assert not apt_that_fails.exists()


def test_missing_as_another_user_stops_with_the_one_command_to_run(nothing_installed, tmp_path):
    if os.geteuid() == 0:
        # A real unprivileged user, as on a developer's machine.
        shutil.chown(tmp_path, "nobody")
        prefix: tuple[str, ...] = (
            "runuser",
            "-u",
            "nobody",
            "--",
            "env",
            *[f"{k}={v}" for k, v in nothing_installed.items()],
        )
        env = {}
    else:
        prefix, env = (), nothing_installed
    started = time.monotonic()
    result = run_script(env, prefix=prefix)
    assert time.monotonic() - started < 5
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    command = "apt-get update && apt-get install -y " + " ".join(listed_packages())
    assert lines[0].endswith("run as root: " + command)


def test_only_the_missing_package_is_named(tmp_path):
    (tmp_path / "bin").mkdir()
    listing = tmp_path / "list.txt"
    listing.write_text(f"# a comment\n/bin/sh  dash\n{tmp_path}/nowhere/*/thing  thuocdo-thing\n")
    result = run_script({"SYSDEPS_LIST": str(listing), "SYSDEPS_UID": "1000"})
    assert result.returncode == 1
    assert result.stderr.strip().endswith("apt-get install -y thuocdo-thing")


@pytest.mark.skipif(os.geteuid() != 0 and not IN_CI, reason="apt-get update needs root")
def test_unreachable_apt_sources_fail_within_a_minute_naming_the_package(nothing_installed, tmp_path):
    apt = tmp_path / "apt"
    for sub in ("lists/partial", "cache/archives/partial", "parts"):
        (apt / sub).mkdir(parents=True)
    (apt / "status").write_text("")
    # Port 9 (discard) on loopback: nothing listens, so the connection is refused.
    (apt / "sources.list").write_text("deb [trusted=yes] http://127.0.0.1:9/debian bookworm main\n")
    options = (
        f"-o Dir::Etc::sourcelist={apt}/sources.list -o Dir::Etc::sourceparts={apt}/parts "
        f"-o Dir::State::Lists={apt}/lists -o Dir::Cache={apt}/cache -o Dir::State::status={apt}/status"
    )
    started = time.monotonic()
    result = run_script({**nothing_installed, "APT_OPTIONS": options})
    elapsed = time.monotonic() - started
    assert elapsed < 60
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "system_deps: installing " + " ".join(listed_packages())
    assert len(lines) == 2, result.stderr
    assert lines[1].startswith("system_deps: could not install: postgresql redis-server chromium")
    assert "Unable to locate package postgresql" in lines[1]
