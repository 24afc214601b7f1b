"""What `pip install .` ships: every template, config and library scenario the code reads at run time is matched by
the package-data globs in pyproject.toml (a missing glob passes every test in a source checkout and fails a user)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_package_data_globs_cover_every_data_file():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    dirs = {"sim.report": ROOT / "sim" / "report", **{k: ROOT / v for k, v in cfg["package-dir"].items()}}
    wanted = {"sim.report": ["templates"], "sim.conf": ["."], "sim.scenarios": ["."]}
    for package, subdirs in wanted.items():
        base = dirs[package]
        shipped = {p for pattern in cfg["package-data"][package] for p in base.glob(pattern) if p.is_file()}
        for sub in subdirs:
            files = {p for p in (base / sub).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
            missing = sorted(str(p.relative_to(ROOT)) for p in files - shipped if p.suffix != ".py")
            assert not missing, f"{package}: not matched by its package-data globs: {missing}"


def test_every_subpackage_is_listed():
    """A non-editable install ships only the packages pyproject lists: every folder of sim/ with an __init__.py (and
    the data packages) must be there, and nothing listed may be missing."""
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("__init__.py")}
    listed = set(cfg["packages"])
    assert found - listed == set(), f"packages missing from pyproject.toml: {sorted(found - listed)}"
    data = listed - found - set(cfg["package-dir"])  # folders of data (and scripts): each must be a folder
    for name in sorted(data):
        mapped = next((k for k in cfg["package-dir"] if name.startswith(k + ".")), None)
        folder = (
            ROOT / cfg["package-dir"][mapped] / Path(*name[len(mapped) + 1 :].split("."))
            if mapped
            else ROOT / Path(*name.split("."))
        )
        assert folder.is_dir(), f"listed but not a folder: {name} ({folder})"
    on_disk = {p for k, v in cfg["package-dir"].items() for p in (ROOT / v).rglob("*") if p.is_dir()}
    on_disk |= {p for p in (ROOT / "sim").rglob("*") if p.is_dir() and not (p / "__init__.py").exists()}
    on_disk = {p for p in on_disk if "__pycache__" not in p.parts}
    assert len(on_disk) <= len(data), "a data folder is not listed as a package (setuptools warns on install)"
