"""Reading the plan's YAML files with line numbers, and small schema checks.

Every mapping read by :func:`load_yaml` is a :class:`Node` (a ``dict``) that
remembers the file and line it came from, so that errors can point to the
line a planner has to fix.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from gisxz.exceptions import FileEncodingError, GisxzWarning, MissingDataError, PlanFileError

__all__ = ["Node", "load_yaml", "read_text", "require", "check_keys", "check_choice",
           "FULLWIDTH_SEPARATORS"]


class Node(dict):
    """A mapping that remembers where it was read (``path``, ``line``, ``key_lines``)."""

    path: str | None = None
    line: int | None = None
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int | None:
        """Line of ``key`` in the file, or of the mapping when the key is absent."""
        return self.key_lines.get(key, self.line)

    def error(self, message: str, *, key: str | None = None) -> PlanFileError:
        """A :class:`PlanFileError` pointing at this mapping (or its ``key``)."""
        return PlanFileError(message, path=self.path,
                             line=self.line_of(key) if key else self.line)


#: Full-width list separators a planner typing Chinese may put between list items.
FULLWIDTH_SEPARATORS = ("，", "、", "；")

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's C parser when built


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader (C parser where installed) whose mappings are :class:`Node`."""

    name: str = "<string>"


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Node:
    loader.flatten_mapping(node)
    out = Node()
    out.path = loader.name
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise PlanFileError(f"duplicate key {key!r} in one mapping; keep one of them",
                                path=loader.name, line=key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[str(key)] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> list:
    """A list; in a flow list ``[a，b]`` full-width commas also separate items (with a
    warning naming the file and line)."""
    items = [loader.construct_object(child, deep=True) for child in node.value]
    if not node.flow_style or not any(isinstance(i, str) and _has_fullwidth(i) for i in items):
        return items
    out: list = []
    for item in items:
        if isinstance(item, str) and _has_fullwidth(item):
            out.extend(p.strip() for p in _split_fullwidth(item) if p.strip())
        else:
            out.append(item)
    warnings.warn(f"{loader.name}:{node.start_mark.line + 1}: full-width separators "
                  f"(，、；) in a list were read as commas: {out}; write ASCII commas to "
                  "silence this warning", GisxzWarning, stacklevel=2)
    return out


def _has_fullwidth(text: str) -> bool:
    return any(sep in text for sep in FULLWIDTH_SEPARATORS)


def _split_fullwidth(text: str) -> list[str]:
    for sep in FULLWIDTH_SEPARATORS[1:]:
        text = text.replace(sep, FULLWIDTH_SEPARATORS[0])
    return text.split(FULLWIDTH_SEPARATORS[0])


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_text(path: str | Path, *, what: str = "file") -> str:
    """The text of a UTF-8 file (a BOM is allowed); another encoding is an error naming the
    file, the line and, for GBK (GB 18030), the encoding and the fix.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "gbk.yaml")
    >>> _ = open(p, "wb").write("name: 拉萨\\n".encode("gbk"))
    >>> try:
    ...     read_text(p)
    ... except FileEncodingError as exc:
    ...     print("GBK" in str(exc), str(exc).startswith(p))
    True True
    """
    path = Path(path)
    if not path.exists():
        raise MissingDataError(f"{path}: file not found")
    if path.is_dir():
        raise MissingDataError(f"{path}: is a folder; give a {what}")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        guess = _guess_encoding(data)
        hint = (f"it looks like {guess} (a Chinese Windows encoding). Save it as UTF-8, e.g. "
                f"iconv -f GB18030 -t UTF-8 {path.name} > fixed.yaml, or 'Save as UTF-8' in "
                "the editor" if guess else "save it as UTF-8")
        raise FileEncodingError(f"{path}:{line}: not UTF-8 text (byte {data[exc.start]:#04x} "
                                f"at offset {exc.start}); {hint}") from None


def _guess_encoding(data: bytes) -> str | None:
    if b"\x00" in data[:4096]:
        return None
    for enc in ("gb18030",):
        try:
            data.decode(enc)
        except UnicodeDecodeError:
            continue
        return "GBK/GB18030"
    return None


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file; syntax errors become :class:`PlanFileError` with file and line.

    Uses libyaml's C parser where PyYAML was built with it (about ten times faster) and
    keeps every mapping's file and line. A file that is not UTF-8 raises
    :class:`FileEncodingError` naming it.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.yaml")
    >>> _ = open(p, "w").write("a: 1\\nb:\\n  c: 2\\n")
    >>> d = load_yaml(p)
    >>> d["b"].line, d.line_of("b")
    (3, 2)
    """
    path = Path(path)
    text = read_text(path, what="YAML file")
    loader = _Loader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except PlanFileError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        raise PlanFileError(f"YAML syntax error: {problem}. Check indentation, colons and "
                            "quotes on this line or the one before.", path=str(path),
                            line=line) from None
    except yaml.YAMLError as exc:  # reader errors (control characters ...)
        raise PlanFileError(f"cannot read as YAML: {exc}", path=str(path)) from None
    finally:
        loader.dispose()


def require(node: Node, key: str, types: type | tuple[type, ...] | None = None) -> Any:
    """Return ``node[key]``; raise a :class:`PlanFileError` if absent or of the wrong type."""
    if not isinstance(node, dict) or key not in node or node[key] is None:
        raise _err(node, f"missing required field {key!r}")
    value = node[key]
    if types is not None and not isinstance(value, types):
        names = (types.__name__ if isinstance(types, type)
                 else " or ".join(t.__name__ for t in types))
        raise _err(node, f"field {key!r} must be {names}, got {value!r}", key=key)
    return value


def check_keys(node: Node, allowed: Iterable[str], *, what: str = "entry") -> None:
    """Refuse unknown keys (typos such as ``waypoint`` for ``waypoints``)."""
    allowed = set(allowed)
    for key in node:
        if key not in allowed:
            import difflib

            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise _err(node, f"unknown field {key!r} in {what}.{hint} Allowed fields: "
                       f"{', '.join(sorted(allowed))}", key=str(key))


def check_choice(node: Node, key: str, choices: Iterable[str], *, default: str | None = None,
                 required: bool = True) -> str | None:
    """Return ``node[key]`` after checking it is one of ``choices``."""
    choices = list(choices)
    value = node.get(key, default) if isinstance(node, dict) else default
    if value is None:
        if required:
            raise _err(node, f"missing required field {key!r} (one of {', '.join(choices)})")
        return None
    if value not in choices:
        raise _err(node, f"field {key!r} is {value!r}; use one of {', '.join(choices)}", key=key)
    return value


def _err(node: Any, message: str, *, key: str | None = None) -> PlanFileError:
    if isinstance(node, Node):
        return node.error(message, key=key)
    return PlanFileError(message)
