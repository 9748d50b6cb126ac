"""One self-contained HTML report: text, tables, code blocks and figures, all in one file.

Figures are embedded as base64 PNG (or inline SVG), so a learner opens ``report.html`` anywhere,
offline, and sees everything; nothing is fetched. Build it from sections::

    rep = Report("Universal approximation")
    sec = rep.section("Error against N")
    sec.text("The error falls as the hidden layer grows.")
    sec.table(["N", "sup error"], [[1, 0.9], [2, 0.4]])
    sec.figure(fig, "sup error against N")      # a matplotlib Figure, PNG bytes or SVG text
    rep.write("out/report.html")
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from chainrule.errors import ConfigError
from chainrule.io.atomic import atomic_write

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; color: #1d232a; line-height: 1.45; }
h1 { border-bottom: 2px solid #2b6cb0; padding-bottom: .2em; }
h2 { margin-top: 2em; color: #2b6cb0; }
pre { background: #f4f6f8; padding: .8em; overflow-x: auto; border-radius: 4px; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #cbd2d9; padding: .25em .7em; text-align: left;
         vertical-align: top; }
table.num td { text-align: right; }
th { background: #edf2f7; }
figure { margin: 1.2em 0; }
figure img, figure svg { max-width: 100%; height: auto; border: 1px solid #e2e8f0; }
figcaption { color: #52606d; font-size: .92em; }
.answer { font-weight: bold; }
"""


# No time stamps or version strings: the same figure gives the same bytes.
_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}


class Section:
    """A heading and its blocks, in order."""

    def __init__(self, title: str):
        self.title = title
        self.blocks: list[str] = []

    def text(self, paragraph: str) -> Section:
        self.blocks.append(f"<p>{html.escape(paragraph)}</p>")
        return self

    def code(self, text: str) -> Section:
        self.blocks.append(f"<pre>{html.escape(text)}</pre>")
        return self

    def html(self, fragment: str) -> Section:
        """A trusted HTML fragment made by chainrule itself (e.g. a chain-rule trace table)."""
        self.blocks.append(fragment)
        return self

    def table(self, header, rows, digits: int = 4) -> Section:
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(v, digits))}</td>" for v in row) + "</tr>"
            for row in rows
        )
        self.blocks.append(f'<table class="num"><thead><tr>{head}</tr></thead>'
                           f"<tbody>{body}</tbody></table>")
        return self

    def figure(self, fig, caption: str = "", fmt: str = "png") -> Section:
        """Embed ``fig``: a matplotlib Figure, PNG bytes, or SVG text."""
        self.blocks.append(_figure_html(fig, caption, fmt))
        return self

    def render(self) -> str:
        return f"<section><h2>{html.escape(self.title)}</h2>\n" + "\n".join(self.blocks) + \
            "</section>"


class Report:
    """A titled list of sections, rendered to one HTML page."""

    def __init__(self, title: str, intro: str = ""):
        self.title = title
        self.intro = intro
        self.sections: list[Section] = []

    def section(self, title: str) -> Section:
        sec = Section(title)
        self.sections.append(sec)
        return sec

    def to_html(self) -> str:
        intro = f"<p>{html.escape(self.intro)}</p>" if self.intro else ""
        body = "\n".join(s.render() for s in self.sections)
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style></head>"
            f"<body><h1>{html.escape(self.title)}</h1>{intro}\n{body}\n</body></html>\n"
        )

    def write(self, path) -> Path:
        """Write the page atomically and return its path."""
        path = Path(path)
        atomic_write(path, self.to_html(), parents=True)
        return path


def _cell(value, digits: int) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _figure_html(fig, caption: str, fmt: str) -> str:
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    if isinstance(fig, bytes):
        data, fmt = fig, "png"
    elif isinstance(fig, str):
        data, fmt = fig, "svg"
    elif hasattr(fig, "savefig"):
        if fmt not in ("png", "svg"):
            raise ConfigError(f"figure format must be 'png' or 'svg', found {fmt!r}")
        import matplotlib

        buf = io.BytesIO()
        with matplotlib.rc_context({"svg.hashsalt": "chainrule"}):  # reproducible SVG ids
            fig.savefig(buf, format=fmt, metadata=_METADATA[fmt])
        data = buf.getvalue() if fmt == "png" else buf.getvalue().decode("utf-8")
    else:
        raise ConfigError(f"a report figure must be a matplotlib Figure, PNG bytes or SVG text, "
                          f"found {type(fig).__name__}")
    if fmt == "png":
        b64 = base64.b64encode(data).decode("ascii")
        alt = html.escape(caption or "figure", quote=True)
        return f'<figure><img src="data:image/png;base64,{b64}" alt="{alt}">{cap}</figure>'
    # Inline SVG: drop the XML prolog and DOCTYPE, which are not allowed inside HTML.
    start = data.find("<svg")
    return f"<figure>{data[start:] if start >= 0 else data}{cap}</figure>"


