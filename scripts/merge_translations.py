"""Refresh the Vietnamese catalogue: extract strings, fill translations, compile.

Translations are kept as JSON files under locale/vi/sources/ ({"English msgid": "Vietnamese"}),
one per area of the product, so that several people can add strings at once without editing
the same .po file. This script (serialised by a file lock):
1. runs makemessages for vi (needs GNU gettext's xgettext; `make messages`),
2. sets every entry found in the JSON sources (and clears "fuzzy" guesses),
3. compiles the .mo files,
4. prints the msgids that still have no translation.
"""

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale" / "vi" / "LC_MESSAGES"
SOURCES = ROOT / "locale" / "vi" / "sources"


def load_sources() -> dict[str, str]:
    """All JSON sources merged; one msgid must have one translation everywhere."""
    merged: dict[str, str] = {}
    origin: dict[str, str] = {}
    for path in sorted(SOURCES.glob("*.json")):
        for msgid, msgstr in json.loads(path.read_text(encoding="utf-8")).items():
            if msgid in merged and merged[msgid] != msgstr:
                print(f"conflict: {msgid!r} is {merged[msgid]!r} in {origin[msgid]} but {msgstr!r} in {path.name}")
            merged[msgid], origin[msgid] = msgstr, path.name
    return merged


def main() -> int:
    LOCALE.mkdir(parents=True, exist_ok=True)
    with open(ROOT / "locale" / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        common = [
            "--no-obsolete",
            "--no-location",
            "--ignore=.venv",
            "--ignore=var",
            "--ignore=static/vendor",
            "--ignore=bench",
        ]
        manage = [sys.executable, str(ROOT / "manage.py"), "makemessages", "-l", "vi", *common]
        subprocess.run(manage, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        subprocess.run([*manage, "-d", "djangojs"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        translations = load_sources()
        missing = []
        for po_path in LOCALE.glob("*.po"):
            po = polib.pofile(str(po_path))
            po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
            po.metadata["Language"] = "vi"
            po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
            for entry in po:
                if entry.obsolete:
                    continue
                # The JSON sources are the truth: a changed translation there replaces the catalogue's.
                if entry.msgid in translations:
                    entry.msgstr = translations[entry.msgid]
                    if entry.msgid_plural:
                        entry.msgstr_plural = {0: translations[entry.msgid]}
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                    if entry.msgid not in translations:
                        entry.msgstr = ""
                translated = entry.msgstr or (entry.msgstr_plural and entry.msgstr_plural.get(0))
                if not translated:
                    missing.append(entry.msgid)
            po.save()
            po.save_as_mofile(str(po_path.with_suffix(".mo")))
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
