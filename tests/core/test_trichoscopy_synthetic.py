"""The synthetic trichoscopy generator: the same seed draws the same field, and its truth is
the field that was asked for (density, diameter, vellus fraction, where the hairs lie)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anagen.core.invalid import InvalidDocument
from anagen.core.trichoscopy.image import field_mask
from anagen.core.trichoscopy.synthetic import (
    GROWTH_UM_PER_DAY,
    field,
    micrometer,
    synthetic_pair,
)

SMALL = {"um_per_px": 10.0, "width": 320, "height": 256}


def test_the_same_seed_draws_the_same_field_and_another_seed_another():
    first = field(7, 200.0, 60.0, 0.1, **SMALL)
    again = field(7, 200.0, 60.0, 0.1, **SMALL)
    other = field(8, 200.0, 60.0, 0.1, **SMALL)
    assert np.array_equal(first.image, again.image)
    assert first.hairs == again.hairs
    assert not np.array_equal(first.image, other.image)
    assert first.image.dtype == np.uint8
    assert first.image.shape == (256, 320, 3)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    density=st.floats(60.0, 320.0),
    diameter=st.floats(45.0, 80.0),
    vellus=st.floats(0.0, 0.4),
)
def test_the_truth_has_the_density_diameter_and_vellus_fraction_asked_for(
    seed, density, diameter, vellus
):
    drawn = field(seed, density, diameter, vellus, **SMALL)
    truth = drawn.truth()
    area_cm2 = drawn.field_px * (drawn.um_per_px * 1e-4) ** 2
    assert truth.hair_count == round(density * area_cm2)
    assert abs(truth.density_per_cm2 - density) <= 0.5 / area_cm2 + 1e-9
    if truth.hair_count:
        assert truth.mean_diameter_um == pytest.approx(diameter, abs=1e-6)
        assert truth.vellus_fraction == round(vellus * truth.hair_count) / truth.hair_count


def test_clipped_hairs_lie_wholly_in_the_field_below_the_header_band():
    drawn = field(3, 250.0, 60.0, 0.2, um_per_px=5.0, width=640, height=512)
    top = drawn.scene.header_rows
    assert top > 0
    for shaft in drawn.shafts:
        for x, y in ((shaft.x, shaft.y), shaft.tip):
            assert 0 <= x < 640 and top <= y < 512
    for hair, shaft in zip(drawn.hairs, drawn.shafts, strict=True):
        assert hair.length_px == pytest.approx(shaft.length_px)
        assert hair.width_px * drawn.um_per_px < 30.0 or shaft.colour != "fair"
    # The analyser's own field mask leaves the band out, as the truth's field area does.
    assert not field_mask(drawn.image)[: top - 2].any()
    assert field_mask(drawn.image)[top + 4 :].mean() > 0.95


def test_natural_hairs_run_out_of_the_image_and_the_truth_is_their_visible_part():
    drawn = field(5, 200.0, 70.0, 0.0, clipped=False, header=False, **SMALL)
    assert any(s.length_px > 320 for s in drawn.shafts)
    for hair in drawn.hairs:
        half = hair.length_px / 2
        dx, dy = (
            half * math.cos(math.radians(hair.angle_deg)),
            half * math.sin(math.radians(hair.angle_deg)),
        )
        for x, y in ((hair.x - dx, hair.y - dy), (hair.x + dx, hair.y + dy)):
            assert -0.01 <= x <= 319.01 and -0.01 <= y <= 255.01
    # A dark shaft is drawn under each truth midpoint.
    grey = drawn.image.mean(axis=2)
    dark = [grey[round(h.y), round(h.x)] for h in drawn.hairs if h.width_px >= 3]
    assert np.median(dark) < np.median(grey) - 60


def test_a_mean_diameter_the_vellus_fraction_cannot_give_is_refused():
    with pytest.raises(InvalidDocument) as error:
        field(1, 200.0, 25.0, 0.0, **SMALL)  # all terminal hairs, yet a vellus mean
    assert error.value.field == "mean_diameter_um"
    with pytest.raises(InvalidDocument) as error:
        field(1, -5.0, 60.0, 0.1, **SMALL)
    assert error.value.field == "hairs_per_cm2"


def test_a_pair_keeps_emergence_points_grows_anagen_hairs_and_loses_shed_ones():
    days, um_per_px = 3.0, 6.0
    drawn = synthetic_pair(
        11, days=days, um_per_px=um_per_px, anagen_fraction=0.6, shed_fraction=0.2
    )
    before, after = drawn.before.shafts, drawn.after.shafts
    assert set(drawn.fates) == {"anagen", "telogen", "shed"}
    assert drawn.anagen_fraction == drawn.fates.count("anagen") / len(drawn.fates)
    assert drawn.anagen_fraction == pytest.approx(0.6, abs=0.5 / len(before))
    grown_px = GROWTH_UM_PER_DAY * days / um_per_px
    turn = math.degrees(math.atan2(drawn.matrix[1, 0], drawn.matrix[0, 0]))
    for shaft, fate, index in zip(before, drawn.fates, drawn.after_of, strict=True):
        if fate == "shed":
            assert index is None
            continue
        later = after[index]
        x, y = drawn.matrix @ np.array([shaft.x, shaft.y, 1.0])
        assert (later.x, later.y) == pytest.approx((x, y))
        assert math.cos(
            math.radians(later.direction_deg - shaft.direction_deg - turn)
        ) == pytest.approx(1.0)
        growth = later.length_px - shaft.length_px
        if fate == "anagen":
            assert 0.85 * grown_px - 1e-6 <= growth <= 1.15 * grown_px + 1e-6
        else:
            assert growth == 0
    assert len(after) == len(before) - drawn.fates.count("shed") + drawn.new
    assert len(drawn.after.hairs) == len(after)


def test_the_micrometer_is_drawn_the_same_for_a_seed():
    assert np.array_equal(micrometer(2, 1.5, angle_deg=10), micrometer(2, 1.5, angle_deg=10))
    assert not np.array_equal(micrometer(2, 1.5), micrometer(2, 2.0))
