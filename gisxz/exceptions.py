"""Exceptions raised by gisxz.

Every exception derives from :class:`GisxzError`; most also derive from the
matching built-in exception so that ``except ValueError`` keeps working.
Messages name the argument or file, the bad value and the fix.
"""

from __future__ import annotations

__all__ = [
    "GisxzError",
    "PlanFileError",
    "UnknownPlaceError",
    "DuplicateIdError",
    "OutsideRegionError",
    "MissingDependencyError",
    "MissingDataError",
    "CRSMismatchError",
    "MissingCRSError",
    "OutputExistsError",
    "NetworkError",
    "UnknownScenarioError",
    "MapError",
    "MissingLayerError",
    "MissingGlyphError",
    "TiandituTokenError",
]


class GisxzError(Exception):
    """Root of all gisxz errors."""


class PlanFileError(GisxzError, ValueError):
    """A plan or data file is malformed (YAML syntax, schema, bad value).

    Parameters
    ----------
    message : str
        What is wrong and how to fix it.
    path : str or None
        The file concerned.
    line : int or None
        1-based line number in the file, when known.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)


class UnknownPlaceError(PlanFileError, KeyError):
    """A place name is not in the gazetteer; the message lists the closest names."""

    def __init__(self, name: str, suggestions: list[str], *, path: str | None = None,
                 line: int | None = None):
        self.name = name
        self.suggestions = suggestions
        hint = (f" Closest known names: {', '.join(suggestions)}." if suggestions
                else " No similar name is known.")
        msg = (f"unknown place {name!r}.{hint} Fix the spelling, or add the place to "
               "layers/gazetteer/places.yaml with its coordinates and source.")
        super().__init__(msg, path=path, line=line)

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.args[0]


class DuplicateIdError(PlanFileError):
    """Two entries share an id or a name that must be unique."""


class OutsideRegionError(PlanFileError):
    """A point that must lie in Xizang lies outside it."""


class MissingDependencyError(GisxzError, ImportError):
    """An optional package or a data package is not installed."""


class MissingDataError(GisxzError, FileNotFoundError):
    """An input file does not exist or cannot be read."""


class CRSMismatchError(GisxzError, ValueError):
    """Two inputs are in different coordinate reference systems."""


class MissingCRSError(GisxzError, ValueError):
    """An input has no coordinate reference system."""


class OutputExistsError(GisxzError, FileExistsError):
    """The output exists and ``overwrite`` was not given."""


class NetworkError(GisxzError, ValueError):
    """A routing network is malformed or a query cannot be answered."""


class UnknownScenarioError(GisxzError, KeyError):
    """A scenario name is not defined in the scenarios file."""

    def __str__(self) -> str:
        return self.args[0]


class MapError(GisxzError, ValueError):
    """A map cannot be drawn as asked (bad option, unknown field, bad extent)."""


class MissingLayerError(MapError, KeyError):
    """A layer a map needs is not among the layers given."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.args[0]


class MissingGlyphError(MapError):
    """A label contains characters that the CJK font cannot draw."""


class TiandituTokenError(MapError):
    """The 天地图 (Tianditu) basemap was asked for without a token."""
