"""Paths a user gives, on the command line and in Python: every file-system problem (a symbolic link loop, a path
through a file, a name too long, a URL, ``~`` for an unknown user, no permission) is one line naming the setting and
the path, exit code 2, nothing written (docs/configuration.md, "Paths")."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

import sim
from sim import paths
from sim.errors import ArgumentError, ConfigError, ScenarioError
from tests.conftest import supplysim_main

ROOT = Path(__file__).resolve().parents[2]
SERIAL = ROOT / "scenarios" / "serial_chain.yaml"
FAST = ["mc.replications=2", "horizon=20", "warmup=0", "report.html=false"]


def bad_paths(tmp: Path) -> dict[str, tuple[str, str]]:
    """Real file-system problems made in ``tmp``: name -> (path, what the message must say)."""
    (tmp / "loop_a").symlink_to(tmp / "loop_b")
    (tmp / "loop_b").symlink_to(tmp / "loop_a")
    (tmp / "a_file").write_text("x", encoding="utf-8")
    return {
        "symlink loop": (str(tmp / "loop_a"), "a symbolic link loop"),
        "under a file": (str(tmp / "a_file" / "x"), f"{tmp / 'a_file'} is a file, not a folder"),
        "name too long": (str(tmp / ("n" * 300)), "the name is too long for the file system"),
        "url": ("https://example.com/x", "is a URL; give a path on this machine"),
        "unknown user": ("~nonexistentuser/x", "can't expand '~nonexistentuser'"),
    }


CASES = ["symlink loop", "under a file", "name too long", "url", "unknown user"]


def _arg(key: str, value: str) -> str:
    """An override; a value with ``~`` quoted, as Hydra's grammar needs (the unquoted form has its own test)."""
    return f"{key}='{value}'" if "~" in value else f"{key}={value}"


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(
    ("setting", "extra"),
    [
        ("scenario_file", []),
        ("hydra.run.dir", ["scenario=serial_chain"]),
        ("hydra.sweep.dir", ["-m", "scenario=serial_chain"]),
        ("export.path", ["mode=export", "scenario=serial_chain"]),
    ],
)
def test_a_bad_path_is_one_line_exit_2_nothing_written(tmp_path, case, setting, extra, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    path, says = bad_paths(tmp_path)[case]
    before = set(tmp_path.rglob("*"))
    run_dir = [] if setting.startswith("hydra.") else [f"hydra.run.dir={tmp_path / 'run'}"]
    code, stderr = supplysim_main([*extra, _arg(setting, path), *run_dir, *FAST], monkeypatch, capsys)
    lines = stderr.strip().splitlines()
    assert code == 2, stderr
    assert len(lines) == 1 and lines[0].startswith(f"supplysim: error: {setting}: "), stderr
    assert says in lines[0] and "Traceback" not in stderr
    assert set(tmp_path.rglob("*")) == before, "something was written"


@pytest.mark.parametrize("case", CASES)
def test_a_demand_file_named_by_a_scenario(tmp_path, case, monkeypatch, capsys):
    """A CSV demand ``file:`` is relative to the scenario file: its problems name the field and the path."""
    path, says = bad_paths(tmp_path)[case]
    data = yaml.safe_load(SERIAL.read_text(encoding="utf-8"))
    store = next(i for i, n in enumerate(data["nodes"]) if n["id"] == "store")
    data["nodes"][store]["demand"] = {"widget": {"kind": "empirical", "file": path}}
    scenario = tmp_path / "with_csv.yaml"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    before = set(tmp_path.rglob("*"))
    monkeypatch.chdir(tmp_path)
    code, stderr = supplysim_main(
        [f"scenario_file={scenario}", f"hydra.run.dir={tmp_path}/run", *FAST], monkeypatch, capsys
    )
    assert code == 2 and "Traceback" not in stderr, stderr
    assert stderr.startswith(f"supplysim: error: {scenario} is invalid:\n"), stderr
    assert f"nodes[{store}] (id: store).demand.widget: file: " in stderr and says in stderr, stderr
    assert set(tmp_path.rglob("*")) == before
    with pytest.raises(ScenarioError, match=f"demand.widget: file: .*{says}"):
        sim.load_scenario(scenario)


def test_a_tilde_must_be_quoted_and_is_then_expanded(tmp_path, monkeypatch, capsys):
    """Hydra's grammar refuses ``~`` unquoted: one line says how to quote it; quoted, ``~`` is the home folder (Hydra
    itself would make a folder named '~')."""
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.rglob("*"))
    code, stderr = supplysim_main(["mode=export", "scenario=serial_chain", "export.path=~/x.xlsx"], monkeypatch, capsys)
    assert code == 2 and stderr.count("\n") == 1, stderr
    assert "quote the value: export.path='~/x.xlsx'" in stderr and set(tmp_path.rglob("*")) == before
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    code, stderr = supplysim_main(["scenario=serial_chain", "hydra.run.dir='~/runs/one'", *FAST], monkeypatch, capsys)
    assert code == 0, stderr
    assert (home / "runs" / "one" / "summary.csv").is_file() and not (tmp_path / "~").exists()


def test_no_permission_and_read_only(tmp_path, monkeypatch):
    """A folder this process may not write in, and one on a read-only file system (both faked: the tests may run as
    root, who may write anywhere)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != locked and real_access(p, mode))
    with pytest.raises(
        ConfigError, match=r"^hydra.run.dir: can't create .*locked/run: no permission to write in .*locked$"
    ):
        paths.output_folder("hydra.run.dir", locked / "run", ConfigError)
    monkeypatch.setattr(os, "access", real_access)

    class ReadOnly:
        f_flag = os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs", lambda p: ReadOnly())
    with pytest.raises(
        ArgumentError, match=r"^out_dir: can't create .*locked/run: .*locked is on a read-only file system$"
    ):
        sim.run_batch("serial_chain", {"replications": 2}, out_dir=locked / "run")
    assert list(locked.iterdir()) == []


@pytest.mark.parametrize("case", CASES)
def test_python_paths_name_the_argument(tmp_path, case, monkeypatch):
    """The same cases through the Python API: an out_dir, an export path, a scenario path."""
    monkeypatch.chdir(tmp_path)
    path, says = bad_paths(tmp_path)[case]
    before = set(tmp_path.rglob("*"))
    form = case in ("url", "unknown user")  # the path's form: the argument is wrong, not the file system
    with pytest.raises(ArgumentError, match=r"^out_dir: ") as info:
        sim.run_batch("serial_chain", {"replications": 2}, out_dir=path)
    assert says in str(info.value)
    with pytest.raises(ArgumentError, match=r"^out_dir: "):
        sim.run("serial_chain", ["mc.replications=2"], out_dir=path)
    with pytest.raises(ArgumentError, match=r"^path: "):
        sim.export_scenario("serial_chain", path, format="csv")
    with pytest.raises(ArgumentError if form else ScenarioError, match=r"^scenario: ") as info:
        sim.load_scenario(path)
    assert says in str(info.value)
    assert set(tmp_path.rglob("*")) == before


def test_the_path_helper_refuses_every_form(tmp_path):
    """Type, emptiness, NUL, URL, ``~user``; a good relative path comes back relative to ``base``."""
    for bad, says in [(42, "a path"), ("", "a path"), ("a\0b", "NUL"), ("s3://bucket/x", "URL"), (b"x", "a path")]:
        with pytest.raises(ConfigError, match=f"^setting: .*{says}"):
            paths.user_path("setting", bad, ConfigError)
    assert paths.user_path("s", "x.csv", base=tmp_path) == tmp_path / "x.csv"
    assert paths.user_path("s", tmp_path / "x.csv", base=Path("/elsewhere")) == tmp_path / "x.csv"
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    with pytest.raises(ConfigError, match="is a symbolic link to nothing"):
        paths.output_folder("hydra.run.dir", tmp_path / "dangling", ConfigError)
    assert paths.output_folder("out", tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert not (tmp_path / "a").exists()  # checked, not created


def test_reading_and_writing_failures_name_the_file(tmp_path, monkeypatch):
    """An unreadable table of a CSV folder, and a disk that fills while a scenario is exported: one error naming the
    file (faked: the tests may run as root, and no disk here fills up)."""
    folder = sim.export_scenario("serial_chain", tmp_path / "tables", format="csv")
    real = Path.read_bytes

    def unreadable(self: Path) -> bytes:
        if self.name == "nodes.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", unreadable)
    with pytest.raises(ScenarioError, match=r"tables/nodes.csv: can't read it: no permission$"):
        sim.load_scenario(folder)
    monkeypatch.undo()

    def full(frames: object, path: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("sim.scenario.tables.export.write_folder", full)
    with pytest.raises(ArgumentError, match=r"^path: can't write .*copy: No space left on device$"):
        sim.export_scenario("serial_chain", tmp_path / "copy", format="csv")
    assert not (tmp_path / "copy").exists()
