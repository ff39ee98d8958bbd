"""``anagen trichoscopy``: the C4 JSON Lines contract, skipped images and their exit code,
train then evaluate on annotated images written as Pascal VOC."""

import json

import cv2
import pytest

from anagen.cli import main
from anagen.core.trichoscopy.synthetic import field
from tests.core.test_trichoscopy_detect import _boxes

C4_KEYS = {"schema", "image", "width", "height", "hair_count", "hairs", "um_per_px",
           "density_per_cm2", "mean_diameter_um", "vellus_fraction", "seconds"}  # fmt: skip


@pytest.fixture(scope="module")
def annotated(tmp_path_factory):
    root = tmp_path_factory.mktemp("annotated")
    (root / "images").mkdir()
    (root / "annotations").mkdir()
    for k in range(4):
        f = field(k, 200.0, 60.0, 0.1, width=640, height=512)
        name = f"240101_S{k:03d}_1"
        cv2.imwrite(str(root / "images" / f"{name}.jpg"), f.image[:, :, ::-1])
        objects = "".join(
            f"<object><name>single</name><bndbox><xmin>{b.xmax:.0f}</xmin><ymin>{b.ymin:.0f}</ymin>"
            f"<xmax>{b.xmin:.0f}</xmax><ymax>{b.ymax:.0f}</ymax></bndbox></object>"
            for b in _boxes(f.hairs)
        )  # corners swapped on purpose: the reader puts them right
        (root / "annotations" / f"{name}.xml").write_text(f"<annotation>{objects}</annotation>")
    return root


def test_analyze_prints_one_c4_line_per_image_in_order(annotated, capsys):
    images = sorted((annotated / "images").iterdir())[:2]
    code = main(["trichoscopy", "analyze", *map(str, images), "--um-per-px", "2.5"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    docs = [json.loads(line) for line in out]
    assert [d["image"] for d in docs] == [str(p) for p in images]
    for doc in docs:
        assert set(doc) >= C4_KEYS
        assert doc["schema"] == "anagen.trichoscopy/1"
        assert (doc["width"], doc["height"]) == (640, 512)
        assert doc["hair_count"] == len(doc["hairs"]) > 0
        assert doc["um_per_px"] == 2.5
        assert doc["density_per_cm2"] > 0


def test_an_unreadable_image_is_named_and_skipped_and_the_exit_code_says_so(annotated, capsys):
    broken = annotated / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    good = sorted((annotated / "images").iterdir())[0]
    code = main(["trichoscopy", "analyze", str(broken), str(good)])
    captured = capsys.readouterr()
    assert code == 3
    assert len(captured.out.splitlines()) == 1
    assert "broken.jpg" in captured.err
    assert "Traceback" not in captured.err


def test_train_then_evaluate_with_the_model(annotated, tmp_path, capsys):
    model = tmp_path / "clinic.model"
    args = ["--images", str(annotated / "images"), "--annotations", str(annotated / "annotations")]
    assert main(["trichoscopy", "train", *args, "--out", str(model)]) == 0
    assert "trained on 4 images of 4 subjects" in capsys.readouterr().out
    assert main(["trichoscopy", "evaluate", *args, "--model", str(model)]) == 0
    report = capsys.readouterr().out
    for label in (
        "count MAE",
        "bias",
        "Pearson r",
        "precision",
        "recall",
        "F1",
        "seconds per image",
    ):
        assert label in report
    f1 = float(report.split("F1")[1].split()[0])
    assert f1 >= 0.8


def test_bad_arguments_are_one_line_and_exit_2(annotated, tmp_path, capsys):
    image = str(sorted((annotated / "images").iterdir())[0])
    not_a_model = tmp_path / "x.model"
    not_a_model.write_text("hello")
    assert main(["trichoscopy", "analyze", image, "--model", str(not_a_model)]) == 2
    assert "x.model" in capsys.readouterr().err
    assert main(["trichoscopy", "analyze", image, "--um-per-px", "-1"]) == 2
    assert "--um-per-px" in capsys.readouterr().err
    assert main(["trichoscopy", "evaluate", "--images", str(tmp_path / "none"),
                 "--annotations", str(tmp_path)]) == 2  # fmt: skip
    assert "--images" in capsys.readouterr().err
