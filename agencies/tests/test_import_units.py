"""import_units: current units with official codes, old units kept as history, idempotent re-imports."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from agencies.importer import UnitsFileError, import_units, read_units_file
from agencies.models import Unit, UnitSuccession
from agencies.tests.factories import make_unit

HANOI = Path(settings.BASE_DIR) / "agencies" / "data" / "hanoi.json"
COUNTRY = Path(settings.BASE_DIR).parent / "shared" / "data" / "vn-admin-units-2025" / "merges.json"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English here; the Vietnamese default has its own test."""
    with translation.override("en"):
        yield


def _tiny() -> dict:
    """Two new communes of one province; Xã A went wholly into 00001, Xã B was split."""
    return {
        "data": [
            {
                "level1_id": "99",
                "name": "Tỉnh Thử",
                "merges": [
                    {"old_id": "98", "name": "Tỉnh Cũ Một", "type": "full"},
                    {"old_id": "99", "name": "Tỉnh Thử", "type": "full"},
                ],
                "districts": [{"district_id": "901", "name": "Huyện Cũ", "old_ids": ["90001", "90002"]}],
                "level2s": [
                    {
                        "level2_id": "00001",
                        "name": "Xã Mới",
                        "merges": [
                            {"old_id": "90001", "name": "Xã A", "type": "full"},
                            {"old_id": "90002", "name": "Thị trấn B", "type": "partial"},
                        ],
                    },
                    {
                        "level2_id": "00002",
                        "name": "Phường Hai",
                        "merges": [{"old_id": "90002", "name": "Thị trấn B", "type": "partial"}],
                    },
                    {
                        "level2_id": "00003",
                        "name": "Đặc khu Ba",
                        "merges": [{"old_id": "00003", "name": "Đặc khu Ba", "type": "full"}],
                    },
                ],
            }
        ]
    }


def _links(code: str) -> dict[str, str]:
    return dict(UnitSuccession.objects.filter(predecessor__code=code).values_list("successor__code", "kind"))


def test_hanoi_file_gives_126_current_units_and_their_history():
    result = import_units(data=read_units_file(HANOI))
    data = json.loads(HANOI.read_text(encoding="utf-8"))["data"][0]

    city = Unit.objects.get(code="01")
    assert (city.name_vi, city.name_en, city.kind, city.parent_id, city.active) == (
        "Thành phố Hà Nội",
        "Hanoi",
        "city",
        None,
        True,
    )
    current = Unit.objects.filter(parent=city, active=True)
    assert current.count() == 126
    assert current.filter(kind="ward").count() == 51 and current.filter(kind="commune").count() == 75
    ba_dinh = Unit.objects.get(code="00004")
    assert (ba_dinh.name_vi, ba_dinh.name_en, ba_dinh.kind) == ("Phường Ba Đình", "Ba Dinh Ward", "ward")

    # Every link of the file is a succession row of the same kind (none of Hanoi's units is unchanged).
    expected = {(f"old-{m['old_id']}", c["level2_id"]): m["type"] for c in data["level2s"] for m in c["merges"]}
    stored = {
        (p, s): k
        for p, s, k in UnitSuccession.objects.exclude(predecessor__kind="district").values_list(
            "predecessor__code", "successor__code", "kind"
        )
    }
    assert stored == expected
    assert sum(k == "full" for k in stored.values()) == 326 and sum(k == "partial" for k in stored.values()) == 470

    # Old communes are history: inactive, dissolved on the reform date, under their old district.
    truc_bach = Unit.objects.get(code="old-00004")
    assert (truc_bach.name_vi, truc_bach.active, truc_bach.dissolved_on) == (
        "Phường Trúc Bạch",
        False,
        date(2025, 7, 1),
    )
    assert truc_bach.parent.code == "old-001" and truc_bach.path.startswith(city.path)
    assert _links("old-00004") == {"00004": "full"}
    assert _links("old-00016") == {"00004": "partial", "00008": "partial"}

    # A district split between many wards is a partial predecessor of each of them.
    district = Unit.objects.get(code="old-001")
    assert (district.name_vi, district.kind, district.active) == ("Quận Ba Đình", "district", False)
    links = _links("old-001")
    assert "00004" in links and len(links) > 3 and set(links.values()) == {"partial"}
    assert result.units_created == Unit.objects.count()


@pytest.mark.anydb
def test_importing_the_same_file_again_changes_nothing():
    data = read_units_file(HANOI)
    import_units(data=data)
    before = sorted(Unit.objects.values_list("code", "path", "name_vi", "active"))
    links = sorted(UnitSuccession.objects.values_list("predecessor__code", "successor__code", "kind"))

    again = import_units(data=data)

    assert not again.changed and again.units_unchanged == len(before)
    assert sorted(Unit.objects.values_list("code", "path", "name_vi", "active")) == before
    assert sorted(UnitSuccession.objects.values_list("predecessor__code", "successor__code", "kind")) == links


def test_kinds_history_and_derived_district_links_of_a_small_file():
    import_units(data=_tiny(), effective_on=date(2025, 7, 1))

    assert Unit.objects.get(code="99").kind == "province"
    assert Unit.objects.get(code="00002").kind == "ward"
    assert Unit.objects.get(code="00003").kind == "special_zone"
    assert Unit.objects.get(code="old-90002").kind == "commune"  # a township is commune-level
    # A unit formed from itself alone, same code and name, is that unit continued: no history.
    assert not Unit.objects.filter(code="old-00003").exists()
    # Old provinces are kept as history too.
    assert _links("old-98") == {"99": "full"} and _links("old-99") == {"99": "full"}
    assert _links("old-90001") == {"00001": "full"}
    assert _links("old-90002") == {"00001": "partial", "00002": "partial"}
    assert _links("old-901") == {"00001": "partial", "00002": "partial"}


def test_district_that_went_wholly_into_one_unit_is_a_full_predecessor():
    data = _tiny()
    data["data"][0]["level2s"][0]["merges"][1]["type"] = "full"
    data["data"][0]["level2s"].pop(1)
    import_units(data=data)
    assert _links("old-901") == {"00001": "full"}


@pytest.mark.anydb
def test_corrected_file_updates_names_kinds_and_links():
    import_units(data=_tiny())
    fixed = copy.deepcopy(_tiny())
    fixed["data"][0]["level2s"][1]["name"] = "Xã Hai"
    fixed["data"][0]["level2s"][0]["merges"] = [{"old_id": "90001", "name": "Xã A", "type": "full"}]
    fixed["data"][0]["level2s"][1]["merges"][0]["type"] = "full"

    result = import_units(data=fixed)

    assert Unit.objects.get(code="00002").name_vi == "Xã Hai"
    assert Unit.objects.get(code="00002").kind == "commune"
    assert _links("old-90002") == {"00002": "full"}
    assert result.successions_deleted >= 1 and result.successions_updated >= 1


@pytest.mark.anydb
def test_existing_unit_with_the_same_code_is_moved_under_its_province():
    stray = make_unit(code="00001", name_vi="Xã Mới")
    child = make_unit(parent=stray, kind=Unit.Kind.SERVICE_CENTRE, code="00001-BPMC")
    import_units(data=_tiny())
    stray.refresh_from_db()
    child.refresh_from_db()
    province = Unit.objects.get(code="99")
    assert stray.parent_id == province.pk and stray.path.startswith(province.path)
    assert child.path.startswith(stray.path)  # the subtree moves along


def test_province_filter_imports_only_that_province():
    data = _tiny()
    second = copy.deepcopy(data["data"][0])
    second.update(
        level1_id="98",
        name="Tỉnh Khác",
        merges=[],
        districts=[],
        level2s=[
            {"level2_id": "00009", "name": "Xã Chín", "merges": [{"old_id": "90009", "name": "Xã C", "type": "full"}]}
        ],
    )
    data["data"].append(second)
    import_units(data=data, provinces=["98"])
    assert Unit.objects.filter(code="00009").exists() and not Unit.objects.filter(code="00001").exists()
    with pytest.raises(UnitsFileError, match="Unknown province code 42"):
        import_units(data=data, provinces=["42"])


def test_old_unit_cannot_go_fully_into_two_new_units():
    data = _tiny()
    data["data"][0]["level2s"][1]["merges"].append({"old_id": "90001", "name": "Xã A", "type": "full"})
    with pytest.raises(UnitsFileError, match="fully into both"):
        import_units(data=data)
    assert not Unit.objects.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"data": []}', "non-empty"),
        ('{"data": [{"level1_id": "1", "name": "X", "level2s": []}]}', "unexpected form"),
        (
            (
                '{"data": [{"level1_id": "01", "name": "X", "level2s": [{"level2_id": "00001", "name": "Y", '
                '"merges": [{"old_id": "1", "name": "Z", "type": "half"}]}]}]}'
            ),
            "full",
        ),
    ],
)
def test_bad_file_is_refused_with_one_clear_line(tmp_path, content, message):
    path = tmp_path / "units.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message) as caught:
        call_command("import_units", str(path))
    assert "\n" not in str(caught.value)
    assert not Unit.objects.exists()


def test_command_reports_what_it_did_and_refuses_missing_files(tmp_path, capsys):
    path = tmp_path / "units.json"
    path.write_text("\ufeff" + json.dumps(_tiny()), encoding="utf-8")  # a byte-order mark is accepted
    call_command("import_units", str(path))
    call_command("import_units", str(path), "--province", "99")
    out = capsys.readouterr().out.splitlines()
    assert "created" in out[0] and "0 created" in out[1] and "unchanged" in out[1]
    with pytest.raises(CommandError, match="File not found"):
        call_command("import_units", str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match="Not a date"):
        call_command("import_units", str(path), "--effective-on", "1 July")
    with translation.override("vi"), pytest.raises(CommandError, match="Không tìm thấy tệp"):
        call_command("import_units", str(tmp_path / "missing.json"))


def test_bad_arguments_on_the_command_line_give_one_line_and_a_non_zero_exit():
    done = subprocess.run(
        [sys.executable, "manage.py", "import_units"],
        check=False,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0 and "file" in done.stderr


@pytest.mark.slow
@pytest.mark.skipif(not COUNTRY.exists(), reason="../shared/data/vn-admin-units-2025 is not beside this clone")
def test_whole_country_imports_with_history():
    result = import_units(data=read_units_file(COUNTRY))
    assert len(result.provinces) == 34
    assert Unit.objects.filter(parent=None, active=True).count() == 34
    assert Unit.objects.filter(active=True).exclude(parent=None).count() == 3321
    # New Tuyên Quang (08) was formed from old Hà Giang (02) and old Tuyên Quang (08).
    assert _links("old-02") == {"08": "full"} and _links("old-08") == {"08": "full"}
    assert not import_units(data=read_units_file(COUNTRY)).changed
