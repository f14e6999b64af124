"""The typed schema of the ``options:`` blocks of plan files.

A plan file may carry an ``options:`` mapping that the analyses read (the three-hour circle's
centre and hours, the belt widths, the 一河 candidates). :data:`OPTION_SCHEMAS` says, per
layer, which keys are allowed and of which type; :func:`check_options` refuses anything else
with the file, the line and the allowed keys, so that a typo such as ``band_km`` for
``bands_km`` is an error instead of a silently ignored setting. :func:`framework_options`
gives the values the analyses use as a typed object.

Examples
--------
>>> fw = framework_options()
>>> fw.circle_centre, fw.circle_hours, fw.border_bands_km
('拉萨', 3.0, (10.0, 30.0, 50.0))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gisxz.io.documents import Node, check_keys

__all__ = ["OPTION_SCHEMAS", "check_options", "FrameworkOptions", "framework_options"]

_NUMBER = (int, float)
_SOURCE = {"seed": (str, int), "quote": str, "ref": str}

#: Allowed ``options:`` keys per plan layer and their types; a nested mapping is a block.
OPTION_SCHEMAS: dict[str, dict[str, Any]] = {
    "plan_framework": {
        "three_hour_circle": {"centre": str, "hours": _NUMBER, "reach_prefectures": list,
                              "source": _SOURCE},
        "railway_belt": {"railways": list, "width_km": _NUMBER, "source": _SOURCE},
        "border_belt": {"bands_km": list, "source": _SOURCE,
                        "official_border_counties": list,
                        "official_border_counties_source": str},
    },
    "water_network": {"yihe_default": str, "yihe_candidates": list},
}


def _type_name(types: Any) -> str:
    types = types if isinstance(types, tuple) else (types,)
    return " or ".join({"str": "text", "int": "a number", "float": "a number",
                        "list": "a list"}.get(t.__name__, t.__name__) for t in types)


def _check_block(node: Node, schema: Mapping[str, Any], what: str) -> None:
    check_keys(node, schema, what=what)
    for key, value in node.items():
        expected = schema[key]
        if isinstance(expected, Mapping):
            if not isinstance(value, Node):
                raise node.error(f"{what}.{key} must be a mapping with keys "
                                 f"{', '.join(expected)}", key=key)
            _check_block(value, expected, f"{what}.{key}")
        elif value is not None and (not isinstance(value, expected)
                                    or isinstance(value, bool)):
            raise node.error(f"{what}.{key} must be {_type_name(expected)}, got {value!r}",
                             key=key)
        if key.endswith("_km") or key == "hours":
            numbers = value if isinstance(value, list) else [value]
            if any(not isinstance(v, _NUMBER) or isinstance(v, bool) or not v > 0
                   for v in numbers):
                raise node.error(f"{what}.{key} must be positive number(s), got {value!r}",
                                 key=key)


def check_options(layer: str, options: Any, doc: Node) -> dict:
    """Check the ``options:`` block of the plan file of ``layer``; return it as a dict.

    Raises
    ------
    PlanFileError
        Unknown keys (with the closest allowed one), wrong types, or options on a layer
        that takes none; the message names the file and line.
    """
    if options is None:
        return {}
    schema = OPTION_SCHEMAS.get(layer)
    if schema is None:
        raise doc.error(f"layer {layer!r} takes no options; remove the options block (layers "
                        f"with options: {', '.join(OPTION_SCHEMAS)})", key="options")
    if not isinstance(options, Node):
        raise doc.error("options must be a mapping", key="options")
    _check_block(options, schema, "options")
    return dict(options)


@dataclass(frozen=True)
class FrameworkOptions:
    """The plan's structure definitions read from ``plan/framework.yaml`` ``options:``."""

    circle_centre: str = "拉萨"
    circle_hours: float = 3.0
    circle_prefectures: tuple[str, ...] = ()
    border_bands_km: tuple[float, ...] = (10.0, 30.0, 50.0)
    railway_belt_km: float = 30.0
    railway_ids: tuple[str, ...] = ()
    official_border_counties: tuple[str, ...] = ()


def framework_options(directory: str | Path | None = None) -> FrameworkOptions:
    """The :class:`FrameworkOptions` of the plan files in ``directory`` (default the plan
    data of :data:`gisxz.settings.layers_dir`); absent keys keep the documented defaults."""
    from gisxz.plan.features import plan_options

    fw = plan_options(directory).get("plan_framework", {})
    circle = fw.get("three_hour_circle") or {}
    belt = fw.get("railway_belt") or {}
    base = FrameworkOptions()
    return FrameworkOptions(
        circle_centre=str(circle.get("centre") or base.circle_centre),
        circle_hours=float(circle.get("hours") or base.circle_hours),
        circle_prefectures=tuple(circle.get("reach_prefectures") or ()),
        border_bands_km=tuple(float(b) for b in
                              ((fw.get("border_belt") or {}).get("bands_km")
                               or base.border_bands_km)),
        railway_belt_km=float(belt.get("width_km") or base.railway_belt_km),
        railway_ids=tuple(belt.get("railways") or ()),
        official_border_counties=tuple(
            str(n) for n in (fw.get("border_belt") or {}).get("official_border_counties") or ()),
    )
