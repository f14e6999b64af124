"""Network accessibility: routing graphs, travel times, isochrones, OD matrices.

Modules by concern:

* :mod:`~gisxz.network.engine` -- compact CSR graph and fast shortest paths;
* :mod:`~gisxz.network.trunk` -- the embedded multimodal trunk network of Xizang;
* :mod:`~gisxz.network.osm` -- graphs from OpenStreetMap files or osmnx;
* :mod:`~gisxz.network.snap` -- snapping points to nodes;
* :mod:`~gisxz.network.isochrones`, :mod:`~gisxz.network.od`,
  :mod:`~gisxz.network.accessibility` -- analyses;
* :mod:`~gisxz.network.circle` -- the three-hour economic circle around Lhasa;
* :mod:`~gisxz.network.calibration` -- modelled versus published travel times.

All travel times are in minutes.
"""

from __future__ import annotations

from gisxz.network.engine import Graph, nearest_source, travel_times

__all__ = ["Graph", "travel_times", "nearest_source"]
