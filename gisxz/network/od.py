"""Origin-destination travel-time matrices in long format."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from gisxz.network._util import as_graph, as_points, scenario_mode
from gisxz.network.engine import Graph, travel_times
from gisxz.network.snap import point_labels, snap_points

log = logging.getLogger(__name__)

__all__ = ["od_matrix", "od_array", "OD_COLUMNS"]

#: The columns of :func:`od_matrix`, in order (snap distances follow).
OD_COLUMNS = ["origin", "destination", "scenario", "mode", "travel_time_min"]


def od_array(graph: Graph, origin_nodes: Sequence[int] | np.ndarray,
             destination_nodes: Sequence[int] | np.ndarray | None = None, *,
             cutoff: float | None = None, chunk: int = 16) -> np.ndarray:
    """A dense float32 matrix of travel times (minutes) between node positions.

    Only the destination columns are kept while routing source by source, so the
    memory is ``len(origins) * len(destinations) * 4`` bytes plus one chunk of
    ``chunk * n_nodes`` float64 working rows. Unreachable pairs are NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> nodes = pd.DataFrame({"x": [0.0, 1, 2], "y": 0.0})
    >>> g = Graph.from_edges(nodes, [0], [1], [4.0], crs=3857)
    >>> od_array(g, [0, 1], [1, 2]).tolist()
    [[4.0, nan], [0.0, nan]]
    """
    src = np.asarray(origin_nodes, dtype=np.int64)
    dst = None if destination_nodes is None else np.asarray(destination_nodes, dtype=np.int64)
    ncol = graph.n_nodes if dst is None else len(dst)
    out = np.empty((len(src), ncol), dtype=np.float32)
    uniq, inverse = np.unique(src, return_inverse=True)
    for start in range(0, len(uniq), chunk):
        part = uniq[start:start + chunk]
        t = travel_times(graph, part, cutoff=cutoff, dtype=np.float64, chunk=chunk)
        if dst is not None:
            t = t[:, dst]
        t[~np.isfinite(t)] = np.nan
        for k in range(len(part)):
            out[inverse == start + k] = t[k]
    return out


def od_matrix(origins: gpd.GeoDataFrame | str | Sequence[str],
              destinations: gpd.GeoDataFrame | str | Sequence[str] | None = None, *,
              graph: Graph | None = None, scenario: str = "current", mode: str = "multimodal",
              cutoff: float | None = None, max_snap_m: float | None = None) -> pd.DataFrame:
    """Travel times between two point sets, one row per pair.

    Parameters
    ----------
    origins, destinations : GeoDataFrame, str or list of str
        Points, or gazetteer place names. ``destinations`` defaults to ``origins``.
        Labels come from ``name_zh``, ``name``, ``id`` or the index.
    graph : Graph, optional
        The network; by default the trunk network of ``scenario`` and ``mode``.
    cutoff : float, optional
        Do not search beyond this many minutes (pairs beyond it are NaN, without warning).
    max_snap_m : float, optional
        Warn when a point is farther than this from the network.

    Returns
    -------
    pandas.DataFrame
        ``origin, destination, scenario, mode, travel_time_min, origin_snap_m,
        destination_snap_m``. Unreachable pairs have NaN and a warning names them.

    Examples
    --------
    >>> od = od_matrix(["拉萨"], ["日喀则", "那曲"], mode="road")
    >>> od[["origin", "destination"]].values.tolist()
    [['拉萨', '日喀则'], ['拉萨', '那曲']]
    """
    g = as_graph(graph, scenario=scenario, mode=mode)
    o = as_points(origins, name="origins")
    d = o if destinations is None else as_points(destinations, name="destinations")
    so = snap_points(g, o, max_snap_m=max_snap_m, name="origins")
    sd = snap_points(g, d, max_snap_m=max_snap_m, name="destinations")
    mat = od_array(g, so["node"].to_numpy(), sd["node"].to_numpy(), cutoff=cutoff)
    ol, dl = point_labels(o), point_labels(d)
    scen, md = scenario_mode(g)
    n_o, n_d = len(ol), len(dl)
    out = pd.DataFrame({
        "origin": np.repeat(ol, n_d),
        "destination": np.tile(dl, n_o),
        "scenario": scen,
        "mode": md,
        "travel_time_min": mat.reshape(-1).astype(np.float64),
        "origin_snap_m": np.repeat(so["snap_m"].to_numpy(), n_d),
        "destination_snap_m": np.tile(sd["snap_m"].to_numpy(), n_o),
    })
    missing = out["travel_time_min"].isna()
    if missing.any() and cutoff is None:
        pairs = out.loc[missing, ["origin", "destination"]].head(10)
        shown = ", ".join(f"{a} → {b}" for a, b in pairs.itertuples(index=False))
        more = f" and {int(missing.sum()) - 10} more" if missing.sum() > 10 else ""
        warnings.warn(f"{int(missing.sum())} of {len(out)} origin-destination pairs are "
                      f"unreachable (travel_time_min is NaN): {shown}{more}. The network "
                      "has no connection between them in this scenario and mode.", stacklevel=2)
    return out
