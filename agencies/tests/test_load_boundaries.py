"""`load_boundaries`: map areas from GeoJSON; codes without a unit are reported, never fatal."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from agencies.geometry import simplify, simplify_line
from agencies.models import UnitBoundary

SQUARE = [[[105.80, 21.00], [105.81, 21.00], [105.81, 21.01], [105.80, 21.01], [105.80, 21.00]]]


def feature(code, coordinates=SQUARE, kind="Polygon"):
    return {"type": "Feature", "properties": {"code": code}, "geometry": {"type": kind, "coordinates": coordinates}}


def write(tmp_path, features, name="areas.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("load_boundaries", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
@pytest.mark.anydb
def test_loads_the_areas_of_known_units_and_reports_codes_matching_none(city, tmp_path):
    path = write(tmp_path, [feature("00004"), feature("00008", [SQUARE], "MultiPolygon"), feature("77777")])
    out, err = run(path)
    assert "2 boundaries loaded" in out
    assert "77777" in err
    stored = UnitBoundary.objects.get(unit=city.ward_a)
    assert stored.polygons == [SQUARE] and stored.source == "areas.geojson"
    assert UnitBoundary.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.anydb
def test_loading_again_replaces_a_units_area(city, tmp_path):
    run(write(tmp_path, [feature("00004")]))
    bigger = [[[105.7, 21.0], [105.9, 21.0], [105.9, 21.2], [105.7, 21.2], [105.7, 21.0]]]
    run(write(tmp_path, [feature("00004", bigger)], "v2.geojson"))
    assert UnitBoundary.objects.get(unit=city.ward_a).polygons == [bigger]


@pytest.mark.django_db
@pytest.mark.anydb
def test_a_feature_without_polygon_geometry_is_skipped_with_its_reason(city, tmp_path):
    point = {"type": "Feature", "properties": {"code": "00004"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}
    out, err = run(write(tmp_path, [point, feature("00008")]))
    assert "1 boundaries loaded" in out and "00004" in err and "Point" in err


@pytest.mark.django_db
@pytest.mark.anydb
@pytest.mark.parametrize("content", ["not json", json.dumps({"type": "Feature"}), json.dumps([1, 2])])
def test_a_file_that_is_not_a_feature_collection_is_refused(city, tmp_path, content):
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError):
        run(path)
    assert not UnitBoundary.objects.exists()


def test_simplification_drops_points_within_the_tolerance_and_keeps_the_corners():
    line = [[0, 0], [1, 0.0001], [2, 0], [2, 1], [0, 1]]
    assert simplify_line(line, 0.001) == [[0, 0], [2, 0], [2, 1], [0, 1]]
    ring = [[0, 0], [1, 0.0001], [2, 0], [2, 1], [0, 1], [0, 0]]
    assert simplify([[ring]], 0.001) == [[[[0, 0], [2, 0], [2, 1], [0, 1], [0, 0]]]]


def test_an_island_smaller_than_the_tolerance_disappears_but_the_main_area_stays():
    speck = [[5, 5], [5.00001, 5], [5.00001, 5.00001], [5, 5]]
    main = [[0, 0], [2, 0], [2, 1], [0, 1], [0, 0]]
    assert simplify([[main], [speck]], 0.001) == [[main]]
