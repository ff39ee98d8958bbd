"""The injection map document: what is accepted, what is refused (naming the field), totals."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anagen.core.injection_map import MAP_SCHEMA, VIEWS, ZONES, read_map
from anagen.core.invalid import InvalidDocument
from anagen.sessions.scalp import VIEWS as DIAGRAM


def point(**overrides):
    return {
        "view": "top",
        "x": 0.5,
        "y": 0.3,
        "zone": "vertex",
        "depth": "superficial_intradermal",
        "volume_ml": 0.05,
    } | overrides


def zone(**overrides):
    return {
        "view": "top",
        "zone": "frontal",
        "points_per_cm2": 1.0,
        "depth_mm": 1.5,
        "volume_ml": 1.2,
    } | overrides


def doc(points=(), zones=()):
    return {"schema": MAP_SCHEMA, "points": list(points), "zones": list(zones)}


def refused(document):
    with pytest.raises(InvalidDocument) as caught:
        read_map(document)
    return caught.value.field


def test_points_and_painted_zones_add_up_to_the_total_volume_per_zone():
    read = read_map(doc([point(), point(zone="frontal", volume_ml=0.1)], [zone()]))
    assert read.total_volume_ml == pytest.approx(1.35)
    assert read.volume_by_zone == {"frontal": 1.3, "vertex": 0.05}
    assert not read.is_empty


def test_an_empty_map_is_read_and_is_empty():
    assert read_map(doc()).is_empty and read_map(doc()).total_volume_ml == 0


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"points": []}, "schema"),
        (doc([point(x=1.5)]), "points[0].x"),
        (doc([point(), point(volume_ml=0)]), "points[1].volume_ml"),
        (doc([point(volume_ml=5)]), "points[0].volume_ml"),
        (doc([point(zone="temporal_right", view="left")]), "points[0].zone"),
        (doc([point(view="front")]), "points[0].view"),
        (doc([point(depth="subcutaneous")]), "points[0].depth"),
        (doc([point(depth_mm=2.0)]), "points[0].depth"),  # a layer and mm: which one?
        (doc([point(depth=None)]), "points[0].depth"),
        (doc([], [zone(depth_mm=40)]), "zones[0].depth_mm"),
        (doc([], [zone(points_per_cm2=0)]), "zones[0].points_per_cm2"),
        (doc([], [zone(), zone()]), "zones"),
        (doc([point(volume_ml=float("nan"))]), "points[0].volume_ml"),
        (doc([point(volume_ml=True)]), "points[0].volume_ml"),
        (doc([point(colour="red")]), "points[0].colour"),
        (doc([], [zone(zone=z, volume_ml=8) for z in ("frontal", "vertex", "occipital")]),
         "total_volume_ml"),
    ],
)  # fmt: skip
def test_a_bad_map_is_refused_naming_the_field(document, field):
    assert refused(document) == field


def test_the_diagram_shows_exactly_the_zones_each_view_allows():
    assert {view.id: {z.zone for z in view.zones} for view in DIAGRAM} == {
        view: set(zones) for view, zones in VIEWS.items()
    }
    assert set(VIEWS["top"]) == set(ZONES)


@given(
    st.lists(
        st.builds(
            point,
            x=st.floats(0, 1),
            y=st.floats(0, 1),
            volume_ml=st.floats(0.01, 0.5),
            zone=st.sampled_from(VIEWS["top"]),
        ),
        max_size=30,
    )
)
def test_the_total_is_the_sum_of_the_points_whatever_they_are(points):
    read = read_map(doc(points))
    assert read.total_volume_ml == pytest.approx(sum(p["volume_ml"] for p in points), abs=1e-3)
    assert read.document["points"] == points
