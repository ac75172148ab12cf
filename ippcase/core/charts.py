"""Server-rendered, accessible SVG bar charts for reports and dashboards.

:func:`bar_chart` lays out horizontal bars (category labels on the left, values at the bar ends)
and renders ``templates/includes/bar_chart.html``: an ``<svg role="img">`` named by its
``<title>`` and ``<desc>`` through ``aria-labelledby``. No script, no canvas; every bar carries its
number as text so the chart reads in print and in greyscale. Pages must still show the same
figures in a table: the chart is a picture of the table, not a replacement for it.

One series draws simple bars; several series draw grouped bars (one bar per series in each
category) or, with ``stacked=True``, one stacked bar per category, with a key above the chart.
All text goes through the template's autoescaping.

Readable without colour (WCAG 1.4.1): with several series, each series also has its own fill
pattern (``PATTERNS``: SVG ``<pattern>`` hatching drawn over the colour), used on its bars and on
its swatch in the key. Text contrast (WCAG 1.4.3): a number written inside a bar is black or white,
whichever contrasts more with the bar's colour (:func:`text_colour_on`, at least 4.5:1 for every
colour of ``PALETTE``), with a halo of the bar's colour so the hatching never runs behind it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

# GOV.UK Design System colours that keep 3:1 contrast against white (WCAG non-text contrast).
PALETTE = ("#1d70b8", "#f47738", "#00703c", "#d4351c", "#4c2c92", "#28a197", "#912b88")
TEXT_COLOUR = "#0b0c0c"
WHITE = "#ffffff"
# One pattern a series (the first is plain colour): drawn over the series' colour in its bars and
# its key swatch, so series are told apart without colour. Each is an SVG path in an 8x8 tile.
PATTERNS = (
    ("solid", ""),
    ("diagonal", "M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4"),
    ("dots", "M2,2 h1.5 v1.5 h-1.5 z M6,6 h1.5 v1.5 h-1.5 z"),
    ("horizontal", "M0,4 h8"),
    ("crosshatch", "M0,0 l8,8 M8,0 l-8,8"),
    ("vertical", "M4,0 v8"),
    ("back-diagonal", "M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4"),
)
GRID_COLOUR = "#b1b4b6"

WIDTH = 640
LABEL_WIDTH = 190  # the left column for category labels
VALUE_ROOM = 56  # right of the longest bar, for its value
BAR = 22
BAR_GAP = 3  # between the bars of one group
GROUP_GAP = 14  # between categories
LINE = 16  # line height of wrapped text
KEY_ROW = 24
AXIS_ROOM = 28
LABEL_CHARS = 26  # wrap category labels at about this many characters


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    fill: str = TEXT_COLOUR
    bold: bool = False
    halo: str = ""  # the colour of the bar behind the text, drawn round the letters


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    label: str  # what the bar is, for the SVG <title> tooltip
    style: SeriesStyle | None = None  # its series (several series only): the pattern over it


@dataclass(frozen=True)
class KeyItem:
    x: float
    y: float
    fill: str
    label: str
    style: SeriesStyle | None = None

    @property
    def text_x(self) -> float:
        return self.x + 22

    @property
    def text_y(self) -> float:
        return self.y + 13


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass
class BarChartGeometry:
    chart_id: str
    title: str
    description: str
    width: int
    height: int
    plot_left: float
    plot_top: float
    plot_bottom: float
    bars: list[Bar] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    key: list[KeyItem] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    styles: list[SeriesStyle] = field(default_factory=list)  # several series only

    @property
    def patterns(self) -> list[SeriesStyle]:
        """The series styles that draw a pattern (``<defs>``)."""
        return [s for s in self.styles if s.path]

    @property
    def axis_label_y(self) -> float:
        return self.plot_bottom + 18

    @property
    def title_id(self) -> str:
        return f"{self.chart_id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.chart_id}-desc"


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour (0 black to 1 white)."""
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    channels = []
    for i in (0, 2, 4):
        c = int(value[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_colour_on(fill: str) -> str:
    """Black (GOV.UK text colour) or white, whichever contrasts more with ``fill``."""
    if contrast_ratio(TEXT_COLOUR, fill) >= contrast_ratio(WHITE, fill):
        return TEXT_COLOUR
    return WHITE


@dataclass(frozen=True)
class SeriesStyle:
    """How one series is drawn: its colour, its pattern (name, id in the SVG, path) and the ink
    of the pattern's lines (black or white, by contrast with the colour)."""

    index: int
    fill: str
    pattern: str
    pattern_id: str
    path: str

    @property
    def ink(self) -> str:
        return text_colour_on(self.fill)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least ``value``
    (1 for 0 or less), so the axis ends on a round number."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-9:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def format_number(value: float) -> str:
    """``12`` for whole numbers, ``12.5`` or ``0.25`` otherwise."""
    return str(int(value)) if value == int(value) else f"{value:.6g}"


def layout_bar_chart(
    categories: Sequence[tuple[str, Sequence[float | None]]],
    *,
    series: Sequence[str],
    title: str,
    description: str,
    chart_id: str,
    stacked: bool = False,
    unit: str = "",
) -> BarChartGeometry:
    """The geometry of a horizontal bar chart.

    ``categories`` are ``(label, values)`` pairs, one value per entry of ``series`` (None: no
    data, drawn as "no data" rather than as a zero). ``unit`` follows each value ("12 days").
    """
    n_series = len(series)
    if n_series == 0:
        raise ValueError("a bar chart needs at least one series")
    for label, values in categories:
        if len(values) != n_series:
            raise ValueError(f"category {label!r} has {len(values)} values for {n_series} series")
    colours = [PALETTE[i % len(PALETTE)] for i in range(n_series)]
    show_key = n_series > 1
    styles = [
        SeriesStyle(
            index=i,
            fill=colours[i],
            pattern=PATTERNS[i % len(PATTERNS)][0],
            pattern_id=f"{chart_id}-pattern-{i}",
            path=PATTERNS[i % len(PATTERNS)][1],
        )
        for i in range(n_series)
    ]
    if n_series > len(PATTERNS) * len(PALETTE):  # pragma: no cover - no chart has so many
        raise ValueError("too many series to tell apart")
    style_of: list[SeriesStyle | None] = list(styles) if show_key else [None] * n_series
    suffix = f" {unit}" if unit else ""

    # The key: swatches laid left to right, wrapping onto new rows.
    key: list[KeyItem] = []
    x, row = 0.0, 0
    for i, name in enumerate(series if show_key else ()):
        item_width = 28 + 7.5 * len(name)
        if x and x + item_width > WIDTH:
            x, row = 0.0, row + 1
        key.append(KeyItem(x=x, y=row * KEY_ROW + 4, fill=colours[i], label=name, style=styles[i]))
        x += item_width + 16
    key_height = (row + 1) * KEY_ROW + 8 if key else 0

    if stacked:
        largest = max((sum(v or 0 for v in values) for _, values in categories), default=0)
    else:
        largest = max((v or 0 for _, values in categories for v in values), default=0)
    # About five ticks on round steps; whole steps when every value is whole (counts).
    whole = all(float(v).is_integer() for _, values in categories for v in values if v is not None)
    step = nice_ceiling(float(largest) / 5) if largest > 0 else 1.0
    if whole:
        step = max(step, 1.0)
    top = max(math.ceil(float(largest) / step - 1e-9), 1) * step
    plot_left = float(LABEL_WIDTH)
    plot_width = WIDTH - LABEL_WIDTH - VALUE_ROOM

    def scaled(value: float) -> float:
        return plot_width * value / top

    bars: list[Bar] = []
    texts: list[Text] = []
    y = float(key_height)
    plot_top = y
    bars_per_group = 1 if stacked else n_series
    for label, values in categories:
        lines = textwrap.wrap(label, LABEL_CHARS) or [""]
        bars_height = bars_per_group * BAR + (bars_per_group - 1) * BAR_GAP
        group_height = max(bars_height, len(lines) * LINE)
        label_y = y + (group_height - len(lines) * LINE) / 2 + LINE - 4
        for n, line in enumerate(lines):
            texts.append(Text(x=plot_left - 8, y=label_y + n * LINE, text=line, anchor="end"))
        bar_y = y + (group_height - bars_height) / 2
        if stacked:
            x = plot_left
            for i, value in enumerate(values):
                if not value:
                    continue
                width = scaled(value)
                bars.append(
                    Bar(
                        x,
                        bar_y,
                        width,
                        BAR,
                        colours[i],
                        f"{label}, {series[i]}: {format_number(value)}{suffix}",
                        style_of[i],
                    )
                )
                if width >= 9 * len(format_number(value)) + 6:
                    texts.append(
                        Text(
                            x=x + width / 2,
                            y=bar_y + BAR - 6,
                            anchor="middle",
                            text=format_number(value),
                            fill=text_colour_on(colours[i]),
                            bold=True,
                            halo=colours[i],
                        )
                    )
                x += width
            known = [v for v in values if v is not None]
            total = format_number(sum(known)) + suffix if known else "no data"
            texts.append(Text(x=x + 6, y=bar_y + BAR - 6, text=total))
        else:
            for i, value in enumerate(values):
                by = bar_y + i * (BAR + BAR_GAP)
                if value is None:
                    texts.append(Text(x=plot_left + 6, y=by + BAR - 6, text="no data"))
                    continue
                width = scaled(value)
                name = f"{label}, {series[i]}" if show_key else label
                bars.append(
                    Bar(
                        plot_left,
                        by,
                        width,
                        BAR,
                        colours[i],
                        f"{name}: {format_number(value)}{suffix}",
                        style_of[i],
                    )
                )
                texts.append(
                    Text(
                        x=plot_left + width + 6, y=by + BAR - 6, text=format_number(value) + suffix
                    )
                )
        y += group_height + GROUP_GAP
    plot_bottom = y - GROUP_GAP + 6 if categories else y + 6
    ticks = [
        Tick(x=plot_left + scaled(step * k), label=format_number(round(step * k, 6)))
        for k in range(round(top / step) + 1)
    ]
    return BarChartGeometry(
        chart_id=chart_id,
        title=title,
        description=description,
        width=WIDTH,
        height=math.ceil(plot_bottom + AXIS_ROOM),
        plot_left=plot_left,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        bars=bars,
        texts=texts,
        key=key,
        ticks=ticks,
        styles=styles if show_key else [],
    )


def bar_chart(
    categories: Sequence[tuple[str, Sequence[float | None]]],
    *,
    series: Sequence[str],
    title: str,
    description: str,
    chart_id: str,
    stacked: bool = False,
    unit: str = "",
) -> SafeString:
    """The chart as an SVG element ready to put in a page; see :func:`layout_bar_chart`.
    ``chart_id`` must be unique in the page (it names the title and description)."""
    geometry = layout_bar_chart(
        categories,
        series=series,
        title=title,
        description=description,
        chart_id=chart_id,
        stacked=stacked,
        unit=unit,
    )
    # The template autoescapes every label and number, so its output is safe markup already
    # (bandit's B703 is a false positive here: docs/security.md).
    svg = render_to_string("includes/bar_chart.html", {"chart": geometry})
    return SafeString(svg)  # nosec B703
