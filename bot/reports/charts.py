"""Bar charts as inline SVG, drawn on the server: no script, no third-party request.

A chart is a picture of a table (summary.Table) that the page shows beside it, so the SVG is
one image with a text alternative (role="img", aria-labelledby the figure's caption); screen
readers and copy-paste use the table. Colours meet WCAG 2.1 contrast (3:1 for graphics) on white.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

BAR_COLOURS = ("#1f5fa8", "#b34700", "#2e7d32", "#6a1b9a", "#8a1c1c")  # >= 4.5:1 on white
WIDTH, LABEL_WIDTH, ROW, PADDING = 640, 230, 26, 8


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".") if float(value).is_integer() else f"{value:,.1f}".translate(
        str.maketrans(",.", ".,"))


def horizontal_bars(labels: list[str], values: list[float], caption_id: str, unit: str = "") -> Markup:
    """One bar per label, the value written at the bar's end."""
    top = max(values, default=0) or 1
    height = PADDING * 2 + ROW * max(len(labels), 1)
    room = WIDTH - LABEL_WIDTH - 70
    parts = [f'<svg class="chart" role="img" aria-labelledby="{caption_id}" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" preserveAspectRatio="xMinYMin meet" focusable="false">']
    for i, (label, value) in enumerate(zip(labels, values)):
        y = PADDING + i * ROW
        width = room * value / top
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 17}" text-anchor="end">{escape(short)}</text>'
                     f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{width:.1f}" height="{ROW - 8}" '
                     f'fill="{BAR_COLOURS[0]}"/>'
                     f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 17}">{_number(value)}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(labels: list[str], series: dict[str, list[int]], caption_id: str) -> Markup:
    """Stacked columns over time (days or weeks), with a legend; every label is in the table."""
    n = max(len(labels), 1)
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    legend_height = 22 * ((len(series) + 1) // 2)  # two legend entries per line: the labels are long
    plot_height, left, bottom = 180, 44, 22
    height = plot_height + bottom + legend_height + PADDING * 2
    step = (WIDTH - left - PADDING) / n
    bar = max(step * 0.7, 1.0)
    parts = [f'<svg class="chart" role="img" aria-labelledby="{caption_id}" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" preserveAspectRatio="xMinYMin meet" focusable="false">',
             f'<line x1="{left}" y1="{PADDING + plot_height}" x2="{WIDTH - PADDING}" y2="{PADDING + plot_height}" '
             f'stroke="#555"/>',
             f'<text x="{left - 6}" y="{PADDING + 12}" text-anchor="end">{_number(top)}</text>',
             f'<text x="{left - 6}" y="{PADDING + plot_height}" text-anchor="end">0</text>']
    for i in range(len(labels)):
        x, base = left + i * step + (step - bar) / 2, PADDING + plot_height
        for colour, values in zip(BAR_COLOURS, series.values()):
            h = plot_height * values[i] / top
            if h > 0:
                base -= h
                parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}"/>')
    every = max(1, n // 8)  # at most about eight axis labels
    for i in range(0, len(labels), every):
        x = left + i * step + step / 2
        parts.append(f'<text x="{x:.1f}" y="{PADDING + plot_height + 16}" text-anchor="middle" '
                     f'class="axis">{escape(labels[i][:10])}</text>')
    for j, (name, colour) in enumerate(zip(series, BAR_COLOURS)):
        x, y = left + (j % 2) * 290, PADDING + plot_height + bottom + 8 + 22 * (j // 2)
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 18}" y="{y + 11}">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
