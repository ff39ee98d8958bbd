"""Staging hair loss: the scales, SALT, the pull test and advanced-stage signals.

The clinical content is data: ``data/knowledge/scales.toml`` (REFERENCE.md section 3 and
6.3) and ``norms.toml`` (section 6), read into a ``ScaleBook``. This module checks an
intake's stage against the book and applies the book's thresholds; it holds no clinical
numbers itself.

Spelling on input: a stage value matches ignoring case, surrounding spaces, and any spaces,
hyphens and underscores between letters or digits; a stage's `aliases` in the data match too.
So "iii vertex", "III-vertex" and "IIIv" (an alias: trials write it so) all give "III vertex",
and "i1" gives Savin "I-1"; "-3" is not Sinclair 3. Sinclair also takes a whole number (3 for
"3"). Roman numerals are never turned into Arabic or back ("3" is not Norwood III). The
canonical value is always what comes back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from anagen.core.invalid import InvalidDocument
from anagen.core.staging_rakowska import (
    RakowskaMeasurements,
    RakowskaResult,
    RakowskaRules,
    parse_rakowska,
    rakowska,
    read_rakowska_rules,
)

__all__ = [
    "EVIDENCE_TAGS",
    "SCALE_NAMES",
    "Band",
    "PullTestRules",
    "RakowskaMeasurements",
    "RakowskaResult",
    "SaltRules",
    "Scale",
    "ScaleBook",
    "Stage",
    "StageEntry",
    "aa_poor_prognosis",
    "advanced_signals",
    "parse_rakowska",
    "parse_stage",
    "pull_test_reading",
    "rakowska",
    "salt_bands",
    "salt_score",
]

SCALE_NAMES: tuple[str, ...] = ("norwood", "ludwig", "sinclair", "savin", "salt")
EVIDENCE_TAGS: tuple[str, ...] = ("L", "G", "SR", "RCT", "OBS", "CR", "W", "U")

_RECORD_KEYS = ("id", "sources", "evidence")
# Separators between two letters or digits are ignored ("III-vertex", "I 1"); a leading
# hyphen is not, so "-3" is not Sinclair 3.
_SEPARATORS = re.compile(r"(?<=[^\W_])[\s_\-\u2010-\u2015]+(?=[^\W_])")


@dataclass(frozen=True)
class StageEntry:
    value: str
    description: str
    spellings: tuple[str, ...]


@dataclass(frozen=True)
class Scale:
    key: str
    label: str
    sources: tuple[str, ...]
    entries: tuple[StageEntry, ...]

    def find(self, text: str) -> StageEntry | None:
        spelling = _spelling(text)
        return next((e for e in self.entries if spelling in e.spellings), None)

    def allowed(self) -> str:
        return ", ".join(e.value for e in self.entries)


@dataclass(frozen=True)
class Band:
    label: str
    limit: float
    inclusive: bool
    description: str

    def admits(self, score: float) -> bool:
        return score <= self.limit if self.inclusive else score < self.limit


@dataclass(frozen=True)
class SaltRules:
    weights: Mapping[str, float]  # region -> share of the scalp, in the data's order
    schemes: Mapping[str, tuple[Band, ...]]
    sources: tuple[str, ...]
    trial_success_up_to: float


@dataclass(frozen=True)
class PullTestRules:
    sites: tuple[str, ...]
    readings: tuple[tuple[str, int, int, str], ...]  # (reading, min, max regions, meaning)


@dataclass(frozen=True)
class ScaleBook:
    """The scales, thresholds and norms of scales.toml and norms.toml, checked."""

    scales: Mapping[str, Scale]
    salt: SaltRules
    pull_test: PullTestRules
    advanced_stages: Mapping[tuple[str, str], str]  # (scale, value) -> reason
    trichoscopy_signals: Mapping[str, str]  # sign -> reason
    aa_prognosis_signs: Mapping[str, str]  # sign -> description
    rakowska: RakowskaRules
    anisotrichosis_above_pct: float
    norms: Mapping[str, Mapping[str, Any]]  # norms.toml records by id
    citations: Mapping[str, str]  # source id -> citation, both files

    @classmethod
    def from_data(cls, scales: Mapping[str, Any], norms: Mapping[str, Any]) -> ScaleBook:
        """Check and read the two files as parsed by tomllib; ValueError names the bad entry."""
        documents = {"scales.toml": scales, "norms.toml": norms}
        citations = _read_sources(documents)
        _check_records(documents, citations)
        staged = _read_scales(scales)
        advanced = _read_advanced(_list(scales, "advanced_signal", "scales.toml"), staged)
        anisotrichosis = _table(scales, "anisotrichosis", "scales.toml")
        return cls(
            scales=MappingProxyType(staged),
            salt=_read_salt(_table(scales, "salt", "scales.toml")),
            pull_test=_read_pull_test(_table(scales, "pull_test", "scales.toml")),
            advanced_stages=advanced[0],
            trichoscopy_signals=advanced[1],
            aa_prognosis_signs=advanced[2],
            rakowska=read_rakowska_rules(scales.get("rakowska"), "scales.toml rakowska"),
            anisotrichosis_above_pct=_number(
                anisotrichosis, "variation_pct_above", "anisotrichosis"
            ),
            norms=MappingProxyType(dict(_records_by_id(norms))),
            citations=MappingProxyType(citations),
        )

    def stages(self, scale: str) -> tuple[str, ...]:
        """The allowed values of a staged scale, in order; SALT is a score and has none."""
        if scale == "salt":
            return ()
        return tuple(e.value for e in self._scale(scale).entries)

    def describe(self, scale: str, value: str) -> str:
        """Plain-English meaning of a stage (any accepted spelling), or of a SALT score."""
        if scale == "salt":
            score = float(value)
            bands = salt_bands(score, self)
            named = ", ".join(f"{scheme} {band}" for scheme, band in bands.items())
            return f"SALT {score:.1f}: {score:.1f} % of the scalp hair lost ({named})."
        entry = self._scale(scale).find(value)
        if entry is None:
            raise ValueError(
                f"{value!r} is not a {scale} stage; allowed: {self._scale(scale).allowed()}"
            )
        return entry.description

    def sources(self, scale: str) -> tuple[str, ...]:
        """The source ids behind a scale as a whole (its stages may cite fewer)."""
        return self.salt.sources if scale == "salt" else self._scale(scale).sources

    def label(self, scale: str) -> str:
        """The scale's short name as clinicians write it ("Norwood", "SALT")."""
        return "SALT" if scale == "salt" else self._scale(scale).label

    def pull_test_meaning(self, reading: str) -> str:
        """What a pull-test reading suggests (fpnotebook, REFERENCE.md 3.5)."""
        for name, _low, _high, meaning in self.pull_test.readings:
            if name == reading:
                return meaning
        raise ValueError(f"unknown pull test reading {reading!r}")

    def _scale(self, scale: str) -> Scale:
        if scale not in self.scales:
            raise ValueError(f"unknown scale {scale!r}; known: {', '.join(self.scales)}, salt")
        return self.scales[scale]


@dataclass(frozen=True)
class Stage:
    """A stage read from an intake: canonical value, SALT details, and whether it is advanced."""

    scale: str  # one of SCALE_NAMES
    value: str  # canonical stage; for SALT the score, e.g. "37.5"
    salt_regions: Mapping[str, float] | None = None  # SALT: % loss per region
    salt_score: float | None = None  # SALT: 0-100, one decimal
    salt_bands: Mapping[str, str] | None = None  # SALT: scheme -> band
    advanced: bool = False  # REFERENCE.md 3.7: regrowth unlikely


def parse_stage(raw: object, *, field: str, book: ScaleBook) -> Stage:
    """Read the intake's ``hair_loss.stage`` ({"scale": ..., "value": ...}) into a Stage.

    Decides which scale and stage the clinician meant (REFERENCE.md 3.1-3.4), or raises
    InvalidDocument naming the field and the allowed values. SALT takes the % hair loss in
    each of the four regions and is scored by the Olsen 2004 formula; it is never marked
    advanced (alopecia areata's poor-prognosis signs are ``aa_poor_prognosis``).
    """
    document = _object(raw, field, "an object with keys scale and value")
    for key in document:
        if key not in ("scale", "value"):
            raise InvalidDocument(_sub(field, str(key)), "is not a key here; allowed: scale, value")
    scale = _scale_name(document.get("scale"), _sub(field, "scale"))
    value_field = _sub(field, "value")
    if scale == "salt":
        return _salt_stage(document.get("value"), value_field, book)
    entry = _stage_entry(document.get("value"), value_field, book.scales[scale])
    advanced = (scale, entry.value) in book.advanced_stages
    return Stage(scale=scale, value=entry.value, advanced=advanced)


def salt_score(regions: Mapping[str, float], book: ScaleBook) -> float:
    """SALT: the % of the whole scalp's hair lost (Olsen 2004, REFERENCE.md 3.4).

    The weighted sum of the % loss in each region, rounded to one decimal. Only total loss
    in every region gives 100.0 (totalis) and only no loss gives 0.0: any other score is
    kept within 0.1-99.9 so that rounding cannot cross those two clinical lines.
    """
    weights = book.salt.weights
    if set(regions) != set(weights):
        raise ValueError(f"SALT needs exactly the regions {', '.join(weights)}")
    values = [regions[region] for region in weights]
    if not all(0 <= v <= 100 for v in values):
        raise ValueError("SALT region percentages must be from 0 to 100")
    if all(v == 100 for v in values):
        return 100.0
    if all(v == 0 for v in values):
        return 0.0
    score = math.fsum(weights[region] * regions[region] for region in weights)
    return min(max(round(score, 1), 0.1), 99.9)


def salt_bands(score: float, book: ScaleBook) -> dict[str, str]:
    """The severity band of a SALT score in each scheme of the data (Olsen, UK, NAAF).

    REFERENCE.md 3.4 marks the schemes as disagreeing, so every scheme is reported.
    """
    if isinstance(score, bool) or not 0 <= score <= 100:
        raise ValueError(f"a SALT score is from 0 to 100, not {score!r}")
    return {
        scheme: next(band.label for band in bands if band.admits(score))
        for scheme, bands in book.salt.schemes.items()
    }


def advanced_signals(
    stage: Stage | None, trichoscopy_signs: Sequence[str], book: ScaleBook
) -> tuple[str, ...]:
    """Why the hair loss looks advanced, so regrowth is unlikely (REFERENCE.md 3.7).

    An advanced stage (Norwood VI-VII, Ludwig III, Sinclair 5, Savin advanced) and the
    trichoscopy signs white dots and honeycomb pigment (Waskiel-Burnat and Rudnicka). Other
    signs are ignored. Each reason says why ("Norwood VI: advanced stage: ..."); the caller
    states the conclusion. Empty when nothing points to advanced loss.
    """
    if isinstance(trichoscopy_signs, str):
        raise TypeError("trichoscopy_signs is a sequence of sign names, not one string")
    reasons: list[str] = []
    if stage is not None and (stage.scale, stage.value) in book.advanced_stages:
        reason = book.advanced_stages[(stage.scale, stage.value)]
        reasons.append(f"{book.label(stage.scale)} {stage.value}: {reason}")
    present = set(trichoscopy_signs)
    reasons.extend(r for sign, r in book.trichoscopy_signals.items() if sign in present)
    return tuple(reasons)


def aa_poor_prognosis(signs: Sequence[str], book: ScaleBook) -> tuple[str, ...]:
    """The alopecia areata poor-prognosis signs present (Darwin 2018 via GPnotebook), described."""
    if isinstance(signs, str):
        raise TypeError("signs is a sequence of sign names, not one string")
    present = set(signs)
    return tuple(text for sign, text in book.aa_prognosis_signs.items() if sign in present)


def pull_test_reading(positive_regions: int, book: ScaleBook) -> str:
    """Read the pull test by how many regions were positive (fpnotebook, REFERENCE.md 3.5).

    "negative"; "one_region" (suggests alopecia areata, active edge); "several_regions"
    (telogen effluvium, anagen effluvium or diffuse alopecia areata).
    """
    sites = len(book.pull_test.sites)
    if isinstance(positive_regions, bool) or not isinstance(positive_regions, int):
        raise ValueError(f"positive regions must be a whole number, not {positive_regions!r}")
    if not 0 <= positive_regions <= sites:
        raise ValueError(f"positive regions must be from 0 to {sites}, not {positive_regions}")
    return next(
        name for name, low, high, _ in book.pull_test.readings if low <= positive_regions <= high
    )


# --- reading an intake ----------------------------------------------------------------------


def _object(raw: object, field: str, expected: str) -> Mapping[Any, Any]:
    if not isinstance(raw, Mapping):
        raise InvalidDocument(field, f"expected {expected}, got {_json_type(raw)}")
    return raw


def _scale_name(raw: object, field: str) -> str:
    allowed = ", ".join(SCALE_NAMES)
    if raw is None:
        raise InvalidDocument(field, f"is required; allowed: {allowed}")
    if not isinstance(raw, str):
        raise InvalidDocument(
            field, f"expected a scale name, got {_json_type(raw)}; allowed: {allowed}"
        )
    if raw.strip().casefold() not in SCALE_NAMES:
        raise InvalidDocument(field, f"{raw!r} is not a staging scale; allowed: {allowed}")
    return raw.strip().casefold()


def _stage_entry(raw: object, field: str, scale: Scale) -> StageEntry:
    if raw is None:
        raise InvalidDocument(field, f"is required; allowed: {scale.allowed()}")
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        got = _json_type(raw)
        raise InvalidDocument(
            field, f"expected a {scale.label} stage, got {got}; allowed: {scale.allowed()}"
        )
    entry = scale.find(str(raw))
    if entry is None:
        raise InvalidDocument(
            field, f"{raw!r} is not a {scale.label} stage; allowed: {scale.allowed()}"
        )
    return entry


def _salt_stage(raw: object, field: str, book: ScaleBook) -> Stage:
    regions = tuple(book.salt.weights)
    allowed = ", ".join(regions)
    document = _object(raw, field, f"an object with the % hair loss in each region: {allowed}")
    for key in document:
        if key not in regions:
            raise InvalidDocument(
                _sub(field, str(key)), f"is not a SALT region; allowed: {allowed}"
            )
    missing = [region for region in regions if region not in document]
    if missing:
        raise InvalidDocument(field, f"missing {', '.join(missing)}; SALT needs all of {allowed}")
    percentages = {region: _percentage(document[region], _sub(field, region)) for region in regions}
    score = salt_score(percentages, book)
    return Stage(
        scale="salt",
        value=f"{score:.1f}",
        salt_regions=MappingProxyType(percentages),
        salt_score=score,
        salt_bands=MappingProxyType(salt_bands(score, book)),
    )


def _percentage(raw: object, field: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InvalidDocument(field, f"expected a % hair loss from 0 to 100, got {_json_type(raw)}")
    if not 0 <= raw <= 100:  # NaN fails this too
        raise InvalidDocument(field, f"must be a % hair loss from 0 to 100, got {raw!r}")
    return float(raw)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    names = ((str, "text"), (int | float, "a number"), (Mapping, "an object"), (list, "a list"))
    return next((name for kind, name in names if isinstance(value, kind)), type(value).__name__)


def _sub(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def _spelling(text: str) -> str:
    return _SEPARATORS.sub("", text.strip()).casefold()


# --- reading the knowledge files ------------------------------------------------------------


def _read_sources(documents: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    citations: dict[str, str] = {}
    for name, document in documents.items():
        for i, source in enumerate(_list(document, "source", name)):
            where = f"{name} source[{i}]"
            source_id = _text(source, "id", where)
            if source_id in citations:
                raise ValueError(f"{where}: source id {source_id!r} is declared twice")
            if source.get("evidence") not in EVIDENCE_TAGS:
                raise ValueError(f"{where}: evidence must be one of {', '.join(EVIDENCE_TAGS)}")
            citations[source_id] = _text(source, "citation", where)
    return citations


def _check_records(
    documents: Mapping[str, Mapping[str, Any]], citations: Mapping[str, str]
) -> None:
    seen: set[str] = set()
    for name, document in documents.items():
        for where, record in _records(document, name):
            record_id = _text(record, "id", where)
            if record_id in seen:
                raise ValueError(f"{where}: record id {record_id!r} is used twice")
            seen.add(record_id)
            sources = record.get("sources")
            if not isinstance(sources, list) or not sources:
                raise ValueError(f"{where} ({record_id}): needs a non-empty list of sources")
            unknown = [s for s in sources if s not in citations]
            if unknown:
                raise ValueError(f"{where} ({record_id}): undeclared sources {unknown}")
            if record.get("evidence") not in EVIDENCE_TAGS:
                raise ValueError(f"{where} ({record_id}): evidence must be one of {EVIDENCE_TAGS}")


def _records(document: Mapping[str, Any], name: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every record of a file: a table with any of id, sources, evidence, outside [[source]]."""
    for key, value in document.items():
        if key != "source":
            yield from _walk(value, f"{name} {key}")


def _walk(node: object, where: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(node, Mapping):
        if any(key in node for key in _RECORD_KEYS):
            yield where, node
        for key, value in node.items():
            yield from _walk(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk(item, f"{where}[{i}]")


def _records_by_id(document: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for _where, record in _records(document, "norms.toml"):
        yield str(record["id"]), MappingProxyType(dict(record))


def _read_scales(document: Mapping[str, Any]) -> dict[str, Scale]:
    scales: dict[str, Scale] = {}
    for i, table in enumerate(_list(document, "scale", "scales.toml")):
        scale = _read_scale(table, f"scales.toml scale[{i}]")
        if scale.key in scales or scale.key == "salt":
            raise ValueError(f"scales.toml scale[{i}]: scale key {scale.key!r} is taken")
        scales[scale.key] = scale
    absent = [name for name in SCALE_NAMES if name != "salt" and name not in scales]
    if absent:
        raise ValueError(f"scales.toml: no [[scale]] for {', '.join(absent)}")
    return scales


def _read_scale(table: Mapping[str, Any], where: str) -> Scale:
    stages = _list(table, "stage", where)
    entries = tuple(_read_stage(stage, f"{where}.stage[{i}]") for i, stage in enumerate(stages))
    spellings = [s for entry in entries for s in entry.spellings]
    if len(set(spellings)) != len(spellings) or "" in spellings:
        raise ValueError(f"{where}: two stages (or aliases) share a spelling")
    return Scale(
        key=_text(table, "key", where),
        label=_text(table, "label", where),
        sources=tuple(table["sources"]),
        entries=entries,
    )


def _read_stage(stage: Mapping[str, Any], where: str) -> StageEntry:
    value = _text(stage, "value", where)
    aliases = stage.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ValueError(f"{where}: aliases must be a list of text")
    return StageEntry(
        value=value,
        description=_text(stage, "description", where),
        spellings=tuple(_spelling(s) for s in [value, *aliases]),
    )


def _read_salt(table: Mapping[str, Any]) -> SaltRules:
    weights = {
        _text(r, "region", "salt.region"): _number(r, "weight", "salt.region")
        for r in _list(table, "region", "salt")
    }
    if not math.isclose(math.fsum(weights.values()), 1.0) or min(weights.values()) <= 0:
        raise ValueError("scales.toml salt: region weights must be positive and add up to 1")
    schemes = {
        _text(s, "scheme", "salt.band_scheme"): _read_bands(s.get("bands"), s.get("scheme"))
        for s in _list(table, "band_scheme", "salt")
    }
    success = _table(table, "trial_success", "salt")
    return SaltRules(
        weights=MappingProxyType(weights),
        schemes=MappingProxyType(schemes),
        sources=tuple(table["sources"]),
        trial_success_up_to=_number(success, "up_to", "salt.trial_success"),
    )


def _read_bands(raw: object, scheme: object) -> tuple[Band, ...]:
    where = f"scales.toml salt band scheme {scheme!r}"
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: needs bands")
    bands = tuple(_read_band(band, where) for band in raw)
    edges = [(band.limit, band.inclusive) for band in bands]
    if edges != sorted(set(edges)) or edges[-1] != (100, True) or edges[0][0] < 0:
        raise ValueError(
            f"{where}: band limits must rise, start at 0 or more, end with up_to = 100"
        )
    return bands


def _read_band(band: object, where: str) -> Band:
    if not isinstance(band, Mapping) or ("below" in band) == ("up_to" in band):
        raise ValueError(f"{where}: each band has exactly one of below and up_to")
    inclusive = "up_to" in band
    return Band(
        label=_text(band, "band", where),
        limit=_number(band, "up_to" if inclusive else "below", where),
        inclusive=inclusive,
        description=_text(band, "description", where),
    )


def _read_pull_test(table: Mapping[str, Any]) -> PullTestRules:
    sites = tuple(table.get("sites", []))
    readings = tuple(
        (
            _text(r, "reading", "pull_test.reading"),
            _whole(r, "min_regions", "pull_test.reading"),
            _whole(r, "max_regions", "pull_test.reading"),
            _text(r, "meaning", "pull_test.reading"),
        )
        for r in _list(table, "reading", "pull_test")
    )
    covered = [n for _, low, high, _ in readings for n in range(low, high + 1)]
    if not sites or covered != list(range(len(sites) + 1)):
        raise ValueError("scales.toml pull_test: readings must cover 0 to the number of sites once")
    return PullTestRules(sites=sites, readings=readings)


def _read_advanced(
    signals: list[Mapping[str, Any]], scales: Mapping[str, Scale]
) -> tuple[Mapping[tuple[str, str], str], Mapping[str, str], Mapping[str, str]]:
    stages: dict[tuple[str, str], str] = {}
    trichoscopy: dict[str, str] = {}
    aa_signs: dict[str, str] = {}
    for i, signal in enumerate(signals):
        where, kind = f"scales.toml advanced_signal[{i}]", signal.get("kind")
        reason = _text(signal, "reason", where)
        if kind == "stage":
            stages.update(_advanced_stages(signal, scales, reason, where))
        elif kind == "trichoscopy":
            trichoscopy[_text(signal, "sign", where)] = reason
        elif kind == "aa_prognosis":
            aa_signs.update(
                (_text(s, "sign", where), _text(s, "description", where)) for s in signal["signs"]
            )
        else:
            raise ValueError(f"{where}: kind must be stage, trichoscopy or aa_prognosis")
    return MappingProxyType(stages), MappingProxyType(trichoscopy), MappingProxyType(aa_signs)


def _advanced_stages(
    signal: Mapping[str, Any], scales: Mapping[str, Scale], reason: str, where: str
) -> dict[tuple[str, str], str]:
    scale = scales.get(_text(signal, "scale", where))
    if scale is None:
        raise ValueError(f"{where}: unknown scale {signal['scale']!r}")
    values = [e.value for e in scale.entries]
    unknown = [v for v in signal.get("stages", []) if v not in values]
    if unknown or not signal.get("stages"):
        raise ValueError(f"{where}: stages must be canonical {scale.label} stages, not {unknown}")
    return {(scale.key, value): reason for value in signal["stages"]}


def _table(document: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = document.get(key)
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: [{key}] is missing or not a table")
    return value


def _list(document: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
    value = document.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, Mapping) for v in value):
        raise ValueError(f"{where}: [[{key}]] is missing or not a list of tables")
    return value


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {key} must be non-empty text")
    return value


def _number(table: Mapping[str, Any], key: str, where: str) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{where}: {key} must be a number")
    return float(value)


def _whole(table: Mapping[str, Any], key: str, where: str) -> int:
    value = table.get(key)
    if type(value) is not int or value < 0:
        raise ValueError(f"{where}: {key} must be a whole number of 0 or more")
    return value
