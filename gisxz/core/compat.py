"""Helpers for optional imports and progress bars."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import TypeVar

from gisxz import settings
from gisxz.exceptions import MissingDependencyError

T = TypeVar("T")


def import_optional(module: str, *, pip_name: str | None = None, purpose: str = "") -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` with the install command.

    Examples
    --------
    >>> import_optional("math").sqrt(4)
    2.0
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        what = f" (needed for {purpose})" if purpose else ""
        raise MissingDependencyError(
            f"the package {pip_name or module!r} is not installed{what}. "
            f"Install it with: pip install {pip_name or module}"
        ) from exc


def progress(iterable: Iterable[T], *, desc: str = "", total: int | None = None,
             enabled: bool | None = None) -> Iterator[T]:
    """Wrap ``iterable`` in a tqdm progress bar unless progress is switched off."""
    on = settings.progress if enabled is None else enabled
    if not on:
        yield from iterable
        return
    from tqdm.auto import tqdm

    yield from tqdm(iterable, desc=desc, total=total, leave=False)
