"""Killing a run leaves the old outputs or the new ones, plus at most a temporary that the
next run removes (SIGTERM cleans up at once; SIGKILL leaves it for the next run)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def _wait_for(pred, timeout: float = 120.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if "gisxz-" in p.name
                  and "manifest" not in p.name)


_WRITER = textwrap.dedent("""
    import sys, time
    from gisxz.io.files import atomic_output, install_termination_handler
    install_termination_handler()
    with atomic_output(sys.argv[1], overwrite=True) as tmp:
        open(tmp, "w").write("new")
        time.sleep(60)
""")


def test_sigterm_removes_the_temporary_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], env=ENV,
                            stderr=subprocess.PIPE)
    assert _wait_for(lambda: _temporaries(tmp_path), 30)
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    assert proc.returncode != 0
    assert _temporaries(tmp_path) == []
    assert target.read_text() == "old"


def test_sigkill_leftover_is_removed_by_the_next_write(tmp_path):
    from gisxz.io.files import atomic_output

    target = tmp_path / "out.csv"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], env=ENV)
    assert _wait_for(lambda: _temporaries(tmp_path), 30)
    proc.kill()
    proc.wait(30)
    assert _temporaries(tmp_path)  # SIGKILL cannot clean up ...
    with atomic_output(target) as tmp:
        tmp.write_text("next")
    assert _temporaries(tmp_path) == []  # ... the next run does
    assert target.read_text() == "next"


def test_staging_keeps_old_outputs_on_error(tmp_path):
    from gisxz.io.staging import MANIFEST, staged_outputs

    (tmp_path / "a.csv").write_text("old")
    with pytest.raises(RuntimeError), staged_outputs(tmp_path) as stage:
        (stage / "a.csv").write_text("new")
        raise RuntimeError("killed half way")
    assert (tmp_path / "a.csv").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]
    with staged_outputs(tmp_path) as stage:
        (stage / "sub").mkdir()
        (stage / "a.csv").write_text("new")
        (stage / "sub" / "b.csv").write_text("new")
    assert (tmp_path / "a.csv").read_text() == "new" and (tmp_path / MANIFEST).exists()
    assert _temporaries(tmp_path) == []


def test_incomplete_marker_is_reported(tmp_path, caplog):
    from gisxz.io.staging import INCOMPLETE, previous_run_incomplete, staged_outputs

    (tmp_path / INCOMPLETE).write_text('{"files": ["a.csv"]}')
    assert previous_run_incomplete(tmp_path) == ["a.csv"]
    with staged_outputs(tmp_path) as stage:
        (stage / "a.csv").write_text("new")
    assert "killed while moving" in caplog.text
    assert not (tmp_path / INCOMPLETE).exists()


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gisxz", *args], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_sigterm_during_build_leaves_no_temporary(tmp_path):
    out = tmp_path / "plan.gpkg"
    proc = _cli("build", "-o", str(out))
    assert _wait_for(lambda: _temporaries(tmp_path), 180), proc.communicate()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Terminated" in err and "Traceback" not in err
    assert _temporaries(tmp_path) == [] and not out.exists()


@pytest.mark.slow
def test_sigterm_during_run_keeps_old_outputs(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "calibration.csv").write_text("old")
    proc = _cli("run", "--no-maps", "--overwrite", "--out-dir", str(out))
    assert _wait_for(lambda: any((out / p).exists() for p in os.listdir(out)
                                 if p.startswith(".staging.")) and
                     any(".gisxz-" in p.name or p.suffix == ".gpkg"
                         for p in out.rglob(".staging.*/*")), 180)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert sorted(os.listdir(out)) == ["calibration.csv"]  # old set, nothing left behind
    assert (out / "calibration.csv").read_text() == "old"


@pytest.mark.slow
def test_sigkill_during_run_is_cleaned_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    proc = _cli("run", "--no-maps", "--out-dir", str(out))
    assert _wait_for(lambda: out.exists() and any(p.startswith(".staging.")
                                                  for p in os.listdir(out)), 180)
    proc.kill()
    proc.communicate(timeout=60)
    assert any(p.startswith(".staging.") for p in os.listdir(out))
    again = _cli("run", "--no-maps", "--out-dir", str(out))
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert not [p for p in os.listdir(out) if p.startswith(".")]
    assert (out / "xizang_plan.gpkg").exists() and (out / "gisxz-run-manifest.json").exists()


def test_broken_recipe_stops_the_main_job_before_any_work(tmp_path, monkeypatch):
    import gisxz.maps.recipes as recipes
    import gisxz.plan.build as build
    from gisxz.exceptions import PlanFileError
    from gisxz.pipeline import run_main

    def broken(*a, **k):
        raise PlanFileError("unknown field 'titel'", path="maps/zones.yaml", line=3)

    def never(*a, **k):
        raise AssertionError("computed before checking the recipes")

    monkeypatch.setattr(recipes, "load_recipes", broken)
    monkeypatch.setattr(build, "build_layers", never)
    with pytest.raises(PlanFileError, match="zones.yaml:3"):
        run_main(out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
