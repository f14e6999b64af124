"""Figures of travel-time surfaces: a static PNG (matplotlib) and a web map (folium).

The static figure draws one panel per scenario in the grid's metric CRS: the surface in
hours (colour), the isochrone outlines, the boundary of Xizang and its prefectures, and the
prefecture seats labelled in Chinese with Noto Sans SC (from ``zhplot``, as in
:mod:`gisxz.maps.static`). The web map shows each surface as a semi-transparent image
overlay (reprojected to Web Mercator) with the isochrones as GeoJSON lines.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np

from gisxz.core.vocab import value_label
from gisxz.io.files import atomic_output
from gisxz.raster.grid import Grid

log = logging.getLogger(__name__)

__all__ = ["traveltime_figure", "traveltime_webmap", "CMAP_MAX_H"]

#: Hours at which the colour scale saturates.
CMAP_MAX_H: float = 24.0
_ISO_COLOURS = {1.0: "#1f4e9c", 2.0: "#2a9d3a", 3.0: "#e4002b"}


def _cmap():
    import matplotlib as mpl

    cmap = mpl.colormaps["magma_r"].resampled(256)
    return cmap.with_extremes(bad=(1, 1, 1, 0))


def _lines(ax, geoms, **style) -> None:
    """Draw line geometries as one LineCollection (geopandas' plot redraws the figure)."""
    import shapely
    from matplotlib.collections import LineCollection

    parts = shapely.get_parts(np.asarray(getattr(geoms, "geometry", geoms).values))
    segs = [shapely.get_coordinates(p) for p in parts if p is not None and not p.is_empty]
    ax.add_collection(LineCollection(segs, **style))


def _draw_panel(ax, hours: np.ndarray, grid: Grid, iso: gpd.GeoDataFrame,
                context: Mapping[str, gpd.GeoDataFrame], family: str, title: str,
                zoom: tuple[float, float, float, float] | None = None):
    xmin, ymin, xmax, ymax = grid.bounds
    im = ax.imshow(np.where(np.isfinite(hours), hours, np.nan), cmap=_cmap(), vmin=0,
                   vmax=CMAP_MAX_H, extent=(xmin, xmax, ymin, ymax), interpolation="nearest")
    if "prefectures" in context:
        _lines(ax, context["prefectures"], color="#777777", linewidth=0.4)
    if "province" in context:
        _lines(ax, context["province"], color="#222222", linewidth=0.9)
    for h, part in iso.groupby("hours"):
        _lines(ax, part.boundary, color=_ISO_COLOURS.get(float(h), "#00a0e0"), linewidth=1.1)
    seats = context.get("seats")
    if seats is not None and len(seats):
        s = seats
        ax.scatter(s.geometry.x, s.geometry.y, s=14, c="#00a0e0", edgecolors="black",
                   linewidths=0.5, zorder=5)
        for x, y, name in zip(s.geometry.x, s.geometry.y, s["name_zh"], strict=True):
            ax.annotate(name, (x, y), xytext=(4, 3), textcoords="offset points",
                        fontsize=8, family=family, zorder=6,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.7})
    ax.set_title(title, family=family, fontsize=10)
    ax.set_xlim(*(zoom[0:2] if zoom else (xmin, xmax)))
    ax.set_ylim(*(zoom[2:4] if zoom else (ymin, ymax)))
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    return im


def traveltime_figure(times: Mapping[str, np.ndarray], grid: Grid,
                      iso: gpd.GeoDataFrame, path: str | Path, *,
                      context: Mapping[str, gpd.GeoDataFrame] | None = None,
                      origin: str = "拉萨", origin_en: str = "Lhasa", zoom_km: float = 260.0,
                      overwrite: bool = False, dpi: int = 150) -> Path:
    """Draw the surfaces to a PNG: per scenario (columns) all of Xizang (top row) and a
    zoom of ``zoom_km`` around the origin (bottom row), with isochrone lines, boundaries
    and seats.

    ``context`` may hold ``province``, ``prefectures`` and ``seats`` (points with
    ``name_zh``); ``iso`` needs ``scenario`` and ``hours`` columns.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from gisxz.maps.static import _register_font, check_glyphs

    family = _register_font()
    context = {k: v.to_crs(grid.crs) for k, v in (context or {}).items()}
    for key in ("province", "prefectures"):
        if key in context:  # outlines, simplified to a fifth of a cell
            context[key] = context[key].boundary.simplify(grid.resolution / 5)
    iso = iso.to_crs(grid.crs)
    if "seats" in context:
        check_glyphs(context["seats"]["name_zh"], what="seat names")
    n = len(times)
    fig, axes = plt.subplots(2, n, figsize=(7.0 * n, 8.6), squeeze=False,
                             height_ratios=[1.0, 1.25])
    zoom = _zoom_box(context.get("seats"), origin, grid, zoom_km)
    im = None
    for j, (scen, minutes) in enumerate(times.items()):
        title = (f"{origin}出发通行时间 · travel time from {origin_en} — "
                 f"{value_label('scenario', scen)}")
        sub = iso[iso["scenario"] == scen]
        im = _draw_panel(axes[0][j], minutes / 60.0, grid, sub, context, family, title)
        _draw_panel(axes[1][j], minutes / 60.0, grid, sub, context, family,
                    f"{origin}周边 · around {origin_en} ({2 * zoom_km:g} km)", zoom=zoom)
    fig.subplots_adjust(left=0.01, right=0.9, top=0.95, bottom=0.05, wspace=0.04,
                        hspace=0.12)
    cax = fig.add_axes((0.915, 0.25, 0.015, 0.5))
    cbar = fig.colorbar(im, cax=cax, extend="max")
    cbar.set_label("小时 hours", family=family)
    handles = [Line2D([], [], color=c, lw=1.5, label=f"{h:g} 小时 h")
               for h, c in _ISO_COLOURS.items()]
    leg = axes[1][0].legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.8,
                            facecolor="#bbbbbb")
    for t in leg.get_texts():
        t.set_family(family)
    fig.text(0.01, 0.01, "Friction surface: trunk network (gisxz, schematic) + MODIS MCD12C1 "
             "2019 land cover; 1 km Albers grid. 数据: gisxz 干线网络(示意) + MODIS 土地覆盖",
             fontsize=7, family=family, color="#444444")
    with atomic_output(path, overwrite=overwrite, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=dpi)
    plt.close(fig)
    return Path(path)


def _zoom_box(seats, origin: str, grid: Grid, zoom_km: float
              ) -> tuple[float, float, float, float] | None:
    """(xmin, xmax, ymin, ymax) around the origin seat, or None when it is not given."""
    if seats is None or not len(seats):
        return None
    hit = seats[seats["name_zh"].astype(str).str.startswith(origin)]
    if not len(hit):
        return None
    p = hit.geometry.iloc[0]
    r = zoom_km * 1000.0
    return (p.x - r, p.x + r, p.y - 0.75 * r, p.y + 0.75 * r)


def _overlay_png(minutes: np.ndarray, grid: Grid, path: Path) -> list[list[float]]:
    """Write the surface as an RGBA PNG in Web Mercator; return its lat/lon bounds."""
    import matplotlib.pyplot as plt
    from rasterio.warp import Resampling, calculate_default_transform, reproject, transform_bounds

    dst_t, w, h = calculate_default_transform(grid.crs, "EPSG:3857", grid.width, grid.height,
                                              *grid.bounds)
    out = np.full((h, w), np.nan, dtype=np.float32)
    reproject(np.where(np.isfinite(minutes), minutes, np.nan).astype(np.float32), out,
              src_transform=grid.transform, src_crs=grid.crs, src_nodata=np.nan,
              dst_transform=dst_t, dst_crs="EPSG:3857", dst_nodata=np.nan,
              resampling=Resampling.nearest)
    rgba = _cmap()(np.clip(out / 60.0 / CMAP_MAX_H, 0, 1))
    rgba[..., 3] = np.where(np.isfinite(out), 0.75, 0.0)
    plt.imsave(path, rgba)
    left, top = dst_t.c, dst_t.f
    right, bottom = left + dst_t.a * w, top + dst_t.e * h
    w_, s_, e_, n_ = transform_bounds("EPSG:3857", "EPSG:4326", left, bottom, right, top)
    return [[s_, w_], [n_, e_]]


def _webmap_base(context: Mapping[str, gpd.GeoDataFrame]):
    """An offline folium map (Leaflet inlined from :mod:`gisxz.maps.web`) with the
    boundaries and prefecture seats of ``context``."""
    import folium
    from branca.element import Element

    from gisxz.maps.web import offline_assets

    fmap = folium.Map(location=[31.0, 88.5], zoom_start=5, tiles=None, control_scale=True)
    fmap.default_js, fmap.default_css = [], []
    fmap.get_root().header.add_child(Element(offline_assets()), name="gisxz_offline_assets")
    for key, colour, weight in (("prefectures", "#777777", 1), ("province", "#222222", 2)):
        if key in context:
            gdf = context[key][["geometry"]].to_crs(4326)
            gdf["geometry"] = gdf.geometry.simplify(0.005).boundary
            folium.GeoJson(gdf.to_json(), name=key, control=False,
                           style_function=lambda f, c=colour, w=weight: {"color": c,
                                                                         "weight": w}
                           ).add_to(fmap)
    seats = context.get("seats")
    if seats is not None:
        for _, row in seats.to_crs(4326).iterrows():
            folium.CircleMarker([row.geometry.y, row.geometry.x], radius=4, color="#000000",
                                weight=1, fill=True, fill_color="#00a0e0", fill_opacity=1,
                                tooltip=str(row["name_zh"])).add_to(fmap)
    return fmap


def _legend_html() -> str:
    """A fixed legend: the colour ramp in hours and the isochrone line colours."""
    import matplotlib.colors as mcolors

    cmap = _cmap()
    stops = ", ".join(f"{mcolors.to_hex(cmap(i / 6))} {100 * i / 6:.0f}%" for i in range(7))
    lines = "".join(f'<div><span style="display:inline-block;width:22px;height:3px;'
                    f'background:{c};vertical-align:middle"></span> {h:g} 小时 h</div>'
                    for h, c in _ISO_COLOURS.items())
    return (
        '<div style="position:fixed;bottom:28px;right:10px;z-index:1000;background:white;'
        'padding:6px 8px;border:1px solid #999;font:12px sans-serif;opacity:0.92">'
        '<div><b>通行时间 travel time</b></div>'
        f'<div style="width:180px;height:10px;background:linear-gradient(to right, {stops})">'
        '</div><div style="display:flex;justify-content:space-between;width:180px">'
        f'<span>0</span><span>{CMAP_MAX_H / 2:g}</span><span>≥{CMAP_MAX_H:g} h</span></div>'
        f"{lines}</div>")


def traveltime_webmap(times: Mapping[str, np.ndarray], grid: Grid, iso: gpd.GeoDataFrame,
                      path: str | Path, *, context: Mapping[str, gpd.GeoDataFrame] | None = None,
                      overwrite: bool = False, origin: str = "拉萨") -> list[Path]:
    """A self-contained web map: each surface as an image overlay plus the isochrone outlines
    (Leaflet inlined, no basemap, so it opens offline).

    Also writes ``<stem>_<scenario>.png`` (the overlay image, Web Mercator) and
    ``<stem>_<scenario>.json`` (its bounds) beside ``path`` so that other web maps can
    show the layer. Returns every file written.
    """
    import json

    import folium

    path = Path(path)
    written = []
    fmap = _webmap_base(context or {})
    first = next(iter(times))
    for scen, minutes in times.items():
        png = path.with_name(f"{path.stem}_{scen}.png")
        with atomic_output(png, overwrite=overwrite, suffix=".png") as tmp:
            bounds = _overlay_png(minutes, grid, tmp)
        meta = path.with_name(f"{path.stem}_{scen}.json")
        with atomic_output(meta, overwrite=overwrite, suffix=".json") as tmp:
            tmp.write_text(json.dumps({"image": png.name, "bounds_latlon": bounds,
                                       "units": "hours", "cmap": "magma_r",
                                       "vmax_h": CMAP_MAX_H, "scenario": scen}))
        written += [png, meta]
        label = f"{origin} 通行时间 travel time — {value_label('scenario', scen)}"
        folium.raster_layers.ImageOverlay(str(png), bounds=bounds, name=label, opacity=0.8,
                                          show=scen == first).add_to(fmap)
        lines = iso[iso["scenario"] == scen].copy()
        lines["geometry"] = lines.geometry.boundary
        folium.GeoJson(
            lines[["hours", "area_km2", "population", "geometry"]].to_crs(4326).to_json(),
            name=f"{label}: 1/2/3 h",
            style_function=lambda f: {"color": _ISO_COLOURS.get(float(
                f["properties"]["hours"]), "#00a0e0"), "weight": 2},
            tooltip=folium.GeoJsonTooltip(["hours", "area_km2", "population"]),
            show=scen == first).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    from branca.element import Element

    fmap.get_root().html.add_child(Element(_legend_html()))
    fmap.fit_bounds(bounds)
    with atomic_output(path, overwrite=overwrite, suffix=".html") as tmp:
        fmap.save(str(tmp))
    return [*written, path]
