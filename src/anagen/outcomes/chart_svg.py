"""Line charts as SVG text, drawn on the server with no script: one measure over time, a line
per scalp site, the course's sessions marked along the time axis and the review milestone as a
dashed line. The same SVG goes on the page and into the progress report PDF.

Accessible by construction: ``<title>`` and ``<desc>`` (a sentence per site with its first and
last value) label the image, both axes are labelled, every point has its own ``<title>``, sites
differ by marker shape as well as colour, and the page shows the numbers as a table too.
"""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 58, 104, 30, 50
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
INK, MUTED, GRID, ACCENT = "#1f2a2c", "#5f6b6d", "#dfe6e7", "#9a5b13"
# Distinguishable in colour-vision deficiency (Okabe-Ito), and each with its own marker.
STYLES = (
    ("#0072B2", "circle"),
    ("#D55E00", "square"),
    ("#009E73", "diamond"),
    ("#CC79A7", "triangle"),
    ("#56B4E9", "circle"),
    ("#E69F00", "square"),
)


@dataclass(frozen=True)
class Series:
    label: str
    points: tuple[tuple[dt.date, float], ...]


@dataclass(frozen=True)
class LineChart:
    """One measure: ``series`` per site; ``sessions`` and ``review`` are marks on the time axis."""

    id: str
    title: str
    unit: str
    series: tuple[Series, ...]
    sessions: tuple[dt.date, ...] = ()
    review: dt.date | None = None
    decimals: int = 0

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)

    def dates(self) -> list[dt.date]:
        return sorted({d for s in self.series for d, _ in s.points})

    def value(self, series: Series, day: dt.date) -> float | None:
        return next((v for d, v in series.points if d == day), None)

    def text(self, value: float | None) -> str:
        return "—" if value is None else f"{value:.{self.decimals}f}"

    def description(self) -> str:
        """The chart in sentences (its ``<desc>``)."""
        parts = []
        for s in self.series:
            if s.points:
                (d0, v0), (d1, v1) = s.points[0], s.points[-1]
                parts.append(
                    f"{s.label}: {self.text(v0)} on {_day(d0)}, {self.text(v1)} on {_day(d1)} "
                    f"({len(s.points)} visit{'s' if len(s.points) != 1 else ''})."
                )
        if self.sessions:
            parts.append(f"{len(self.sessions)} signed sessions marked on the time axis.")
        if self.review:
            parts.append(f"Review milestone {_day(self.review)}.")
        return " ".join(parts) or "No measurements yet."

    def svg(self) -> str:
        return _render(self)


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _nice_step(span: float, count: int) -> float:
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _y_ticks(values: Sequence[float], unit: str) -> list[float]:
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - max(1.0, abs(low) * 0.1), high + max(1.0, abs(high) * 0.1)
    pad = (high - low) * 0.15
    low, high = low - pad, high + pad
    if unit == "%":  # a share: never below 0 or above 100, and at least 10 points tall
        low, high = max(0.0, low), min(100.0, max(high, low + 10.0))
    low = max(0.0, low)
    step = _nice_step(high - low, 4)
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


def _x_ticks(start: dt.date, end: dt.date) -> list[dt.date]:
    months = (end.year - start.year) * 12 + end.month - start.month
    every = 1 if months <= 8 else 2 if months <= 16 else 3 if months <= 30 else 6
    ticks: list[dt.date] = []
    year, month = start.year, start.month
    while True:
        month += 1
        year, month = (year + 1, 1) if month > 12 else (year, month)
        day = dt.date(year, month, 1)
        if day > end:
            return ticks
        if (month - 1) % every == 0:
            ticks.append(day)


class _Frame:
    """Where a date and a value land inside the plot area."""

    def __init__(self, chart: LineChart, values: list[float]) -> None:
        days = [*chart.dates(), *chart.sessions, *([chart.review] if chart.review else [])]
        self.start = min(days) - dt.timedelta(days=7)
        self.end = max(days) + dt.timedelta(days=7)
        self.ticks = _y_ticks(values, chart.unit)
        self.low, self.high = self.ticks[0], self.ticks[-1]

    def x(self, day: dt.date) -> float:
        span = (self.end - self.start).days or 1
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - self.start).days / span

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1.0
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (value - self.low) / span


def _render(chart: LineChart) -> str:
    title_id, desc_id = f"{chart.id}-title", f"{chart.id}-desc"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'font-family="{FONT}" font-size="11" fill="{INK}">'
        f'<title id="{title_id}">{escape(chart.title)} ({escape(chart.unit)})</title>'
        f'<desc id="{desc_id}">{escape(chart.description())}</desc>'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>'
    )
    values = [v for s in chart.series for _, v in s.points]
    if not values:
        return head + _centred("No measurements yet.") + "</svg>"
    frame = _Frame(chart, values)
    body = [
        _y_axis(chart, frame),
        _x_axis(frame),
        _sessions(chart, frame),
        _review(chart, frame),
        *(_series(chart, s, i, frame) for i, s in enumerate(chart.series) if s.points),
        _labels(chart, frame),
    ]
    return head + "".join(body) + "</svg>"


def _centred(text: str) -> str:
    return (
        f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="{MUTED}">'
        f"{escape(text)}</text>"
    )


def _y_axis(chart: LineChart, frame: _Frame) -> str:
    parts = []
    for tick in frame.ticks:
        y = frame.y(tick)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{tick:g}</text>'
        )
    middle = (TOP + HEIGHT - BOTTOM) / 2
    parts.append(
        f'<text x="14" y="{middle:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {middle:.1f})" fill="{INK}">'
        f"{escape(chart.title)} ({escape(chart.unit)})</text>"
    )
    return "".join(parts)


def _x_axis(frame: _Frame) -> str:
    base = HEIGHT - BOTTOM
    parts = [
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}" stroke="{MUTED}"/>',
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
        "Visit date</text>",
    ]
    for day in _x_ticks(frame.start, frame.end):
        x = frame.x(day)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base}" y2="{base + 4}" stroke="{MUTED}"/>'
            f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" fill="{MUTED}">'
            f"{day:%b %Y}</text>"
        )
    return "".join(parts)


def _sessions(chart: LineChart, frame: _Frame) -> str:
    if not chart.sessions:
        return ""
    base = HEIGHT - BOTTOM
    marks = "".join(
        f'<path d="M{frame.x(d):.1f} {base - 1} l-4 -7 h8 z" fill="{MUTED}">'
        f"<title>Session on {_day(d)}</title></path>"
        for d in chart.sessions
    )
    legend = (
        f'<path d="M{LEFT + 4} {HEIGHT - 8} l-4 -7 h8 z" fill="{MUTED}"/>'
        f'<text x="{LEFT + 12}" y="{HEIGHT - 8}" fill="{MUTED}">treatment session</text>'
    )
    return f'<g aria-label="Treatment sessions">{marks}{legend}</g>'


def _review(chart: LineChart, frame: _Frame) -> str:
    if chart.review is None:
        return ""
    x = frame.x(chart.review)
    return (
        f'<g aria-label="Review milestone"><line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 8}" '
        f'y2="{HEIGHT - BOTTOM}" stroke="{ACCENT}" stroke-width="1.5" stroke-dasharray="5 4"/>'
        f'<text x="{x:.1f}" y="{TOP - 12}" text-anchor="middle" fill="{ACCENT}">'
        f"Review {_day(chart.review)}</text></g>"
    )


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"'
    if shape == "diamond":
        return f'<path d="M{x:.1f} {y - 5:.1f} l5 5 l-5 5 l-5 -5 z" fill="{colour}"'
    if shape == "triangle":
        return f'<path d="M{x:.1f} {y - 5:.1f} l5 9 h-10 z" fill="{colour}"'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"'


def _series(chart: LineChart, series: Series, index: int, frame: _Frame) -> str:
    colour, shape = STYLES[index % len(STYLES)]
    xy = [(frame.x(d), frame.y(v)) for d, v in series.points]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    points = "".join(
        _marker(shape, x, y, colour)
        + f"><title>{escape(series.label)}, {_day(d)}: {chart.text(v)} {escape(chart.unit)}"
        + f"</title></{_tag(shape)}>"
        for (x, y), (d, v) in zip(xy, series.points, strict=True)
    )
    return (
        f'<g aria-label="{escape(series.label)}"><polyline points="{line}" fill="none" '
        f'stroke="{colour}" stroke-width="2"/>{points}</g>'
    )


def _labels(chart: LineChart, frame: _Frame) -> str:
    """Each site's name at the right edge, level with its last value, pushed apart so that no two
    overlap."""
    ends = sorted(
        (frame.y(s.points[-1][1]), i, s.label) for i, s in enumerate(chart.series) if s.points
    )
    placed: list[tuple[float, int, str]] = []
    for y, index, label in ends:
        y = max(y, placed[-1][0] + 13) if placed else y
        placed.append((y, index, label))
    x = WIDTH - RIGHT + 8
    return "".join(
        f'<text x="{x}" y="{y + 4:.1f}" fill="{STYLES[i % len(STYLES)][0]}" font-weight="bold">'
        f"{escape(label)}</text>"
        for y, i, label in placed
    )


def _tag(shape: str) -> str:
    return {"square": "rect", "circle": "circle"}.get(shape, "path")
