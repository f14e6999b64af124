"""Fonts of the printed figures: Noto Sans SC (from ``zhplot``), glyph checks, editable text.

Chinese text uses Noto Sans SC, the font shipped inside the ``zhplot`` package, registered
explicitly with matplotlib. Every text is checked against the fonts before drawing, so no
figure leaves with empty boxes. :func:`figure_rc` keeps text editable: SVG gets real
``<text>`` elements (``svg.fonttype: none``) and PDF embeds TrueType/CID fonts
(``pdf.fonttype: 42``), never Type 3.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gisxz.exceptions import MissingDataError, MissingGlyphError

__all__ = ["cjk_font_path", "register_font", "check_glyphs", "figure_rc", "FALLBACK_FONT"]

#: Latin fallback (ships with matplotlib) for characters Noto Sans SC lacks.
FALLBACK_FONT = "DejaVu Sans"
_CACHE: dict[str, Any] = {}


def cjk_font_path() -> Path:
    """Path of Noto Sans SC inside the installed ``zhplot`` package (not imported).

    Examples
    --------
    >>> cjk_font_path().name
    'NotoSansSC-Regular.ttf'
    """
    spec = importlib.util.find_spec("zhplot")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDataError("the CJK font package 'zhplot' is not installed. Install it "
                               "with: pip install zhplot==1.0.0")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "NotoSansSC-Regular.ttf"
    if not path.exists():
        raise MissingDataError(f"{path} not found; reinstall zhplot (pip install --force-"
                               "reinstall zhplot==1.0.0)")
    return path


def register_font() -> str:
    """Register Noto Sans SC with matplotlib once; return its family name.

    Examples
    --------
    >>> register_font()
    'Noto Sans SC'
    """
    if "family" in _CACHE:
        return _CACHE["family"]
    from matplotlib import font_manager

    path = cjk_font_path()
    if not any(Path(f.fname) == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    _CACHE["family"] = family
    return family


def _charmaps() -> list[set[int]]:
    if "cmaps" not in _CACHE:
        import matplotlib
        from matplotlib import ft2font

        dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        _CACHE["cmaps"] = [set(ft2font.FT2Font(str(p)).get_charmap())
                           for p in (cjk_font_path(), dejavu)]
    return _CACHE["cmaps"]


def check_glyphs(texts: Iterable[str], *, what: str = "text") -> None:
    """Raise :class:`MissingGlyphError` if a character of ``texts`` is in no font used.

    Examples
    --------
    >>> check_glyphs(["拉萨 Lhasa", "日喀则 Xigazê"])
    """
    cmaps = _charmaps()
    for text in texts:
        missing = sorted({c for c in str(text) if not c.isspace()
                          and not any(ord(c) in cm for cm in cmaps)})
        if missing:
            names = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing)
            raise MissingGlyphError(
                f"{what} {str(text)!r} has characters the map fonts cannot draw: {names}. "
                "Replace them (e.g. use Chinese or pinyin instead of Tibetan script) or "
                "change the label field.")


def figure_rc(family: str, dpi: int) -> dict[str, Any]:
    """matplotlib rcParams of a figure: fonts, and text kept editable in SVG and PDF.

    Examples
    --------
    >>> rc = figure_rc("Noto Sans SC", 300)
    >>> rc["svg.fonttype"], rc["pdf.fonttype"]
    ('none', 42)
    """
    return {"font.family": [family, FALLBACK_FONT], "axes.unicode_minus": False,
            "pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none",
            "mathtext.fontset": "dejavusans", "text.usetex": False,
            "savefig.dpi": dpi}
