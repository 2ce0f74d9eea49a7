"""Seal uses per seal per ISO week, as a self-contained SVG bar chart for the console.

Accessible: ``role="img"`` named by its ``<title>`` and described by a ``<desc>`` that says
the totals in words; every bar has its own ``<title>`` (seal, week, count); axis labels and a
legend. Colours are the Okabe-Ito palette (told apart with the common colour-vision
deficiencies), each bar outlined so the light ones show on white; past ``MAX_SERIES`` seals
the least used are summed as "other". Chinese labels: a CJK font is named first after the
system one. No script, no event attribute, no external reference: every label is escaped
(and characters XML forbids are dropped), so a seal named ``<script>`` is just text.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
MAX_SERIES = len(PALETTE)
MAX_WEEKS = 53
FONT = 'system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'
WIDTH, PLOT_HEIGHT = 720, 260
LEFT, RIGHT, TOP = 64, 16, 44
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ID = re.compile(r"^[A-Za-z][\w-]{0,40}$")

Use = tuple[str, str, int]
"""(seal name, ISO week such as "2026-W48", number of uses)."""


@dataclass(frozen=True)
class Labels:
    title: str
    x_axis: str
    y_axis: str
    other: str
    empty: str
    summary: str
    """Formatted with total, seals, weeks, first, last."""
    seal_total: str
    """Formatted with name, count."""
    bar: str
    """Formatted with name, week, count."""


LABELS = {
    "zh": Labels("各印章每周用印次数", "周（ISO 周）", "用印次数", "其他印章", "暂无用印记录",
                 "{first} 至 {last} 共 {weeks} 周，{seals} 枚印章共用印 {total} 次。",
                 "{name}：{count} 次", "{name}，{week}：{count} 次"),
    "en": Labels("Seal uses per week", "Week (ISO)", "Seal uses", "Other seals",
                 "No seal uses yet",
                 "{total} seal uses by {seals} seals over {weeks} weeks, {first} to {last}.",
                 "{name}: {count}", "{name}, {week}: {count}"),
}


def seal_use_chart(uses: Iterable[Use], lang: str = "zh", chart_id: str = "seal-uses",
                   title: str | None = None) -> str:
    """The SVG (a string) of ``uses``; the same (seal, week) given twice is summed.
    Raises ValueError on a malformed week, a negative count or a bad ``chart_id``."""
    if not _ID.match(chart_id):
        raise ValueError(f"chart id must match {_ID.pattern}")
    labels = LABELS["en" if lang == "en" else "zh"]
    data = _Data.of(uses, labels.other)
    chart = _Svg(chart_id, labels, data, title or labels.title)
    return chart.render()


def text(value: object) -> str:
    """``value`` as XML text or attribute content: forbidden characters dropped, escaped."""
    cleaned = _XML_FORBIDDEN.sub("", str(value))
    return escape(cleaned, {'"': "&quot;", "'": "&#39;"})


def iso_week(value: str) -> date:
    """The Monday of ISO week ``value`` ("2026-W48")."""
    match = _WEEK.match(value)
    try:
        if match is None:
            raise ValueError
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValueError(f"not an ISO week (YYYY-Www): {value!r}") from None


def week_name(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class _Data:
    weeks: tuple[str, ...]
    seals: tuple[str, ...]
    counts: dict[tuple[str, str], int]

    @classmethod
    def of(cls, uses: Iterable[Use], other: str) -> _Data:
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for seal, week, count in uses:
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(f"a count of uses must be a whole number >= 0: {count!r}")
            counts[(str(seal), week_name(iso_week(week)))] += count
        weeks = _week_range({w for _, w in counts})
        totals: dict[str, int] = defaultdict(int)
        for (seal, _), count in counts.items():
            totals[seal] += count
        ranked = sorted(totals, key=lambda s: (-totals[s], s))
        if len(ranked) > MAX_SERIES:
            kept = set(ranked[:MAX_SERIES - 1])
            merged: dict[tuple[str, str], int] = defaultdict(int)
            for (seal, week), count in counts.items():
                merged[(seal if seal in kept else other, week)] += count
            counts, ranked = merged, [*ranked[:MAX_SERIES - 1], other]
        shown = set(weeks)
        return cls(weeks, tuple(ranked),
                   {k: v for k, v in counts.items() if k[1] in shown})

    def total(self, seal: str | None = None) -> int:
        return sum(v for (s, _), v in self.counts.items() if seal is None or s == seal)

    def peak(self) -> int:
        return max(self.counts.values(), default=0)


def _week_range(weeks: set[str]) -> tuple[str, ...]:
    """Every week from the first to the last (the last ``MAX_WEEKS``), none skipped."""
    if not weeks:
        return ()
    first, last = iso_week(min(weeks)), iso_week(max(weeks))
    count = min((last - first).days // 7 + 1, MAX_WEEKS)
    return tuple(week_name(date.fromordinal(last.toordinal() - 7 * n))
                 for n in reversed(range(count)))


def nice_ceiling(peak: int) -> tuple[int, int]:
    """(top of the y axis, step between ticks): 1, 2 or 5 times a power of ten, <= 6 ticks."""
    if peak <= 0:
        return 1, 1
    raw = peak / 5
    power = 10 ** max(int(math.floor(math.log10(raw))), 0) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * math.ceil(peak / step), step


def text_width(value: str, size: float) -> float:
    """Rough width in px: CJK and other wide characters one em, the rest 0.6 em."""
    return sum(size if ord(c) >= 0x1100 else 0.6 * size for c in value)


class _Svg:
    def __init__(self, chart_id: str, labels: Labels, data: _Data, title: str) -> None:
        self.id, self.labels, self.data, self.title = chart_id, labels, data, title
        self.plot_w = WIDTH - LEFT - RIGHT
        self.legend = self._legend_rows()
        self.height = TOP + PLOT_HEIGHT + 56 + 22 * len(self.legend) + 8

    def render(self) -> str:
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
                f'viewBox="0 0 {WIDTH} {self.height}" width="{WIDTH}" height="{self.height}" '
                f'aria-labelledby="{self.id}-title {self.id}-desc" '
                f'font-family="{text(FONT)}" font-size="12" fill="#1d1d1f">')
        parts = [head, f'<title id="{self.id}-title">{text(self.title)}</title>',
                 f'<desc id="{self.id}-desc">{text(self._description())}</desc>',
                 '<rect width="100%" height="100%" fill="#ffffff"/>',
                 f'<text x="{LEFT}" y="24" font-size="16" font-weight="600">'
                 f'{text(self.title)}</text>']
        parts += self._axes() if self.data.weeks else self._empty()
        parts += self._bars() + self._legend()
        return "\n".join([*parts, "</svg>"])

    def _description(self) -> str:
        data, labels = self.data, self.labels
        if not data.weeks:
            return labels.empty
        summary = labels.summary.format(total=data.total(), seals=len(data.seals),
                                        weeks=len(data.weeks), first=data.weeks[0],
                                        last=data.weeks[-1])
        totals = [labels.seal_total.format(name=s, count=data.total(s)) for s in data.seals]
        return " ".join([summary, *totals])

    def _y(self, value: float) -> float:
        top, _ = nice_ceiling(self.data.peak())
        return TOP + PLOT_HEIGHT - PLOT_HEIGHT * value / top

    def _axes(self) -> list[str]:
        top, step = nice_ceiling(self.data.peak())
        bottom = TOP + PLOT_HEIGHT
        out = [f'<g class="axes" stroke="#888888" stroke-width="1">'
               f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}"/>'
               f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}"/></g>']
        for tick in range(0, top + 1, step):
            y = round(self._y(tick), 1)
            out.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" '
                       f'stroke="#e5e5e5"/><text x="{LEFT - 6}" y="{y + 4}" '
                       f'text-anchor="end">{tick}</text>')
        out += self._week_labels(bottom)
        middle = LEFT + self.plot_w / 2
        out.append(f'<text class="x-axis" x="{middle}" y="{bottom + 40}" '
                   f'text-anchor="middle">{text(self.labels.x_axis)}</text>')
        out.append(f'<text class="y-axis" x="16" y="{TOP + PLOT_HEIGHT / 2}" '
                   f'text-anchor="middle" transform="rotate(-90 16 {TOP + PLOT_HEIGHT / 2})">'
                   f'{text(self.labels.y_axis)}</text>')
        return out

    def _week_labels(self, bottom: float) -> list[str]:
        weeks = self.data.weeks
        group = self.plot_w / len(weeks)
        every = max(1, math.ceil(64 / group))  # a label is about 60 px wide
        out = []
        for n, week in enumerate(weeks):
            if n % every:
                continue
            x = round(LEFT + group * (n + 0.5), 1)
            out.append(f'<text x="{x}" y="{bottom + 18}" text-anchor="middle">'
                       f'{text(week)}</text>')
        return out

    def _empty(self) -> list[str]:
        return [f'<text x="{WIDTH / 2}" y="{TOP + PLOT_HEIGHT / 2}" text-anchor="middle" '
                f'fill="#555555">{text(self.labels.empty)}</text>']

    def _bars(self) -> list[str]:
        data = self.data
        if not data.weeks:
            return []
        group = self.plot_w / len(data.weeks)
        width = group * 0.8 / len(data.seals)
        out = ['<g class="bars" stroke="#333333" stroke-width="0.5">']
        for w, week in enumerate(data.weeks):
            for s, seal in enumerate(data.seals):
                count = data.counts.get((seal, week), 0)
                if not count:
                    continue
                x = LEFT + group * (w + 0.1) + width * s
                y = self._y(count)
                name = self.labels.bar.format(name=seal, week=week, count=count)
                out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                           f'height="{TOP + PLOT_HEIGHT - y:.1f}" fill="{PALETTE[s]}">'
                           f'<title>{text(name)}</title></rect>')
        out.append("</g>")
        return out

    def _legend_rows(self) -> list[list[tuple[int, str, float]]]:
        """Rows of (series index, name, x) that fit the width."""
        rows: list[list[tuple[int, str, float]]] = [[]]
        x = float(LEFT)
        for n, seal in enumerate(self.data.seals):
            width = 18 + text_width(seal, 12) + 16
            if rows[-1] and x + width > WIDTH - RIGHT:
                rows.append([])
                x = float(LEFT)
            rows[-1].append((n, seal, x))
            x += width
        return rows if rows[0] else []

    def _legend(self) -> list[str]:
        out = ['<g class="legend">']
        for r, row in enumerate(self.legend):
            y = TOP + PLOT_HEIGHT + 56 + 22 * r
            for n, seal, x in row:
                out.append(f'<rect x="{x:.1f}" y="{y}" width="12" height="12" '
                           f'fill="{PALETTE[n]}" stroke="#333333" stroke-width="0.5"/>'
                           f'<text x="{x + 18:.1f}" y="{y + 11}">{text(seal)}</text>')
        out.append("</g>")
        return out
