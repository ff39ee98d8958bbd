"""The two-visit phototrichogram on synthetic pairs whose truth is known: registration, the
anagen fraction within 5 points (the issue's target), the counts, and the refusals."""

import math

import numpy as np
import pytest

from anagen.core.invalid import InvalidDocument
from anagen.core.trichoscopy.measure import Hair
from anagen.core.trichoscopy.pair import ANAGEN, SCHEMA, SHED, TELOGEN, match, pair, register
from anagen.core.trichoscopy.synthetic import synthetic_pair

SEEDS = range(5)  # the first five seeds, not picked: bench/trichoscopy_synthetic.py runs 50


@pytest.fixture(scope="module")
def pairs():
    drawn = [synthetic_pair(seed) for seed in SEEDS]
    return [
        (p, pair(p.before.image, p.after.image, um_per_px=p.before.um_per_px, days_apart=p.days))
        for p in drawn
    ]


def test_the_anagen_fraction_comes_within_5_points_of_the_truth(pairs):
    errors = [result.anagen_fraction - truth.anagen_fraction for truth, result in pairs]
    assert max(abs(e) for e in errors) <= 0.05, errors
    assert abs(np.mean(errors)) <= 0.03, errors
    for truth, result in pairs:
        # The detector may miss a hair or two, never most of them.
        assert result.count_before >= 0.8 * len(truth.fates)


def test_the_counts_add_up_and_the_document_says_so(pairs):
    _, result = pairs[0]
    document = result.as_json("day0.jpg", "day2.jpg")
    assert document["schema"] == SCHEMA
    assert (document["before"], document["after"]) == ("day0.jpg", "day2.jpg")
    assert document["anagen"] + document["telogen"] + document["shed"] == result.count_before
    assert result.count_after == result.count_before - result.count(SHED) + len(result.new)
    assert document["count_change"] == result.count_after - result.count_before
    assert document["anagen_fraction"] + document["telogen_fraction"] == pytest.approx(1.0)
    assert len(document["hairs"]) == result.count_before
    assert {h["fate"] for h in document["hairs"]} <= {ANAGEN, TELOGEN, SHED}
    # Growth per day of the anagen hairs: the generator grows them 350 µm a day (±15 %).
    assert 250 <= result.growth_um_per_day <= 420
    assert document["registration"]["correlation"] > 0.5


def test_registration_recovers_the_motion_between_the_visits(pairs):
    corners = np.array([[0, 0, 1], [639, 0, 1], [0, 511, 1], [639, 511, 1]], dtype=float)
    for truth, result in pairs:
        error = np.abs(corners @ result.registration.matrix.T - corners @ truth.matrix.T).max()
        assert error < 1.0


def test_the_fraction_follows_the_truth_when_half_the_hairs_rest():
    drawn = synthetic_pair(21, anagen_fraction=0.5, shed_fraction=0.1)
    result = pair(drawn.before.image, drawn.after.image, um_per_px=6.0, days_apart=2.0)
    assert result.anagen_fraction == pytest.approx(drawn.anagen_fraction, abs=0.1)
    assert result.count(SHED) >= 1


def test_a_short_stub_lying_on_a_longer_shaft_is_the_same_hair():
    stub = Hair(100.0, 100.0, 40.0, 10.0, angle_deg=30.0)
    grown = Hair(  # the same emergence end, 100 px longer along the same axis
        100.0 + 50 * math.cos(math.radians(30)), 100.0 + 50 * math.sin(math.radians(30)),
        140.0, 10.0, angle_deg=30.0,
    )  # fmt: skip
    crossing = Hair(100.0, 100.0, 140.0, 10.0, angle_deg=80.0)
    elsewhere = Hair(300.0, 300.0, 40.0, 10.0, angle_deg=30.0)
    assert match([stub], [crossing, grown]) == {0: 1}
    assert match([stub, elsewhere], [grown]) == {0: 0}
    assert match([stub], [crossing]) == {}


def test_images_of_different_sites_and_bad_days_are_refused():
    one, other = synthetic_pair(1), synthetic_pair(2)
    with pytest.raises(InvalidDocument) as error:
        register(one.before.image, other.after.image)
    assert error.value.field == "after"
    with pytest.raises(InvalidDocument) as error:
        register(one.before.image, one.after.image[:256])
    assert error.value.field == "after"
    with pytest.raises(InvalidDocument) as error:
        pair(one.before.image, one.after.image, days_apart=0.0)
    assert error.value.field == "days_apart"
