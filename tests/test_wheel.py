"""An installed gisxz works without the repository: the wheel carries the plan data and recipes.

Builds the wheel, installs it into a fresh virtual environment outside the repository and
runs ``gisxz build`` and ``gisxz run`` there, from a working directory with no ``layers/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _run(args: list[str], *, cwd: Path, env: dict | None = None, timeout: int = 900):
    res = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=timeout)
    assert res.returncode == 0, f"{' '.join(map(str, args))} failed:\n{res.stdout}\n{res.stderr}"
    return res


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # build from a clean copy: a build/ folder left in the checkout must not hide a file
    # missing from the package configuration
    src = tmp_path_factory.mktemp("src") / "gisxz"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "out", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
         cwd=out)
    (whl,) = out.glob("gisxz-*.whl")
    return whl


def test_wheel_carries_plan_data_and_recipes(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "gisxz/_data/layers/plan/framework.yaml" in names
    assert "gisxz/_data/layers/gazetteer/admin_seats.yaml" in names
    assert "gisxz/_data/layers/population/county_population_2020.csv" in names
    assert "gisxz/_data/maps/overview.yaml" in names
    assert not [n for n in names if n.startswith(("layers/", "maps/", "tests/"))]


def test_installed_wheel_builds_and_runs_outside_the_repository(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    py = venv / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "-q", str(wheel)], cwd=tmp_path, timeout=1800)
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GISXZ_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    gisxz = str(venv / "bin" / "gisxz")
    _run([gisxz, "build", "-o", "plan.gpkg"],
         cwd=work, env=env)
    assert (work / "plan.gpkg").stat().st_size > 100_000
    _run([gisxz, "run", "--out-dir", "out", "--no-progress"], cwd=work, env=env)
    assert (work / "out" / "xizang_plan.gpkg").is_file()
    assert (work / "out" / "county_membership.csv").is_file()
    where = _run([str(py), "-c", "from gisxz import settings; print(settings.layers_dir)"],
                 cwd=work, env=env).stdout.strip()
    assert "site-packages" in where and str(REPO) not in where
