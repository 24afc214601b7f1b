"""The scenario YAML loader: libyaml's safe loader when available, same data and errors as the pure-Python one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sim.errors import ScenarioError
from sim.scenario import loading
from sim.scenario.loading import library, read_yaml
from sim.scenario.sources import load_scenario

LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


def test_uses_the_c_loader_when_pyyaml_has_it() -> None:
    assert loading.SAFE_LOADER is getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
def test_library_files_load_the_same(loader, monkeypatch) -> None:
    monkeypatch.setattr(loading, "SAFE_LOADER", loader)
    for path in library().values():
        assert read_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
def test_python_tags_are_refused(loader, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(loading, "SAFE_LOADER", loader)
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo pwned']\nhorizon: 10\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=rf"^{re.escape(str(path))}:1:\d+: malformed YAML: .*python/object/apply"):
        read_yaml(path)


@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
def test_malformed_yaml_names_file_and_line(loader, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(loading, "SAFE_LOADER", loader)
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\nhorizon: 10\nproducts: [{id: w}\nnodes: []\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=rf"^{re.escape(str(path))}:4:\d+: malformed YAML: "):
        load_scenario(path)


@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
def test_code_is_still_refused(loader, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(loading, "SAFE_LOADER", loader)
    data = yaml.safe_load((Path(__file__).resolve().parents[2] / "scenarios" / "serial_chain.yaml").read_text())
    data["description"] = "${oc.env:HOME}"
    path = tmp_path / "interp.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^description: interpolations"):
        load_scenario(path)
    data["description"] = ""
    data["nodes"][1]["policy"]["widget"] = {"_target_": "os.system"}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError, match="'_target_' is not allowed"):
        load_scenario(path)


@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
def test_duplicate_keys_are_refused_by_either_loader(loader, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(loading, "SAFE_LOADER", loader)
    path = tmp_path / "dup.yaml"
    path.write_text("name: a\nhorizon: 5\nhorizon: 6\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=rf"^{re.escape(str(path))}:3:1: malformed YAML: duplicate key 'horizon'"):
        read_yaml(path)
