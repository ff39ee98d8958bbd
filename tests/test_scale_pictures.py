"""The stage pictures shown beside the scale pickers: one static SVG per stage, listed in
index.json. Plain file checks, no database."""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

SCALES = Path(__file__).resolve().parents[1] / "src/anagen/web/static/anagen/scales"
SVG_NS = "{http://www.w3.org/2000/svg}"

EXPECTED = {
    "norwood": ["I", "II", "IIa", "III", "IIIa", "III vertex", "IV", "IVa", "V", "Va", "VI", "VII"],
    "ludwig": ["I", "II", "III"],
    "sinclair": ["1", "2", "3", "4", "5"],
    "savin": ["I-1", "I-2", "I-3", "I-4", "II-1", "II-2", "III", "advanced", "frontal"],
    "salt": ["regions"],
}


def load_index() -> dict[str, dict[str, str]]:
    return json.loads((SCALES / "index.json").read_text(encoding="utf-8"))


def all_svgs() -> list[Path]:
    return sorted(SCALES.glob("*.svg"))


def test_index_lists_every_stage_in_order_and_the_files_exist() -> None:
    index = load_index()
    assert list(index) == list(EXPECTED)
    for scale, stages in EXPECTED.items():
        assert list(index[scale]) == stages, scale
        for stage, name in index[scale].items():
            assert (SCALES / name).is_file(), f"{scale} {stage}: {name} missing"


def test_every_svg_is_listed_once() -> None:
    listed = [name for stages in load_index().values() for name in stages.values()]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == [p.name for p in all_svgs()]


def test_file_names_follow_the_scale() -> None:
    for scale, stages in load_index().items():
        prefix = "salt-" if scale == "salt" else f"{scale}-"
        for name in stages.values():
            assert name.startswith(prefix) and name.endswith(".svg"), name


@pytest.mark.parametrize("path", all_svgs(), ids=lambda p: p.name)
def test_svg_is_self_contained_and_labelled(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") == "0 0 120 120"
    assert root.get("role") == "img"
    title = root.find(f"{SVG_NS}title")
    assert title is not None and (title.text or "").strip()

    for el in root.iter():
        assert el.tag.removeprefix(SVG_NS) not in {"script", "foreignObject", "image", "use"}
        for attr, value in el.attrib.items():
            assert not attr.lower().startswith("on"), f"event handler {attr}"
            if attr.endswith("href"):
                assert value.startswith("#"), f"external reference {value}"
    assert not re.search(r"url\(\s*['\"]?(?!#)", text), "url() must point inside the file"
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text
    assert "<script" not in text.lower()


def title_of(name: str) -> str:
    title = ET.parse(SCALES / name).getroot().find(f"{SVG_NS}title")
    assert title is not None
    return title.text or ""


def test_titles_name_the_stage() -> None:
    for scale, stages in load_index().items():
        for stage, name in stages.items():
            expected = "SALT" if scale == "salt" else stage.lower()
            assert expected.lower() in title_of(name).lower(), name
    assert title_of("norwood-iii-vertex.svg") == "Hamilton\u2013Norwood stage III vertex"


def test_ids_are_unique_across_files_so_pictures_can_be_inlined_together() -> None:
    seen: dict[str, str] = {}
    for path in all_svgs():
        for el in ET.parse(path).getroot().iter():
            ident = el.get("id")
            if ident is None:
                continue
            assert ident not in seen, f"{ident} in {path.name} and {seen[ident]}"
            seen[ident] = path.name
