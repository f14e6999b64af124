"""Shared fixtures: the real layers are built once per test session (offline, ~5 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gisxz import settings

REPO = Path(__file__).resolve().parents[1]
#: Scripts run by other interpreters (PyQGIS: the system Python), not test modules.
collect_ignore_glob = ["qgis/*"]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _no_progress():
    old = settings.progress
    settings.progress = False
    yield
    settings.progress = old


@pytest.fixture(scope="session")
def layers():
    from gisxz.plan.build import build_layers

    return build_layers()


@pytest.fixture(scope="session")
def plan_gpkg(layers, tmp_path_factory):
    from gisxz.io.geopackage import write_layers

    path = tmp_path_factory.mktemp("gpkg") / "xizang_plan.gpkg"
    return write_layers(layers, path)


@pytest.fixture
def mini_plan(tmp_path):
    """A folder with a copy of the real plan files, for editing in error tests."""
    import shutil

    dst = tmp_path / "plan"
    shutil.copytree(REPO / "layers" / "plan", dst)
    return dst


@pytest.fixture(scope="session")
def main_job(tmp_path_factory):
    """The main job's output folder (``gisxz run --no-maps``), built once per session."""
    from gisxz.pipeline import run_main

    out = tmp_path_factory.mktemp("main_job")
    run_main(out_dir=out, maps=False)
    return out
