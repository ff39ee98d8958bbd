"""Bundled medical code lists (WHO ICD-10 and WHO ATC) and their loader.

The lists live in ``anagen/core/data/codes/<system>.toml``. Each file is a small,
hand-curated subset of the WHO classification (see its ``[meta]`` table). This
module is pure Python (standard library only) so it can be used from the rules
engine, the API and the command line alike.

Canonical code forms:

* ICD-10: upper case, a dot after the third character: ``"L64"``, ``"L64.9"``.
* ATC: upper case, no separators: ``"B"``, ``"B01"``, ``"B01A"``, ``"B01AC"``,
  ``"B01AC06"``.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = ["SYSTEMS", "Code", "CodeSystem", "load", "normalise"]

SYSTEMS: tuple[str, ...] = ("icd10", "atc")

# ICD-10 (WHO): a letter, two digits, then optionally a dot and one or two digits.
_ICD10_RE = re.compile(r"([A-Z])(\d{2})(?:\.?(\d{1,2}))?")
# ATC levels 1-5: A | A01 | A01B | A01BC | A01BC01. The first letter is one of the
# fourteen anatomical main groups.
_ATC_RE = re.compile(r"[ABCDGHJLMNPRSV](?:\d{2}(?:[A-Z](?:[A-Z](?:\d{2})?)?)?)?")
# Screening rule ids from the clinical reference, section 4: CI-01 ... CI-23.
_SCREENING_RE = re.compile(r"CI-(?:0[1-9]|1\d|2[0-3])")
# ATC code lengths for levels 1-5; ancestors are the shorter prefixes.
_ATC_LEVEL_LENGTHS = (1, 3, 4, 5, 7)

_META_KEYS = ("system", "title", "source", "version", "licence_note", "scope")
_CODE_KEYS = frozenset({"code", "title", "screening"})
_WORD_SPLIT_RE = re.compile(r"[\W_]+")
_NOT_CODE_CHAR_RE = re.compile(r"[^0-9A-Z]")


@dataclass(frozen=True)
class Code:
    """One entry of a code system."""

    system: str  # "icd10" or "atc"
    code: str  # canonical form, e.g. "L64.9" or "B01AC06"
    title: str
    screening: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodeSystem:
    """A loaded code list with look-up helpers."""

    system: str
    title: str
    source: str
    version: str
    codes: tuple[Code, ...]
    _by_code: dict[str, Code] = field(init=False, repr=False, compare=False, hash=False)
    _search_keys: tuple[tuple[Code, str, str], ...] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        by_code: dict[str, Code] = {}
        for entry in self.codes:
            if entry.code in by_code:
                raise ValueError(f"{self.system}: duplicate code {entry.code!r}")
            by_code[entry.code] = entry
        keys = tuple(
            (entry, _compact(entry.code), _fold(entry.title))
            for entry in sorted(self.codes, key=lambda c: c.code)
        )
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_search_keys", keys)

    def __len__(self) -> int:
        return len(self.codes)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.get(code) is not None

    def get(self, code: str) -> Code | None:
        """Return the entry for ``code`` (any spelling ``normalise`` accepts), else None.

        Text that cannot be a code of this system gives None rather than an error,
        so the method is safe to call with raw user input.
        """
        try:
            canonical = normalise(self.system, code)
        except ValueError:
            return None
        return self._by_code.get(canonical)

    def search(self, query: str, limit: int = 20) -> list[Code]:
        """Find codes by code prefix, then by words in the title.

        Codes whose (dot-less) code starts with the (dot-less) query come first; then
        codes whose title contains every word of the query (case- and
        accent-insensitive substring match). Each group is ordered by code. An empty
        query, or a limit below 1, gives an empty list.
        """
        if limit < 1:
            return []
        compact = _compact(query)
        words = [w for w in _WORD_SPLIT_RE.split(_fold(query)) if w]
        if not compact and not words:
            return []
        by_prefix: list[Code] = []
        by_title: list[Code] = []
        for entry, code_key, title_key in self._search_keys:
            if compact and code_key.startswith(compact):
                by_prefix.append(entry)
            elif words and all(word in title_key for word in words):
                by_title.append(entry)
        return (by_prefix + by_title)[:limit]

    def parents(self, code: str) -> list[Code]:
        """Known ancestors of ``code`` in this list, nearest first.

        ``"L64.9"`` gives ``[L64]``; ``"B01AC06"`` gives ``[B01AC, B01A, B01, B]``.
        The code itself need not be in the list. Text that cannot be a code of this
        system gives an empty list.
        """
        try:
            canonical = normalise(self.system, code)
        except ValueError:
            return []
        ancestors = _ancestor_codes(self.system, canonical)
        return [self._by_code[a] for a in ancestors if a in self._by_code]


def normalise(system: str, raw: str) -> str:
    """Return the canonical form of ``raw`` as a code of ``system``.

    Whitespace anywhere and letter case are ignored; ICD-10 codes may be written
    with or without the dot (``"l649"`` -> ``"L64.9"``) and may carry a trailing
    dagger or asterisk (``"L62.0*"``). Raises ValueError, with a message saying
    what was expected, for text that cannot be a code of that system.
    """
    _check_system(system)
    if not isinstance(raw, str):
        raise TypeError(f"code must be a string, not {type(raw).__name__}")
    text = "".join(raw.split()).upper()
    if system == "icd10":
        text = text.rstrip("*†")
        match = _ICD10_RE.fullmatch(text)
        if match is None:
            raise ValueError(
                f"{raw!r} is not an ICD-10 code: expected a letter, two digits and "
                "optionally a dot followed by one or two digits, e.g. 'L64' or 'L64.9'"
            )
        letter, digits, detail = match.groups()
        return f"{letter}{digits}.{detail}" if detail else f"{letter}{digits}"
    if _ATC_RE.fullmatch(text) is None:
        raise ValueError(
            f"{raw!r} is not an ATC code: expected an anatomical group letter "
            "(A B C D G H J L M N P R S V) optionally followed by two digits, a letter, "
            "a letter and two digits, e.g. 'B', 'B01', 'B01A', 'B01AC' or 'B01AC06'"
        )
    return text


@cache
def load(system: str) -> CodeSystem:
    """Load and validate the bundled list for ``system`` ("icd10" or "atc")."""
    _check_system(system)
    resource = files("anagen.core") / "data" / "codes" / f"{system}.toml"
    return _from_toml(system, resource.read_text(encoding="utf-8"))


def _from_toml(system: str, text: str) -> CodeSystem:
    """Parse and validate the TOML text of a code list for ``system``."""
    _check_system(system)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{system}: the code list is not valid TOML: {exc}") from exc
    unexpected = set(data) - {"meta", "code"}
    if unexpected:
        raise ValueError(f"{system}: unexpected top-level keys {sorted(unexpected)}")
    meta = data.get("meta")
    if not isinstance(meta, dict):
        raise ValueError(f"{system}: the code list has no [meta] table")
    for key in _META_KEYS:
        value = meta.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{system}: [meta] {key} is missing or empty")
    if meta["system"] != system:
        raise ValueError(f"{system}: [meta] system is {meta['system']!r}, expected {system!r}")
    entries = data.get("code")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{system}: the code list has no [[code]] entries")
    codes: list[Code] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        parsed = _parse_entry(system, index, entry)
        if parsed.code in seen:
            raise ValueError(f"{system}: duplicate code {parsed.code!r}")
        seen.add(parsed.code)
        codes.append(parsed)
    codes.sort(key=lambda c: c.code)
    return CodeSystem(
        system=system,
        title=meta["title"],
        source=meta["source"],
        version=meta["version"],
        codes=tuple(codes),
    )


def _parse_entry(system: str, index: int, entry: Any) -> Code:
    if not isinstance(entry, Mapping):
        raise ValueError(f"{system}: [[code]] entry #{index + 1} is not a table")
    raw_code = entry.get("code")
    if not isinstance(raw_code, str) or not raw_code.strip():
        raise ValueError(f"{system}: [[code]] entry #{index + 1} has no code")
    label = f"{system} code {raw_code!r}"
    unexpected = set(entry) - _CODE_KEYS
    if unexpected:
        raise ValueError(f"{label}: unexpected keys {sorted(unexpected)}")
    try:
        canonical = normalise(system, raw_code)
    except ValueError as exc:
        raise ValueError(f"{label} is malformed: {exc}") from exc
    if canonical != raw_code:
        raise ValueError(f"{label} is malformed: write it in canonical form {canonical!r}")
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"{label} has no title")
    if title != title.strip():
        raise ValueError(f"{label}: title has leading or trailing whitespace")
    screening = entry.get("screening", [])
    if not isinstance(screening, list) or not all(isinstance(s, str) for s in screening):
        raise ValueError(f"{label}: screening must be a list of rule ids")
    for rule in screening:
        if _SCREENING_RE.fullmatch(rule) is None:
            raise ValueError(f"{label}: {rule!r} is not a screening rule id CI-01 ... CI-23")
    if len(set(screening)) != len(screening):
        raise ValueError(f"{label}: screening lists a rule id twice")
    return Code(system=system, code=canonical, title=title, screening=tuple(screening))


def _ancestor_codes(system: str, canonical: str) -> list[str]:
    """Structural ancestors of a canonical code, nearest first."""
    if system == "icd10":
        if "." not in canonical:
            return []
        three, detail = canonical.split(".")
        shorter = [f"{three}.{detail[:n]}" for n in range(len(detail) - 1, 0, -1)]
        return [*shorter, three]
    return [canonical[:n] for n in reversed(_ATC_LEVEL_LENGTHS) if n < len(canonical)]


def _check_system(system: str) -> None:
    if system not in SYSTEMS:
        raise ValueError(f"unknown code system {system!r}; expected one of {list(SYSTEMS)}")


def _compact(text: str) -> str:
    """Upper-case letters and digits only: the form used for code prefix matching."""
    return _NOT_CODE_CHAR_RE.sub("", text.upper())


def _fold(text: str) -> str:
    """Case- and accent-insensitive form of a title or query."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
