"""Calibration from a stage micrometer: µm per pixel within 1 % at several magnifications and
turns of the scale, and a clear refusal when the image shows no scale."""

import numpy as np
import pytest

from anagen.core.invalid import InvalidDocument
from anagen.core.trichoscopy.calibrate import CALIBRATION_SCHEMA, NoScale, calibrate
from anagen.core.trichoscopy.synthetic import Look, field, micrometer

SIZE = {"width": 480, "height": 384}


@pytest.mark.parametrize(
    ("um_per_px", "angle_deg"), [(0.7, 0.0), (1.3, 17.0), (2.0, -35.0), (2.7, 90.0), (1.8, 128.0)]
)
def test_a_micrometer_gives_um_per_px_within_1_percent(um_per_px, angle_deg):
    image = micrometer(int(um_per_px * 10), um_per_px, angle_deg=angle_deg, **SIZE)
    found = calibrate(image)
    assert found.um_per_px == pytest.approx(um_per_px, rel=0.01)
    assert found.lines >= 15
    # The rules run across the ruler, which the image turns by angle_deg.
    turn = abs((found.angle_deg - (angle_deg + 90.0) + 90.0) % 180.0 - 90.0)
    assert turn < 1.0


def test_blur_noise_and_jpeg_do_not_move_the_calibration_by_1_percent():
    image = micrometer(4, 1.2, angle_deg=-17.0, look=Look(blur_px=1.3, noise=8.0, jpeg=75), **SIZE)
    assert calibrate(image).um_per_px == pytest.approx(1.2, rel=0.01)


def test_the_spacing_of_the_rules_scales_the_result():
    image = micrometer(5, 1.5, angle_deg=5.0, **SIZE)
    tens = calibrate(image)
    twenties = calibrate(image, spacing_um=20.0)
    assert twenties.um_per_px == pytest.approx(2 * tens.um_per_px)
    document = tens.as_json("scale.png")
    assert document["schema"] == CALIBRATION_SCHEMA
    assert document["image"] == "scale.png"
    assert document["um_per_px"] == pytest.approx(1.5, rel=0.01)
    with pytest.raises(InvalidDocument) as error:
        calibrate(image, spacing_um=0.0)
    assert error.value.field == "spacing_um"


def test_an_image_without_a_scale_is_refused_with_the_reason():
    skin = field(2, 200.0, 60.0, 0.1, um_per_px=5.0, **SIZE).image
    blank = np.full((256, 320, 3), 200, dtype=np.uint8)
    for image in (skin, blank):
        with pytest.raises(NoScale) as error:
            calibrate(image)
        assert error.value.field == "image"
        assert "scale" in error.value.message
    assert issubclass(NoScale, InvalidDocument)
