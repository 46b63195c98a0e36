"""HTML pieces of the report: number formatting, tables, embedded figures, data files.

A :class:`Page` collects the HTML of each section and the data files written beside the
report (one CSV or JSON per section, linked from the section). Tables and figures carry a
``data-table`` / ``data-figure`` attribute naming them, so a test can find each one in the
rendered page without any visible marker.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from dataclasses import dataclass, field

__all__ = ["Page", "Column", "fmt", "esc", "FIGURE_WIDTH_IN", "FIGURE_DPI", "MIN_FONT_PT"]

#: Printed size of every figure: width and height [in]; the page shows them at this size
#: (CSS inches), so a point in the figure is a point on the page.
FIGURE_WIDTH_IN, FIGURE_HEIGHT_IN = 6.4, 3.9
#: Resolution of the embedded PNGs [dots per inch] (print quality; 1280 x 780 px per figure).
FIGURE_DPI = 200
#: Smallest font in a figure [pt]: anything drawn smaller is raised to it.
MIN_FONT_PT = 9.0


def esc(text) -> str:
    """HTML-escaped text."""
    return html.escape(str(text))


def fmt(value, digits: int = 4) -> str:
    """A value as short readable text: 4 significant digits, None/NaN as an em dash."""
    if value is None:
        return "\u2014"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "\u2014"
        if 1e4 <= abs(value) < 1e7:  # 15208, not 1.521e+04
            return f"{value:.0f}"
        return f"{value:.{digits}g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt(v, digits) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {fmt(v, digits)}" for k, v in value.items())
    try:  # numpy scalars
        return fmt(value.item(), digits)
    except AttributeError:
        return str(value)


@dataclass(frozen=True)
class Column:
    """One column of a table: record key, header text, scale applied to numbers, format digits."""

    key: str
    header: str
    scale: float = 1.0
    digits: int = 4

    def text(self, record) -> str:
        value = record.get(self.key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and self.scale != 1.0:
            value = float(value) * self.scale
        return fmt(value, self.digits)


@dataclass
class Page:
    """The sections' HTML and the data files beside the report (``{name: text}``)."""

    prefix: str = "report"
    parts: list = field(default_factory=list)
    files: dict = field(default_factory=dict)

    def add(self, *chunks: str) -> None:
        """Append raw HTML."""
        self.parts.extend(chunks)

    def heading(self, text: str, level: int = 2) -> None:
        self.parts.append(f"<h{level}>{esc(text)}</h{level}>")

    def note(self, text: str) -> None:
        self.parts.append(f"<p class=note>{esc(text)}</p>")

    def warning(self, text: str) -> None:
        self.parts.append(f"<p class=warn>&#9888; {esc(text)}</p>")

    def data_file(self, suffix: str, records: list, what: str) -> None:
        """Keep ``records`` as ``<prefix>_<suffix>`` (.csv or .json) and link it."""
        name = f"{self.prefix}_{suffix}"
        if name.endswith(".json"):
            text = json.dumps(_strict(records), indent=1, default=_plain, allow_nan=False) + "\n"
        else:
            import pandas as pd

            frame = pd.DataFrame([{k: _csv_value(v) for k, v in r.items()} for r in records])
            text = frame.to_csv(index=False)
        self.files[name] = text
        self.parts.append(f'<p class=note>Data: <a href="{esc(name)}" data-file="{esc(suffix)}">{esc(name)}</a> '
                          f"({esc(what)})</p>")

    def key_values(self, mapping: dict, name: str) -> None:
        """A two-column table of ``mapping`` (names as written, values formatted)."""
        rows = "".join(f"<tr><th class=k>{esc(k)}</th><td>{esc(fmt(v))}</td></tr>" for k, v in mapping.items())
        self.parts.append(f'<table class=kv data-table="{esc(name)}">{rows}</table>')

    def table(self, columns: list, records: list, name: str, *, max_rows: int = 60, row_class=None) -> None:
        """A table of ``records`` (dicts) in ``columns``; at most ``max_rows`` rows shown."""
        if not records:
            self.note("(no rows)")
            return
        head = "".join(f"<th>{esc(c.header)}</th>" for c in columns)
        body = []
        for record in records[:max_rows]:
            cls = row_class(record) if row_class else ""
            cells = "".join(f"<td>{esc(c.text(record))}</td>" for c in columns)
            body.append(f"<tr{f' class={cls}' if cls else ''}>{cells}</tr>")
        self.parts.append(f'<table data-table="{esc(name)}"><thead><tr>{head}</tr></thead>'
                          f"<tbody>{''.join(body)}</tbody></table>")
        if len(records) > max_rows:
            self.note(f"{len(records) - max_rows} more rows in the data file")

    def figure(self, ax, name: str, caption: str) -> None:
        """Embed the figure of ``ax`` (see :func:`png_base64`), shown at its printed width."""
        self.parts.append(
            f'<figure data-figure="{esc(name)}"><img alt="{esc(caption)}" '
            f'style="width:{FIGURE_WIDTH_IN}in" src="data:image/png;base64,{png_base64(ax)}">'
            f"<figcaption class=note>{esc(caption)}</figcaption></figure>"
        )


def png_base64(ax) -> str:
    """The figure of ``ax`` at its printed size, fonts at least :data:`MIN_FONT_PT`, as base64 PNG."""
    from matplotlib.text import Text

    figure = ax.figure
    figure.set_size_inches(FIGURE_WIDTH_IN, FIGURE_HEIGHT_IN)
    for text in figure.findobj(Text):
        if text.get_fontsize() < MIN_FONT_PT:
            text.set_fontsize(MIN_FONT_PT)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=FIGURE_DPI)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _strict(value):
    """``value`` with every non-finite float replaced by None (strict JSON)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    return value


def _plain(value):
    try:
        return value.item()
    except AttributeError:
        return str(value)


def _csv_value(value):
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=_plain)
    return value
