"""Property-based tests: any input gives a valid result or a GisxzError, never another
exception (the plan-file reader, the coordinate parser, the number and list options).

Bounded (a fixed number of examples, no deadline drift) so that the suite stays fast.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
import warnings
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from gisxz.core import validate  # noqa: E402
from gisxz.exceptions import GisxzError  # noqa: E402

FAST = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
SLOWER = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow,
                                         HealthCheck.function_scoped_fixture])

numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30))
number_text = st.one_of(numbers.map(str), st.text(max_size=12),
                        st.sampled_from(["", "-", "1e400", "１２", "NaN", "--5", "0x10", "1_0"]))


@FAST
@given(st.one_of(number_text, st.tuples(number_text, number_text).map(",".join),
                 st.tuples(numbers, numbers).map(lambda t: f"{t[0]}，{t[1]}")))
def test_parse_lonlat_result_or_gisxz_error(text):
    try:
        lon, lat = validate.parse_lonlat(text)
    except GisxzError:
        return
    assert math.isfinite(lon) and math.isfinite(lat)
    assert -180 <= lon <= 180 and -90 <= lat <= 90


@FAST
@given(st.one_of(numbers, number_text, st.none(), st.booleans()))
def test_durations_result_or_gisxz_error(value):
    try:
        minutes = validate.check_durations(hours=[value])
    except GisxzError:
        return
    assert 0 < minutes[0] <= validate.MAX_HOURS * 60


@FAST
@given(st.lists(st.one_of(numbers, number_text), max_size=4), st.sampled_from(["km", "m"]))
def test_buffer_distances_result_or_gisxz_error(values, unit):
    from gisxz.spatial.buffers import check_distances, parse_distances

    try:
        dists = check_distances(parse_distances(values), unit=unit)
    except GisxzError:
        return
    assert dists == sorted(dists) and all(0 < d < math.inf for d in dists)


@FAST
@given(st.lists(st.text(max_size=8), max_size=4))
def test_kind_names_result_or_gisxz_error(names):
    from gisxz.core.vocab import PLACE_KINDS

    try:
        kinds = validate.check_names(names, PLACE_KINDS, what="--kinds")
    except GisxzError:
        return
    assert set(kinds) <= set(PLACE_KINDS)


_yaml_pieces = st.sampled_from([
    "schema: gisxz.plan/1\n", "features:\n", "  - id: a\n", "    name_zh: 拉萨\n",
    "    waypoints: [拉萨，曲水]\n", "    at: 拉萨\n", "    status: planned\n", "  -\n",
    "    kind: [\n", ": :\n", "\t", "'", '"', "- - -\n", "{a: 1, a: 2}\n", "&x a\n", "*y\n",
    "!!python/object:os.system ls\n", "\x00", "\ufeff", "key: 1e999\n", "~\n",
])


REAL = (Path(__file__).resolve().parents[1] / "layers" / "plan" / "ports.yaml").read_text(
    encoding="utf-8")


def _read_all(content) -> None:
    from gisxz.io.documents import load_yaml
    from gisxz.plan.features import read_plan_files

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "plan.yaml"
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8", errors="surrogatepass")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for reader in (lambda: load_yaml(p), lambda: read_plan_files(tmp)):
                with contextlib.suppress(GisxzError):
                    reader()


@SLOWER
@given(st.one_of(st.lists(_yaml_pieces, max_size=10).map("".join), st.text(max_size=80),
                 st.binary(max_size=80)))
def test_plan_reader_result_or_gisxz_error(content):
    _read_all(content)


@SLOWER
@given(st.integers(0, len(REAL)), st.integers(0, 40), st.text(max_size=6))
def test_damaged_real_plan_file_result_or_gisxz_error(at, cut, insert):
    _read_all(REAL[:at] + insert + REAL[at + cut:])
