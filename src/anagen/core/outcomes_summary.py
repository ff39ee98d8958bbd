"""The review in plain words for the patient's progress report: what changed, what did not,
and what happens next; no promises. Part of :mod:`anagen.core.outcomes`."""

from __future__ import annotations

from collections.abc import Callable

from anagen.core.outcomes import (
    INSUFFICIENT,
    NON_RESPONDER,
    PARTIAL,
    RESPONDER,
    Reason,
    ResponseResult,
)

__all__ = ["OVERALL", "PHOTO_WORDS", "plain_summary"]

OVERALL = {
    RESPONDER: (
        "By the criteria your clinic uses, your hair has responded to the treatment so far."
    ),
    PARTIAL: (
        "Some measures improved and others did not. Your clinician will discuss with you "
        "whether to continue, change or stop the treatment."
    ),
    NON_RESPONDER: (
        "The measures did not show a clear improvement. Your clinician will review the "
        "treatment plan with you."
    ),
    INSUFFICIENT: (
        "There is not yet enough measured to judge the response. Nothing is concluded until "
        "the missing measurements are taken."
    ),
}
CLOSING = (
    "These results describe the change up to this visit. They are not a promise of future "
    "results: hair loss can continue or return, and results differ between people."
)
PHOTO_WORDS = {
    -3: "much worse",
    -2: "worse",
    -1: "slightly worse",
    0: "unchanged",
    1: "slightly better",
    2: "better",
    3: "much better",
}
SITE_WORDS = {"frontal": "at the front of the scalp", "vertex": "at the crown"}


def plain_summary(result: ResponseResult) -> tuple[str, ...]:
    """Sentences for the patient: one per criterion with data, the overall result, a caveat."""
    lines = [_sentence(r) for r in result.reasons if r.baseline is not None or r.value is not None]
    missing = [r.label.lower() for r in result.reasons if r.value is None]
    if missing:
        lines.append(f"Not measured at both visits: {', '.join(missing)}.")
    return (OVERALL[result.label], *[line for line in lines if line], CLOSING)


def _sentence(reason: Reason) -> str:
    write = _WRITERS.get(reason.measure, _generic)
    return write(reason)


def _where(reason: Reason) -> str:
    return SITE_WORDS.get(reason.site, f"at the {reason.site} site")


def _moved(reason: Reason, what: str, unit: str) -> str:
    before, after = reason.baseline, reason.value
    if before is None or after is None or reason.change is None:
        return ""
    pct = f" ({reason.change_pct:+.0f} %)" if reason.change_pct is not None else ""
    verdict = "" if reason.met else " This is not a clear change by the clinic's criteria."
    if abs(reason.change) < 0.05:
        return f"{what} {_where(reason)} did not change ({after:g}{unit}).{verdict}"
    verb = "rose" if reason.change > 0 else "fell"
    return f"{what} {_where(reason)} {verb} from {before:g} to {after:g}{unit}{pct}.{verdict}"


def _density(reason: Reason) -> str:
    return _moved(reason, "The number of full-thickness hairs per cm²", "")


def _diameter(reason: Reason) -> str:
    return _moved(reason, "The average hair thickness", " micrometres")


def _vellus(reason: Reason) -> str:
    return _moved(reason, "The share of fine (vellus) hairs", " %")


def _photo(reason: Reason) -> str:
    if reason.value is None:
        return ""
    score = int(reason.value)
    return (
        "Comparing your photographs with those from the start, your clinician scored "
        f"{score:+d} on a scale from -3 to +3 ({PHOTO_WORDS[score]})."
    )


def _pull(reason: Reason) -> str:
    if reason.baseline is None or reason.value is None:
        return ""
    return (
        "In the pull test (how many hairs come out with a gentle pull) "
        f"{reason.baseline:g} % came out at the start and {reason.value:g} % at this visit."
    )


def _satisfaction(reason: Reason) -> str:
    if reason.value is None:
        return ""
    start = f" (at the start: {reason.baseline:g})" if reason.baseline is not None else ""
    return f"You rated your satisfaction {reason.value:g} out of 100{start}."


def _generic(reason: Reason) -> str:
    return f"{reason.label}: {reason.baseline} → {reason.value} {reason.unit}."


_WRITERS: dict[str, Callable[[Reason], str]] = {
    "terminal_density": _density,
    "mean_diameter": _diameter,
    "vellus_fraction": _vellus,
    "global_photo": _photo,
    "pull_test": _pull,
    "satisfaction": _satisfaction,
}
