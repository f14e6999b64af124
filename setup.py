"""Package list for setuptools (everything else is in pyproject.toml).

The plan data (``layers/``) and the map recipes (``maps/``) stay at the top of the
repository, where a planner edits them; this mapping puts them, with every sub-folder, into
the wheel as ``gisxz/_data/layers`` and ``gisxz/_data/maps``, where :mod:`gisxz.settings`
finds them in an installed gisxz.
"""

from pathlib import Path

from setuptools import find_packages, setup

DATA_DIRS = {"gisxz._data.layers": "layers", "gisxz._data.maps": "maps"}
DATA_FILES = ["*.yaml", "*.yml", "*.csv", "*.md", "*.txt"]


def _data_packages() -> dict[str, str]:
    """Every folder below ``layers/`` and ``maps/`` as a data package (name -> folder)."""
    out = {}
    for package, folder in DATA_DIRS.items():
        root = Path(folder)
        for sub in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
            rel = sub.relative_to(root).parts
            if any(part.startswith((".", "_")) for part in rel):
                continue
            out[".".join((package, *rel))] = sub.as_posix()
    return out


DATA_PACKAGES = _data_packages()

setup(
    packages=find_packages(include=["gisxz", "gisxz.*"]) + list(DATA_PACKAGES),
    package_dir=DATA_PACKAGES,
    package_data={**{name: DATA_FILES for name in DATA_PACKAGES},
                  "gisxz.maps": ["vendor/README.md", "vendor/*/*", "vendor/*/images/*"]},
)
