"""Render a :class:`~gisxz.report.content.Report` as Word (python-docx) and as HTML.

Word: A4, Chinese text in ``Noto Sans CJK SC`` (east-Asian font of every run, so Word and
LibreOffice pick a CJK font), tables in 7.5 pt with a repeated header row, figures 16 cm wide
with their caption and note. HTML: one self-contained page (figures inlined as PNG data).
"""

from __future__ import annotations

import base64
import html
import logging
from pathlib import Path

from gisxz.report.content import Figure, Report, Table

log = logging.getLogger(__name__)

__all__ = ["write_docx", "write_html", "CJK_FONT"]

#: East-Asian font named in the Word document.
CJK_FONT = "Noto Sans CJK SC"
_LATIN_FONT = "Noto Sans"


def _font(run, size: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = _LATIN_FONT
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), CJK_FONT)
    if size:
        run.font.size = Pt(size)
    run.bold = bold or None


def _para(doc, text: str, *, size: float = 10.5, bold: bool = False, style: str | None = None):
    p = doc.add_paragraph(style=style)
    _font(p.add_run(text), size, bold)
    return p


def _docx_table(doc, tab: Table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    _para(doc, tab.caption, size=10, bold=True)
    df = tab.frame
    t = doc.add_table(rows=1, cols=len(df.columns))
    t.style = "Table Grid"
    widths = _widths(doc, tab)
    hdr = t.rows[0]
    trpr = hdr._tr.get_or_add_trPr()
    rep = OxmlElement("w:tblHeader")
    rep.set(qn("w:val"), "true")
    trpr.append(rep)
    for cell, name in zip(hdr.cells, df.columns, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(str(name)), 7.5, True)
    for row in df.itertuples(index=False):
        cells = t.add_row().cells
        for cell, val in zip(cells, row, strict=True):
            _font(cell.paragraphs[0].add_run("" if val is None else str(val)), 7.5)
    if widths:
        t.autofit = False
        for col, w in zip(t.columns, widths, strict=True):
            col.width = w
        for row in t.rows:
            for cell, w in zip(row.cells, widths, strict=True):
                cell.width = w
    if tab.note:
        _para(doc, tab.note, size=8)


def _usable_cm(doc) -> float:
    sec = doc.sections[-1]
    return (sec.page_width - sec.left_margin - sec.right_margin) / 360000.0


def _widths(doc, tab: Table) -> list | None:
    from docx.shared import Cm

    if not tab.widths or len(tab.widths) != len(tab.frame.columns):
        return None
    total = sum(tab.widths)
    return [Cm(_usable_cm(doc) * w / total) for w in tab.widths]


def _orient(doc, landscape: bool) -> None:
    """Start a new page section when the orientation changes."""
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm

    sec = doc.sections[-1]
    is_land = sec.orientation == WD_ORIENT.LANDSCAPE
    if is_land == landscape:
        return
    new = doc.add_section(WD_SECTION.NEW_PAGE)
    new.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long, short = Cm(29.7), Cm(21.0)
    new.page_width, new.page_height = (long, short) if landscape else (short, long)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(new, side, Cm(1.6))


def _docx_figure(doc, fig: Figure) -> None:
    from docx.shared import Cm

    if not Path(fig.path).exists():
        log.warning("figure %s is missing; left out of the report", fig.path)
        return
    doc.add_picture(str(fig.path), width=Cm(min(_usable_cm(doc), 19.0)))
    _para(doc, fig.caption, size=10, bold=True)
    if fig.note:
        _para(doc, fig.note, size=8)


def write_docx(report: Report, path: str | Path) -> Path:
    """Write ``report`` as a Word document to ``path`` (no overwrite check here)."""
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(2.0))
    _para(doc, report.title, size=20, bold=True)
    _para(doc, report.subtitle, size=11)
    for line in report.meta:
        _para(doc, line, size=9)
    for section in report.sections:
        _orient(doc, section.landscape)
        _para(doc, section.title, size=14, bold=True)
        for block in section.blocks:
            if isinstance(block, str):
                _para(doc, block)
            elif isinstance(block, list):
                for item in block:
                    _para(doc, item, style="List Bullet")
            elif isinstance(block, Table):
                _docx_table(doc, block)
            elif isinstance(block, Figure):
                _docx_figure(doc, block)
    doc.save(str(path))
    return Path(path)


_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei",sans-serif;
max-width:1100px;margin:2em auto;color:#222;line-height:1.55;padding:0 1em}
h1{font-size:1.8em;margin-bottom:.2em}h2{border-bottom:2px solid #b2182b;padding-bottom:.2em;
margin-top:1.6em}.sub{color:#555}.meta{color:#666;font-size:.85em}
table{border-collapse:collapse;font-size:.8em;margin:.5em 0}
th,td{border:1px solid #bbb;padding:2px 5px;vertical-align:top}th{background:#f0f0f0}
.cap{font-weight:bold;margin-top:1em}.note{font-size:.8em;color:#555}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}
"""


def _html_block(block) -> str:
    if isinstance(block, str):
        return f"<p>{html.escape(block)}</p>"
    if isinstance(block, list):
        return "<ul>" + "".join(f"<li>{html.escape(b)}</li>" for b in block) + "</ul>"
    if isinstance(block, Table):
        return (f"<p class='cap'>{html.escape(block.caption)}</p>"
                + block.frame.to_html(index=False, escape=True, border=0)
                + f"<p class='note'>{html.escape(block.note)}</p>")
    if isinstance(block, Figure) and Path(block.path).exists():
        data = base64.b64encode(Path(block.path).read_bytes()).decode("ascii")
        return (f"<figure><img alt='{html.escape(block.caption)}' "
                f"src='data:image/png;base64,{data}'><figcaption><b>"
                f"{html.escape(block.caption)}</b><br><span class='note'>"
                f"{html.escape(block.note)}</span></figcaption></figure>")
    return ""


def write_html(report: Report, path: str | Path) -> Path:
    """Write ``report`` as one self-contained HTML page."""
    parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
             f"<title>{html.escape(report.title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(report.title)}</h1><p class='sub'>"
             f"{html.escape(report.subtitle)}</p>"]
    parts += [f"<p class='meta'>{html.escape(m)}</p>" for m in report.meta]
    for section in report.sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        parts += [_html_block(b) for b in section.blocks]
    parts.append("</body></html>")
    Path(path).write_text("\n".join(parts), encoding="utf-8")
    return Path(path)
