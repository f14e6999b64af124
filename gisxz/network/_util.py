"""Small helpers shared by the analysis modules (graph and point arguments)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd

from gisxz.network.engine import Graph

__all__ = ["as_graph", "as_points"]


def as_graph(graph: Graph | None, *, scenario: str, mode: str) -> Graph:
    """``graph`` itself, or the trunk graph of ``scenario`` and ``mode`` when it is None."""
    if graph is not None:
        if not isinstance(graph, Graph):
            from gisxz.exceptions import NetworkError

            raise NetworkError(f"graph must be a gisxz.network.Graph, got {type(graph).__name__};"
                               " convert an osmnx graph with gisxz.network.osm.from_osmnx(G)")
        return graph
    from gisxz.network.trunk import trunk_graph

    return trunk_graph(scenario=scenario, mode=mode)


def as_points(where: gpd.GeoDataFrame | str | Sequence[str] | None, *, name: str,
              kinds: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """Points from a GeoDataFrame, a place name, a list of names, or gazetteer kinds."""
    from gisxz.network.snap import places_as_points

    if isinstance(where, gpd.GeoDataFrame):
        return where
    if isinstance(where, str):
        return places_as_points([where])
    if where is None:
        if kinds is None:
            from gisxz.exceptions import NetworkError

            raise NetworkError(f"{name} is missing; give place names or a GeoDataFrame of points")
        return places_as_points(kinds=kinds)
    return places_as_points(list(where))


def scenario_mode(graph: Graph) -> tuple[str, str]:
    """The ``scenario`` and ``mode`` a graph was built for (``""`` when not a trunk graph)."""
    return str(graph.meta.get("scenario", "")), str(graph.meta.get("mode", ""))
