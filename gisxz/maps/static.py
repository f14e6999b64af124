"""Print-quality static figures (matplotlib) for planning documents, drawn from recipes.

A thin facade kept for the callers of ``gisxz.maps.static``; the work is done in

- :mod:`gisxz.maps.figure`: composition (:func:`draw_figure`, :func:`render_figure`);
- :mod:`gisxz.maps.layout`: page, map frame fitted to the extent, free spots for furniture;
- :mod:`gisxz.maps.furniture`: north arrow, scale bar, legend, inset, title block;
- :mod:`gisxz.maps.labels`: collision-free label placement with priorities and leaders;
- :mod:`gisxz.maps.fonts`: Noto Sans SC, glyph checks, editable text in SVG and PDF.
"""

from __future__ import annotations

from gisxz.maps.figure import FigureInfo, draw_figure, render_figure
from gisxz.maps.fonts import check_glyphs, cjk_font_path
from gisxz.maps.labels import place_labels

__all__ = ["render_figure", "draw_figure", "cjk_font_path", "check_glyphs", "FigureInfo",
           "place_labels"]
