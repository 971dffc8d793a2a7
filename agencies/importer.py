"""Load administrative units from a file in the `merges.json` format (vn-admin-units-2025).

The format lists the provinces and commune-level units in force since 1 July 2025, each with the
pre-reform units it was formed from (`full`: the whole old unit went into it; `partial`: a part).
A province may also list pre-reform districts (`districts`: code, name, old commune codes), an
extension of the format used by `agencies/data/hanoi.json`.

Rules protected here:
- every new unit is active, with its official code (provinces 2 digits, communes 5 digits);
- every old unit is kept as a historical unit (inactive, dissolved on the reform date) so its
  history stays readable; old codes are reused by new units, so an old unit's code is
  `old-<official code>` and never collides;
- each old unit gets one `UnitSuccession` row per new unit it went into, `full` or `partial` as
  the file says; an old district's links are `full` only when all of it went into one new unit;
- importing the same file twice changes nothing (idempotent); a corrected file updates names,
  kinds and links of the units it names, and drops links of those units that it no longer lists.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Unit, UnitSuccession

REFORM_DATE = date(2025, 7, 1)
HISTORICAL_PREFIX = "old-"
_PROVINCE_CODE = re.compile(r"^\d{2}$")
_COMMUNE_CODE = re.compile(r"^\d{5}$")
_DISTRICT_CODE = re.compile(r"^\d{3}$")


class UnitsFileError(ValueError):
    """The file cannot be imported; the message says why in one line."""


@dataclass
class ImportResult:
    provinces: list[str] = field(default_factory=list)
    units_created: int = 0
    units_updated: int = 0
    units_unchanged: int = 0
    successions_created: int = 0
    successions_updated: int = 0
    successions_deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.units_created
            or self.units_updated
            or self.successions_created
            or self.successions_updated
            or self.successions_deleted
        )


@dataclass
class _UnitSpec:
    code: str
    name_vi: str
    kind: str
    parent_code: str | None
    active: bool
    dissolved_on: date | None


def historical_code(official_code: str) -> str:
    """The code under which a pre-reform unit is kept (its official code went to a new unit)."""
    return f"{HISTORICAL_PREFIX}{official_code}"


# Names whose usual English form is not the transliteration.
_CONVENTIONAL_ENGLISH = {"Thành phố Hà Nội": "Hanoi", "Thành phố Hồ Chí Minh": "Ho Chi Minh City"}


def english_name(name_vi: str) -> str:
    """'Phường Ba Đình' → 'Ba Dinh Ward': the unit's name without diacritics, its kind in English."""
    if name_vi in _CONVENTIONAL_ENGLISH:
        return _CONVENTIONAL_ENGLISH[name_vi]
    kinds = [
        ("Thành phố", "City"),
        ("Tỉnh", "Province"),
        ("Phường", "Ward"),
        ("Xã", "Commune"),
        ("Đặc khu", "Special Zone"),
        ("Thị trấn", "Township"),
        ("Quận", "District"),
        ("Huyện", "District"),
        ("Thị xã", "Town"),
    ]
    for prefix, english in kinds:
        if name_vi.startswith(prefix + " "):
            return f"{_ascii(name_vi[len(prefix) + 1 :])} {english}"
    return _ascii(name_vi)


def _ascii(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")


def _province_kind(name: str) -> str:
    return Unit.Kind.CITY if name.startswith("Thành phố") else Unit.Kind.PROVINCE


def _commune_kind(name: str) -> str:
    if name.startswith("Phường"):
        return Unit.Kind.WARD
    if name.startswith("Đặc khu"):
        return Unit.Kind.SPECIAL_ZONE
    # Xã, and the townships (thị trấn) that existed before the reform, are commune-level.
    return Unit.Kind.COMMUNE


def read_units_file(path: str | Path) -> dict:
    """Parse and check a units file; UnitsFileError with a one-line reason when it is unusable."""
    try:
        # utf-8-sig: files saved by some Windows editors start with a byte-order mark.
        with open(path, encoding="utf-8-sig") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise UnitsFileError(_("File not found: %(path)s") % {"path": path}) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UnitsFileError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from None
    except json.JSONDecodeError as exc:
        raise UnitsFileError(
            _("%(path)s is not valid JSON (line %(line)s): %(error)s")
            % {"path": path, "line": exc.lineno, "error": exc.msg}
        ) from None
    validate_units_data(data)
    return data


def _fail(where: str, problem: str):
    raise UnitsFileError(_("Invalid units file at %(where)s: %(problem)s") % {"where": where, "problem": problem})


def _need_str(obj: dict, key: str, where: str, pattern: re.Pattern | None = None) -> str:
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, str) or not value.strip():
        _fail(where, _("“%(key)s” is missing or empty") % {"key": key})
    if pattern is not None and not pattern.match(value):
        _fail(where, _("“%(key)s” has an unexpected form: %(value)s") % {"key": key, "value": value})
    return value.strip()


def _check_merges(merges, where: str) -> None:
    if not isinstance(merges, list):
        _fail(where, _("“merges” must be a list"))
    for j, merge in enumerate(merges):
        spot = f"{where}.merges[{j}]"
        _need_str(merge, "old_id", spot)
        _need_str(merge, "name", spot)
        if merge.get("type") not in ("full", "partial"):
            _fail(spot, _("“type” must be “full” or “partial”"))


def validate_units_data(data) -> None:
    """Check the shape of the whole file before anything is written."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), list) or not data["data"]:
        _fail("/", _("expected an object with a non-empty “data” list of provinces"))
    full_of: dict[str, str] = {}
    seen_new: set[str] = set()
    for i, province in enumerate(data["data"]):
        where = f"data[{i}]"
        code = _need_str(province, "level1_id", where, _PROVINCE_CODE)
        _need_str(province, "name", where)
        if code in seen_new:
            _fail(where, _("province %(code)s is listed twice") % {"code": code})
        seen_new.add(code)
        _check_merges(province.get("merges", []), where)
        communes = province.get("level2s")
        if not isinstance(communes, list):
            _fail(where, _("“level2s” must be a list"))
        for j, commune in enumerate(communes):
            spot = f"{where}.level2s[{j}]"
            commune_code = _need_str(commune, "level2_id", spot, _COMMUNE_CODE)
            _need_str(commune, "name", spot)
            if commune_code in seen_new:
                _fail(spot, _("unit %(code)s is listed twice") % {"code": commune_code})
            seen_new.add(commune_code)
            _check_merges(commune.get("merges"), spot)
            for merge in commune["merges"]:
                if merge["type"] == "full":
                    previous = full_of.setdefault(merge["old_id"], commune_code)
                    if previous != commune_code:
                        _fail(
                            spot,
                            _("old unit %(old)s cannot go fully into both %(a)s and %(b)s")
                            % {"old": merge["old_id"], "a": previous, "b": commune_code},
                        )
        districts = province.get("districts", [])
        if not isinstance(districts, list):
            _fail(where, _("“districts” must be a list"))
        for j, district in enumerate(districts):
            spot = f"{where}.districts[{j}]"
            _need_str(district, "district_id", spot, _DISTRICT_CODE)
            _need_str(district, "name", spot)
            if not isinstance(district.get("old_ids"), list):
                _fail(spot, _("“old_ids” must be a list of old commune codes"))


def province_codes(data: dict) -> list[str]:
    return [p["level1_id"] for p in data["data"]]


def _is_unchanged(new_code: str, new_name: str, merges: list[dict]) -> bool:
    """A unit formed wholly from one old unit with the same code and name is that unit, continued."""
    return (
        len(merges) == 1
        and merges[0]["old_id"] == new_code
        and merges[0]["type"] == "full"
        and merges[0]["name"] == new_name
    )


def plan_units(data: dict, provinces: list[str], effective_on: date):
    """Units (parents before children) and links (old code, new code, kind) that the file describes."""
    units: dict[str, _UnitSpec] = {}
    links: dict[tuple[str, str], str] = {}
    for province in data["data"]:
        if province["level1_id"] not in provinces:
            continue
        p_code, p_name = province["level1_id"], province["name"].strip()
        units[p_code] = _UnitSpec(p_code, p_name, _province_kind(p_name), None, True, None)
        merges = province.get("merges", [])
        if merges and not _is_unchanged(p_code, p_name, merges):
            for merge in merges:
                old = historical_code(merge["old_id"])
                units.setdefault(
                    old, _UnitSpec(old, merge["name"].strip(), _province_kind(merge["name"]), None, False, effective_on)
                )
                links[(old, p_code)] = merge["type"]
        district_of: dict[str, str] = {}
        district_members: dict[str, set[str]] = {}
        for district in province.get("districts", []):
            d_code = historical_code(district["district_id"])
            units[d_code] = _UnitSpec(d_code, district["name"].strip(), Unit.Kind.DISTRICT, p_code, False, effective_on)
            district_members[d_code] = set()
            for old_id in district["old_ids"]:
                district_of[str(old_id)] = d_code
        # old commune → {new unit: kind}, to derive the districts' links
        old_links: dict[str, dict[str, str]] = {}
        for commune in province["level2s"]:
            c_code, c_name = commune["level2_id"], commune["name"].strip()
            units[c_code] = _UnitSpec(c_code, c_name, _commune_kind(c_name), p_code, True, None)
            if _is_unchanged(c_code, c_name, commune["merges"]):
                continue
            for merge in commune["merges"]:
                old = historical_code(merge["old_id"])
                parent = district_of.get(merge["old_id"], p_code)
                units.setdefault(
                    old,
                    _UnitSpec(old, merge["name"].strip(), _commune_kind(merge["name"]), parent, False, effective_on),
                )
                links[(old, c_code)] = merge["type"]
                old_links.setdefault(merge["old_id"], {})[c_code] = merge["type"]
                if merge["old_id"] in district_of:
                    district_members[district_of[merge["old_id"]]].add(merge["old_id"])
        for d_code, members in district_members.items():
            successors: dict[str, list[str]] = {}
            for old_id in members:
                for new_code, kind in old_links[old_id].items():
                    successors.setdefault(new_code, []).append(kind)
            whole = len(successors) == 1 and all(k == "full" for kinds in successors.values() for k in kinds)
            for new_code in successors:
                links[(d_code, new_code)] = "full" if whole else "partial"
    # Parents first: roots, then districts, then communes.
    ordered = sorted(units.values(), key=lambda u: (_spec_level(u), u.code))
    return ordered, links


def _spec_level(spec: _UnitSpec) -> int:
    if spec.parent_code is None:
        return 0
    return 1 if spec.kind == Unit.Kind.DISTRICT else 2


@transaction.atomic
def import_units(*, data: dict, provinces: list[str] | None = None, effective_on: date = REFORM_DATE) -> ImportResult:
    """Create or update the units and successions that `data` describes (all provinces, or those named)."""
    validate_units_data(data)
    available = province_codes(data)
    wanted = list(provinces) if provinces else available
    unknown = [code for code in wanted if code not in available]
    if unknown:
        raise UnitsFileError(
            _("Unknown province code %(codes)s; the file has: %(available)s")
            % {"codes": ", ".join(unknown), "available": ", ".join(available)}
        )
    specs, links = plan_units(data, wanted, effective_on)
    result = ImportResult(provinces=wanted)

    by_code = {u.code: u for u in Unit.objects.filter(code__in=[s.code for s in specs])}
    existing_codes = set(by_code)
    # New units: parents are created before their children, so each level points at saved ids.
    for level in (0, 1, 2):
        batch = []
        for spec in specs:
            if spec.code in existing_codes or _spec_level(spec) != level:
                continue
            unit = Unit(
                code=spec.code,
                name_vi=spec.name_vi,
                name_en=english_name(spec.name_vi),
                kind=spec.kind,
                parent=by_code[spec.parent_code] if spec.parent_code else None,
                active=spec.active,
                dissolved_on=spec.dissolved_on,
            )
            batch.append(unit)
            by_code[spec.code] = unit
        Unit.objects.bulk_create(batch, batch_size=1000)
        for unit in batch:
            # The materialised path needs the id, which bulk_create has just returned.
            unit.path = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
            unit.depth = unit.path.count("/") - 2
        Unit.objects.bulk_update(batch, ["path", "depth"], batch_size=1000)
        result.units_created += len(batch)
    # Existing units: update what the file says differently.
    changed: list[Unit] = []
    moved: list[Unit] = []
    district_parents = dict(Unit.objects.filter(kind=Unit.Kind.DISTRICT).values_list("id", "parent_id"))
    by_id = {u.pk: u for u in by_code.values()}
    for spec in specs:
        if spec.code not in existing_codes:
            continue
        unit = by_code[spec.code]
        fields = {"name_vi": spec.name_vi, "kind": spec.kind, "active": spec.active, "dissolved_on": spec.dissolved_on}
        if not unit.name_en:
            fields["name_en"] = english_name(spec.name_vi)
        dirty = [name for name, value in fields.items() if getattr(unit, name) != value]
        for name in dirty:
            setattr(unit, name, fields[name])
        parent = by_code[spec.parent_code] if spec.parent_code else None
        # A file without districts (the country list) keeps the district an earlier file gave.
        keeps_district = (
            not spec.active
            and spec.kind != Unit.Kind.DISTRICT
            and parent is not None
            and unit.parent_id is not None
            and district_parents.get(unit.parent_id) == parent.pk
        )
        if keeps_district:
            parent = by_id.get(unit.parent_id) or Unit.objects.get(pk=unit.parent_id)
        if unit.parent_id != (parent.pk if parent else None):
            unit.parent = parent
            moved.append(unit)
        elif dirty:
            changed.append(unit)
        else:
            result.units_unchanged += 1
    if changed:
        Unit.objects.bulk_update(changed, ["name_vi", "name_en", "kind", "active", "dissolved_on"], batch_size=1000)
    for unit in moved:
        # save() re-computes the path of the unit and its subtree; the database refuses a cycle.
        unit.save()
    result.units_updated = len(changed) + len(moved)

    _sync_successions(links, by_code, effective_on, result)
    return result


def _sync_successions(
    links: dict[tuple[str, str], str], by_code: dict[str, Unit], effective_on: date, result: ImportResult
) -> None:
    predecessor_ids = {by_code[old].pk for old, _new in links}
    existing = {
        (s.predecessor_id, s.successor_id): s for s in UnitSuccession.objects.filter(predecessor_id__in=predecessor_ids)
    }
    wanted = {(by_code[old].pk, by_code[new].pk): kind for (old, new), kind in links.items()}
    stale = [s.pk for key, s in existing.items() if key not in wanted]
    # A link whose kind changes is replaced, so that "one full successor" holds at every step.
    replaced = [
        s.pk
        for key, s in existing.items()
        if key in wanted and (s.kind != wanted[key] or s.effective_on != effective_on)
    ]
    if stale or replaced:
        UnitSuccession.objects.filter(pk__in=stale + replaced).delete()
    UnitSuccession.objects.bulk_create(
        [
            UnitSuccession(predecessor_id=p, successor_id=s, kind=kind, effective_on=effective_on)
            for (p, s), kind in wanted.items()
            if (p, s) not in existing or existing[(p, s)].pk in replaced
        ],
        batch_size=1000,
    )
    result.successions_deleted = len(stale)
    result.successions_updated = len(replaced)
    result.successions_created = sum(1 for key in wanted if key not in existing)
