"""Exceptions raised by gisxz.

Every exception derives from :class:`GisxzError`; most also derive from the
matching built-in exception so that ``except ValueError`` keeps working.
Messages name the argument or file, the bad value and the fix.

Each class carries the ``exit_code`` the command line exits with (see the fault table
in the README): 1 bad input data or files, 2 a bad argument value, 3 an output that is
refused (exists, not writable), 4 an optional dependency is missing.
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
    "InvalidArgumentError",
    "UnknownNameError",
    "FileFormatError",
    "FileEncodingError",
    "OutputNotWritableError",
    "SnapDistanceError",
    "GisxzWarning",
]


class GisxzError(Exception):
    """Root of all gisxz errors."""

    #: Exit code of the command line for this kind of error.
    exit_code: int = 1


class GisxzWarning(UserWarning):
    """Something was ignored or assumed; the message says what (shown as one line)."""


class InvalidArgumentError(GisxzError, ValueError):
    """An argument or option value is out of range, not finite, or in the wrong form."""

    exit_code = 2


class UnknownNameError(InvalidArgumentError, KeyError):
    """A name (kind, scenario, mode, layer) is not one of the allowed names; the message
    lists the closest ones."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.args[0]


class FileFormatError(GisxzError, ValueError):
    """A file's content does not match its suffix, or it is truncated or empty."""


class FileEncodingError(GisxzError, UnicodeError):
    """A text file is not UTF-8 (e.g. saved as GBK); the message names the file."""


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

    exit_code = 4


class MissingDataError(GisxzError, FileNotFoundError):
    """An input file does not exist or cannot be read."""


class CRSMismatchError(GisxzError, ValueError):
    """Two inputs are in different coordinate reference systems."""


class MissingCRSError(GisxzError, ValueError):
    """An input has no coordinate reference system."""


class OutputExistsError(GisxzError, FileExistsError):
    """The output exists and ``overwrite`` was not given."""

    exit_code = 3


class OutputNotWritableError(GisxzError, PermissionError):
    """The output's folder cannot be written (read-only, not a folder, no permission)."""

    exit_code = 3


class NetworkError(GisxzError, ValueError):
    """A routing network is malformed or a query cannot be answered."""


class SnapDistanceError(NetworkError):
    """A point lies farther from the network than the allowed snap distance."""

    exit_code = 2


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
