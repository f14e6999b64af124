"""Writing a set of outputs all at once: a staging folder, a move into place, a manifest.

:func:`staged_outputs` gives the main job a fresh staging folder inside the output folder
(``.staging.gisxz-<pid>-<random>``). Only when every output is written there are the files
moved into place, with SIGTERM and Ctrl-C held back during the move (renames within one
file system, a fraction of a second). Before moving, a marker
``gisxz-run-INCOMPLETE.json`` lists the files; it is removed when the move is done and
``gisxz-run-manifest.json`` lists the finished set. So after any kill the folder holds
the old outputs (killed before the move), the new ones, or — only after a SIGKILL in the
middle of the move — a set marked incomplete that the next run reports and replaces.
A staging folder left by a killed process is removed by the next run.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
import os
import secrets
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

from gisxz.io.files import check_output_dir, remove_stale_temporaries

log = logging.getLogger(__name__)

__all__ = ["staged_outputs", "MANIFEST", "INCOMPLETE", "previous_run_incomplete"]

#: The manifest of a finished run (file names, sizes, time, gisxz version).
MANIFEST = "gisxz-run-manifest.json"
#: Present only while (or when killed while) a run moves its outputs into place.
INCOMPLETE = "gisxz-run-INCOMPLETE.json"


def previous_run_incomplete(out_dir: str | Path) -> list[str] | None:
    """The files an interrupted earlier run was moving into ``out_dir``, or None."""
    marker = Path(out_dir) / INCOMPLETE
    if not marker.exists():
        return None
    try:
        return list(json.loads(marker.read_text(encoding="utf-8")).get("files", []))
    except (OSError, ValueError):
        return []


@contextlib.contextmanager
def staged_outputs(out_dir: str | Path) -> Iterator[Path]:
    """Yield a staging folder; on success move everything in it into ``out_dir``.

    On any error, Ctrl-C or SIGTERM the staging folder is removed and ``out_dir`` is left
    as it was.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> with staged_outputs(out) as stage:
    ...     _ = (stage / "a.csv").write_text("x\\n")
    >>> sorted(p.name for p in out.iterdir())
    ['a.csv', 'gisxz-run-manifest.json']
    """
    out_dir = check_output_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)
    left = previous_run_incomplete(out_dir)
    if left is not None:
        log.warning("%s: an earlier run was killed while moving its outputs into place, so "
                    "the outputs there are a mix of two runs; this run replaces them",
                    out_dir)
    stage = out_dir / f".staging.gisxz-{os.getpid()}-{secrets.token_hex(4)}"
    stage.mkdir()
    try:
        yield stage
        _commit(stage, out_dir)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _commit(stage: Path, out_dir: Path) -> list[Path]:
    """Move the staged files into ``out_dir`` with SIGTERM/SIGINT held back."""
    files = sorted(p.relative_to(stage) for p in stage.rglob("*") if p.is_file())
    with _signals_held():
        _write_json(out_dir / INCOMPLETE, {"files": [str(f) for f in files],
                                           "note": "a run was killed while moving these "
                                                   "files into place; run again"})
        for rel in files:
            target = out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / rel, target)
        _write_manifest(out_dir, files)
        (out_dir / INCOMPLETE).unlink()
    return [out_dir / f for f in files]


def _write_manifest(out_dir: Path, files: list[Path]) -> None:
    from gisxz import __version__

    _write_json(out_dir / MANIFEST, {
        "tool": f"gisxz {__version__}",
        "finished": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": {str(f): (out_dir / f).stat().st_size for f in files},
    })


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.gisxz-{os.getpid()}-{secrets.token_hex(4)}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGTERM, SIGINT and SIGHUP until the block ends (then they are delivered)."""
    sigs = {getattr(signal, n) for n in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, n)}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
