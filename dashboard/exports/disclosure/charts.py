"""Static charts of the disclosure as SVG (matplotlib), embedded inline in the HTML pages and the
PDF so both work without a server or a script. Text is drawn as glyph outlines from Noto Sans
CJK, so a reader's machine needs no Chinese font and the PDF cannot show tofu."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402

from dashboard.exports.disclosure.publication import Chart  # noqa: E402

FONT = "Noto Sans CJK SC"
SHORT_LABEL = 4
COLORS = ("#1f5fa8", "#d9822b", "#3a8f5c", "#8e44ad")
plt.rcParams.update({
    "font.family": [FONT, "sans-serif"],
    "font.size": 9,
    "axes.unicode_minus": False,
    "svg.fonttype": "path",
    "svg.hashsalt": "yibao-mart",      # stable ids: the same chart gives the same file
    "axes.spines.top": False,
    "axes.spines.right": False,
})


def svg(chart: Chart, width: float = 6.4, height: float = 2.6) -> str:
    """The chart as an inline <svg> element (no XML prologue)."""
    fig, ax = plt.subplots(figsize=(width, height))
    try:
        positions = range(len(chart.x))
        if chart.kind == "bar":
            n = len(chart.series)
            step = 0.8 / n
            for i, (name, values) in enumerate(chart.series.items()):
                offsets = [p - 0.4 + step * (i + 0.5) for p in positions]
                ax.bar(offsets, [v if v is not None else 0 for v in values], width=step,
                       label=name, color=COLORS[i % len(COLORS)])
        else:
            for i, (name, values) in enumerate(chart.series.items()):
                ax.plot(list(positions), [float("nan") if v is None else v for v in values], marker="o",
                        markersize=3, label=name, color=COLORS[i % len(COLORS)])
        ax.set_xticks(list(positions), chart.x, rotation=30 if len(chart.x) > 6 else 0, ha="right"
                      if len(chart.x) > 6 else "center")
        ax.set_ylabel(chart.unit)
        ax.set_title(chart.title, loc="left", fontsize=10)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        if len(chart.series) > 1:
            ax.legend(frameon=False, fontsize=8, ncols=len(chart.series), loc="lower right", bbox_to_anchor=(1, 1))
        buffer = io.StringIO()
        # Short tick labels (months) fit fixed margins; long ones (fund names) need the tight box,
        # which draws the figure twice — the institution charts, hundreds per export, stay cheap.
        short = max(map(len, chart.x), default=0) <= SHORT_LABEL
        if short:
            fig.subplots_adjust(left=0.1, right=0.98, bottom=0.14, top=0.86)
        fig.savefig(buffer, format="svg", bbox_inches=None if short else "tight", metadata={"Date": None})
    finally:
        plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]
