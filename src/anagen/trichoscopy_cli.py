"""``anagen trichoscopy``: analyse trichoscopy images, calibrate, pair two visits, train and
evaluate a detector. Pure core only (no Django, no database).

Exit codes: 0 everything done; 2 invalid arguments or an unreadable model, micrometer image or
folder (one line naming it, nothing else done); 3 some images could not be read and were
skipped (each reported on stderr with its name; the others are done).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tqdm import tqdm

from anagen.core.invalid import InvalidDocument

# The analysis modules load OpenCV, scikit-image and scikit-learn (about 5 s of CPU); every
# `anagen` command builds this parser, so they are imported only by the commands that use them.
if TYPE_CHECKING:
    from anagen.core.trichoscopy.model import Model
    from anagen.core.trichoscopy.voc import Box

__all__ = ["add_commands"]

INVALID = 2
SKIPPED = 3
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp"}
_SUBJECT = re.compile(r"^[^_]+_([^_]+)_")  # DATE_SUBJECT_N, as trichoscopes name their files
_T = TypeVar("_T")


def add_commands(sub: Any) -> None:
    """Register ``trichoscopy`` and its subcommands on the ``anagen`` parser's subparsers."""
    top = sub.add_parser("trichoscopy", help="hair analysis of trichoscopy images")
    commands = top.add_subparsers(dest="trichoscopy_command", required=True)

    analyse = commands.add_parser("analyze", help="count and measure hairs (anagen.trichoscopy/1)")
    analyse.add_argument("images", nargs="+", metavar="IMAGE")
    analyse.add_argument("--um-per-px", type=float, metavar="X", help="calibration, µm per pixel")
    analyse.add_argument("--model", metavar="FILE", help="a detector from `trichoscopy train`")
    analyse.add_argument("--vellus-um", type=float, default=30.0, metavar="UM")
    analyse.set_defaults(handler=_guarded(cmd_analyze))

    calibrate = commands.add_parser("calibrate", help="µm per pixel from a stage micrometer image")
    calibrate.add_argument("image", metavar="MICROMETER_IMAGE")
    calibrate.add_argument("--spacing-um", type=float, default=10.0, metavar="UM")
    calibrate.set_defaults(handler=_guarded(cmd_calibrate))

    pair = commands.add_parser("pair", help="two-visit phototrichogram of one marked site")
    pair.add_argument("before", metavar="BEFORE")
    pair.add_argument("after", metavar="AFTER")
    pair.add_argument("--um-per-px", type=float, metavar="X")
    pair.add_argument("--days", type=float, metavar="N", help="days between the two images")
    pair.add_argument("--model", metavar="FILE")
    pair.set_defaults(handler=_guarded(cmd_pair))

    fit = commands.add_parser("train", help="fit the detector on annotated images (Pascal VOC)")
    fit.add_argument("--images", required=True, metavar="DIR")
    fit.add_argument("--annotations", required=True, metavar="DIR")
    fit.add_argument("--out", required=True, metavar="FILE")
    fit.set_defaults(handler=_guarded(cmd_train))

    evaluate = commands.add_parser("evaluate", help="score the analyser on annotated images")
    evaluate.add_argument("--images", required=True, metavar="DIR")
    evaluate.add_argument("--annotations", required=True, metavar="DIR")
    evaluate.add_argument("--model", metavar="FILE")
    evaluate.set_defaults(handler=_guarded(cmd_evaluate))


class _Skips:
    """Images that could not be read: each reported once on stderr, and the exit code set."""

    def __init__(self) -> None:
        self.count = 0

    def report(self, error: InvalidDocument) -> None:
        self.count += 1
        tqdm.write(f"skipped {error}", file=sys.stderr)

    def exit_code(self) -> int:
        if self.count:
            print(f"{self.count} image(s) skipped", file=sys.stderr)
            return SKIPPED
        return 0


def _progress(items: Sequence[_T], what: str) -> Iterable[_T]:
    """A progress bar on a terminal; nothing when stderr is a file or a pipe."""
    bar: Iterable[_T] = tqdm(
        items, desc=what, unit="image", disable=not sys.stderr.isatty(), file=sys.stderr
    )
    return bar


def _model(path: str | None) -> Model | None:
    from anagen.core.trichoscopy.model import load

    return None if path is None else load(Path(path))


def _positive(value: float | None, field: str) -> None:
    if value is not None and not value > 0:
        raise InvalidDocument(field, "must be a positive number")


def cmd_analyze(args: argparse.Namespace) -> int:
    from anagen.core.trichoscopy.detect import analyze
    from anagen.core.trichoscopy.image import read_image

    _positive(args.um_per_px, "--um-per-px")
    _positive(args.vellus_um, "--vellus-um")
    model = _model(args.model)
    skips = _Skips()
    for name in _progress(args.images, "analysing"):
        try:
            image = read_image(Path(name), name)
        except InvalidDocument as error:
            skips.report(error)
            continue
        result = analyze(image, args.um_per_px, model, args.vellus_um)
        print(json.dumps(result.as_json(name)), flush=True)
    return skips.exit_code()


def cmd_calibrate(args: argparse.Namespace) -> int:
    from anagen.core.trichoscopy.calibrate import calibrate
    from anagen.core.trichoscopy.image import read_image

    _positive(args.spacing_um, "--spacing-um")
    result = calibrate(read_image(Path(args.image), args.image), spacing_um=args.spacing_um)
    print(json.dumps(result.as_json(args.image)))
    return 0


def cmd_pair(args: argparse.Namespace) -> int:
    from anagen.core.trichoscopy.image import read_image
    from anagen.core.trichoscopy.pair import pair

    _positive(args.um_per_px, "--um-per-px")
    before = read_image(Path(args.before), args.before)
    after = read_image(Path(args.after), args.after)
    result = pair(before, after, args.um_per_px, args.days, _model(args.model))
    print(json.dumps(result.as_json(args.before, args.after)))
    return 0


def _annotated(images: str, annotations: str) -> list[tuple[Path, Path]]:
    folder, notes = Path(images), Path(annotations)
    for path, option in ((folder, "--images"), (notes, "--annotations")):
        if not path.is_dir():
            raise InvalidDocument(option, f"{path} is not a folder")
    found = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    pairs = [(p, notes / f"{p.stem}.xml") for p in found]
    missing = [p.name for p, a in pairs if not a.is_file()]
    for name in missing:
        print(f"skipped {name}: no annotation {Path(name).stem}.xml", file=sys.stderr)
    pairs = [(p, a) for p, a in pairs if a.is_file()]
    if not pairs:
        raise InvalidDocument("--images", "no image has an annotation of the same name")
    return pairs


def subject(name: str) -> str:
    """The subject of an image named ``DATE_SUBJECT_N``; otherwise the image is its own."""
    found = _SUBJECT.match(name)
    return found.group(1) if found else name


def _readable(
    pairs: Sequence[tuple[Path, Path]], skips: _Skips, what: str
) -> Iterator[tuple[Path, Any, list[Box]]]:
    from anagen.core.trichoscopy.image import read_image
    from anagen.core.trichoscopy.voc import read_voc

    for image_path, note_path in _progress(pairs, what):
        try:
            image = read_image(image_path, image_path.name)
            boxes = read_voc(note_path)
        except InvalidDocument as error:
            skips.report(error)
            continue
        yield image_path, image, boxes


def cmd_train(args: argparse.Namespace) -> int:
    from anagen.core.trichoscopy.detect import candidates
    from anagen.core.trichoscopy.model import Sample, save, train

    pairs = _annotated(args.images, args.annotations)
    skips = _Skips()
    started = time.perf_counter()
    samples = [
        Sample(path.name, subject(path.stem), tuple(candidates(image)[0]), tuple(boxes))
        for path, image, boxes in _readable(pairs, skips, "reading")
    ]
    model = train(samples)
    save(model, Path(args.out))
    fit = model.summary["out_of_fold"]
    print(
        f"trained on {len(samples)} images of {model.summary['groups']} subjects "
        f"({model.summary['boxes']} hairs) in {time.perf_counter() - started:.0f} s; "
        f"out-of-fold count MAE {fit['count_mae']:.2f}, bias {fit['bias']:+.2f}, "
        f"F1 {fit['f1']:.3f}; wrote {args.out}"
    )
    return skips.exit_code()


def cmd_evaluate(args: argparse.Namespace) -> int:
    from anagen.core.trichoscopy.detect import analyze
    from anagen.core.trichoscopy.voc import scores

    model = _model(args.model)
    pairs = _annotated(args.images, args.annotations)
    skips = _Skips()
    results = []
    for _, image, boxes in _readable(pairs, skips, "evaluating"):
        analysis = analyze(image, model=model)
        results.append(([(h.x, h.y) for h in analysis.hairs], boxes, analysis.seconds))
    if not results:
        raise InvalidDocument("--images", "no image could be read")
    print("\n".join(scores(results).lines()))
    return skips.exit_code()


def _guarded(command: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(command(args))
        except InvalidDocument as error:
            print(f"anagen trichoscopy: {error}", file=sys.stderr)
            return INVALID

    return run
