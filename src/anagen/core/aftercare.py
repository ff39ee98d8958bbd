"""Aftercare after a session: the knowledge base's items (aftercare.toml) dated from the session
day, in the patient's language where ``aftercare_translations.toml`` has a translation, English
otherwise.

Evidence-based items (the 12-week nodule warning: NTM infections appear 1-12 weeks after the
session; sources in aftercare.toml) are always given, whatever a clinic switched off; only
clinic-policy items follow ``enabled``. Dates are written with the names in the translations
file, never the server's locale.
"""

from __future__ import annotations

import datetime as dt
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from anagen.core.knowledge import AftercareItem

__all__ = [
    "ENGLISH",
    "Language",
    "Translations",
    "long_date",
    "read_translations",
    "session_aftercare",
    "sheet_words",
    "translations",
]

ENGLISH = "en"
_DATE_FIELDS = frozenset({"weekday", "day", "month", "year"})


@dataclass(frozen=True)
class Language:
    """One language's words: the sheet's, the items' texts and calendar lines, and dates."""

    code: str
    name: str
    date: str  # e.g. "{weekday}, {day}. {month} {year}"
    weekdays: tuple[str, ...]  # Monday first
    months: tuple[str, ...]
    day_one: str  # how the 1st of a month is written ("1er" in French); "" for plain "1"
    sheet: Mapping[str, str]
    texts: Mapping[str, str]  # item id -> text with {until}; empty for English (the kb's own)
    ends: Mapping[str, str]  # item id -> calendar line for the restriction's last day

    def long_date(self, day: dt.date) -> str:
        number = self.day_one if day.day == 1 and self.day_one else str(day.day)
        return self.date.format(
            weekday=self.weekdays[day.weekday()],
            day=number,
            month=self.months[day.month - 1],
            year=day.year,
        )


@dataclass(frozen=True)
class Translations:
    languages: Mapping[str, Language]

    def get(self, code: str) -> Language:
        """The language for a code such as ``de`` or ``de-AT``; English when not translated."""
        primary = code.strip().lower().replace("_", "-").split("-")[0]
        return self.languages.get(primary, self.languages[ENGLISH])


def translations() -> Translations:
    """The bundled translations (read and checked once per process)."""
    return _bundled()


@cache
def _bundled() -> Translations:
    path = files("anagen.core") / "data" / "knowledge" / "aftercare_translations.toml"
    return read_translations(tomllib.loads(path.read_text("utf-8")))


def long_date(day: dt.date, language: str = ENGLISH) -> str:
    """``Thursday 7 January 2027``, ``Donnerstag, 7. Januar 2027``: a date for patients."""
    return translations().get(language).long_date(day)


def sheet_words(language: str) -> Language:
    """The words of the aftercare sheet, email and calendar; English when not translated."""
    return translations().get(language)


def session_aftercare(
    items: Sequence[AftercareItem], day: dt.date, language: str
) -> list[dict[str, Any]]:
    """The aftercare for a session on ``day``, in knowledge-base order.

    Each entry: ``id``, ``until`` (ISO date of the restriction's last day), ``text`` (with that
    date written in), ``ends`` (the calendar line for that day), ``basis``, ``sources``, and
    ``language``, the one actually used: the requested one when it translates the item, else
    English. Evidence items are always included; clinic-policy items only when enabled.
    """
    book = translations()
    wanted, english = book.get(language), book.languages[ENGLISH]
    return [
        _dated(item, day, wanted if item.id in wanted.texts else english, english)
        for item in items
        if item.enabled or item.basis == "evidence"
    ]


def _dated(item: AftercareItem, day: dt.date, lang: Language, english: Language) -> dict[str, Any]:
    until = day + dt.timedelta(days=item.days)
    text = lang.texts.get(item.id, item.text)
    # A new item in aftercare.toml may lack its calendar line for a while: its text serves.
    ends = lang.ends.get(item.id) or english.ends.get(item.id) or text.format(until="").strip()
    return {
        "id": item.id,
        "until": until.isoformat(),
        "text": text.format(until=lang.long_date(until)),
        "ends": ends,
        "basis": item.basis,
        "sources": list(item.sources),
        "language": lang.code,
    }


# --- Reading and checking the file ---------------------------------------------------------


def read_translations(data: Mapping[str, Any]) -> Translations:
    """Read the parsed translations file; ValueError names the entry that is wrong."""
    if ENGLISH not in data:
        raise ValueError("aftercare translations: [en] is missing")
    english = _language(ENGLISH, data[ENGLISH], None)
    languages = {ENGLISH: english}
    for code, table in data.items():
        if code != ENGLISH:
            languages[code] = _language(code, table, english)
    return Translations(languages)


def _language(code: str, table: Any, english: Language | None) -> Language:
    where = f"aftercare translations [{code}]"
    if not isinstance(table, Mapping):
        raise ValueError(f"{where}: must be a table")
    language = Language(
        code=code,
        name=_text(table, "name", where),
        date=_text(table, "date", where),
        weekdays=_names(table, "weekdays", 7, where),
        months=_names(table, "months", 12, where),
        day_one=str(table.get("day_one", "")),
        sheet=_strings(table, "sheet", where),
        texts=_strings(table, "text", where, required=False),
        ends=_strings(table, "ends", where),
    )
    _check_language(language, english, where)
    return language


def _check_language(language: Language, english: Language | None, where: str) -> None:
    if not _fields(language.date, f"{where} date") <= _DATE_FIELDS:
        raise ValueError(f"{where} date: use only {{weekday}} {{day}} {{month}} {{year}}")
    for item_id, text in language.texts.items():
        if _fields(text, f"{where} text.{item_id}") != {"until"}:
            raise ValueError(f"{where} text.{item_id}: must keep {{until}} and no other field")
        if item_id not in language.ends:
            raise ValueError(f"{where} ends.{item_id}: the translated item needs its calendar line")
    for item_id, line in language.ends.items():
        if _fields(line, f"{where} ends.{item_id}"):
            raise ValueError(f"{where} ends.{item_id}: a calendar line takes no {{field}}")
    if english is None:
        if language.texts:
            raise ValueError(f"{where}: English item texts are aftercare.toml's, not here")
        return
    for key, words in english.sheet.items():
        if key not in language.sheet:
            raise ValueError(f"{where} sheet.{key}: missing")
        if _fields(language.sheet[key], f"{where} sheet.{key}") != _fields(words, key):
            raise ValueError(f"{where} sheet.{key}: must use the fields of the English")
    extra = set(language.sheet) - set(english.sheet)
    if extra:
        raise ValueError(f"{where} sheet.{min(extra)}: not an English sheet entry")


def _fields(template: str, where: str) -> set[str]:
    try:
        return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
    except ValueError as error:  # an unmatched brace
        raise ValueError(f"{where}: {error}") from None


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where} {key}: must be a non-empty string")
    return value


def _names(table: Mapping[str, Any], key: str, count: int, where: str) -> tuple[str, ...]:
    value = table.get(key)
    if not isinstance(value, list) or len(value) != count:
        raise ValueError(f"{where} {key}: must list {count} names")
    return tuple(_text({key: name}, key, where) for name in value)


def _strings(
    table: Mapping[str, Any], key: str, where: str, *, required: bool = True
) -> Mapping[str, str]:
    value = table.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} {key}: must be a table")
    return {name: _text(value, name, f"{where} {key}") for name in value}
