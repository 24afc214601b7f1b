"""``supplysim mode=workshop``: the Streamlit command it runs (127.0.0.1, usage statistics off, the page by path),
its errors as one line and exit code 2 (Streamlit missing, a bad port, a bad scenario), and that the command line
never imports Streamlit itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.cli import workshop_mode
from sim.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
WITHOUT_STREAMLIT = """
import importlib.util, sys
found = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: None if name == "streamlit" else found(name, *a)
sys.argv = ["supplysim", *sys.argv[1:]]
from sim.cli import main
main()
"""


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_the_page_is_served_on_localhost_without_usage_statistics(tmp_path):
    command = workshop_mode.workshop_command(
        ["scenario=serial_chain", "workshop.port=8600", "workshop.open_browser=false", f"workshop.session={tmp_path}"]
    )
    assert command[1:4] == ["-m", "streamlit", "run"] and Path(command[4]) == ROOT / "sim" / "workshop" / "app.py"
    assert _option(command, "--server.address") == "127.0.0.1"
    assert _option(command, "--server.port") == "8600"
    assert _option(command, "--browser.gatherUsageStats") == "false"
    assert _option(command, "--server.headless") == "true"  # open_browser=false
    assert _option(command, "--scenario") == "serial_chain" and _option(command, "--session") == str(tmp_path)


def test_a_scenario_file_is_opened_by_its_path(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text((ROOT / "scenarios" / "serial_chain.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    command = workshop_mode.workshop_command([f"scenario_file={path}"])
    assert _option(command, "--scenario") == str(path)
    assert _option(command, "--server.headless") == "false"  # open_browser's default: true


def test_scenario_options_of_the_command_line_reach_the_page(tmp_path):
    """``scenario.horizon=200`` changes the scenario the page opens: it is written to the session folder and opened
    by its path; the command line's disruptions are left to the room's cards, with a warning."""
    args = [
        "scenario=serial_chain",
        "scenario.horizon=200",
        f"workshop.session={tmp_path}",
        "disruption=supplier_outage",
    ]
    args += [
        f"disruption.supplier_outage.{k}={v}" for k, v in (("supplier", "factory"), ("start", 50), ("duration", 9))
    ]
    with pytest.warns(sim.SupplysimWarning, match="opens the scenario without disruptions"):
        command = workshop_mode.workshop_command(args)
    opened = sim.load_scenario(_option(command, "--scenario"))
    assert Path(_option(command, "--scenario")).parent == tmp_path.resolve()
    assert opened.horizon == 200 and opened.disruptions == []
    assert opened.nodes == sim.load_scenario("serial_chain").nodes


def test_the_pages_workers_wait_out_a_discussion():
    assert workshop_mode.page_environment({"PATH": "/bin"}) == {"PATH": "/bin", "SUPPLYSIM_POOL_IDLE": "1800"}
    assert workshop_mode.page_environment({"SUPPLYSIM_POOL_IDLE": "90"})["SUPPLYSIM_POOL_IDLE"] == "90"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["workshop.port=80"], "workshop.port: 80 is not a port for the page; allowed: 1024..65535"),
        (["workshop.n_jobs=0"], "workshop.n_jobs: 0 worker processes; allowed: 1 or more"),
        (["workshop.prot=8000"], "workshop.prot: no such key"),
    ],
)
def test_bad_workshop_settings_are_one_config_error(args, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        workshop_mode.workshop_command(["scenario=serial_chain", *args])


def test_without_streamlit_one_line_and_exit_code_2():
    proc = subprocess.run(
        [sys.executable, "-c", WITHOUT_STREAMLIT, "mode=workshop", "scenario=serial_chain"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    expected = 'supplysim: error: mode=workshop needs Streamlit, an extra: pip install "supplysim[workshop]"\n'
    assert proc.stderr == expected


def test_a_bad_scenario_fails_before_any_server_starts():
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "mode=workshop", "scenario_file=/no/such/file.yaml"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stderr.startswith("supplysim: error: scenario_file")
    assert "Traceback" not in proc.stderr and "streamlit" not in proc.stdout.lower()


def test_the_command_line_does_not_import_streamlit():
    code = "import sys, sim.cli.entry, sim.cli.workshop_mode; print('streamlit' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.stdout.strip() == "False", proc.stderr


def test_sim_run_refuses_mode_workshop():
    with pytest.raises(ConfigError, match="mode=workshop: the workshop page starts from the command line"):
        sim.run("serial_chain", ["mode=workshop"])
