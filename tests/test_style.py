"""House rules that a reader checks by eye, checked by a test: short functions."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_function_length.py"


def test_no_function_longer_than_80_lines():
    spec = importlib.util.spec_from_file_location("check_function_length", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    long = mod.long_functions(mod.PACKAGE, 80)
    assert long == [], "\n".join(f"{f}:{line}: {name} ({n} lines)" for f, line, name, n in long)
