"""``supplysim mode=workshop``: check the scenario and the ``workshop`` group, then serve the workshop page
(sim/workshop/app.py) with Streamlit on 127.0.0.1, as a subprocess.

Streamlit is an extra (``pip install ".[workshop]"``): it is looked for, never imported here, so ``supplysim --help``
and every other mode stay as fast as before. The page is offline by design: bound to 127.0.0.1, usage statistics off.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim import paths
from sim.cli.config import FILE_KEY, build_scenario, check_keys, compose_config
from sim.errors import ConfigError, warn
from sim.experiment.backends import POOL_IDLE
from sim.experiment.replication import baseline
from sim.scenario.loading import scenario_yaml
from sim.scenario.schema import Scenario
from sim.scenario.sources import load_scenario

APP = Path(__file__).resolve().parent.parent / "workshop" / "app.py"  # run by path: the CLI never imports the page


def workshop_command(overrides: list[str]) -> list[str]:
    """The ``streamlit run`` command line of the composed config (every input checked first)."""
    cfg = compose_config(None, overrides)
    check_keys(cfg)
    built = build_scenario(cfg)  # a bad scenario is one message now, not a broken page
    if importlib.util.find_spec("streamlit") is None:
        raise ConfigError('mode=workshop needs Streamlit, an extra: pip install "supplysim[workshop]"')
    ws = cfg.workshop
    port = int(ws.port)
    if not 1024 <= port <= 65535:
        raise ConfigError(f"workshop.port: {port} is not a port for the page; allowed: 1024..65535")
    if int(ws.n_jobs) < 1:
        raise ConfigError(f"workshop.n_jobs: {ws.n_jobs} worker processes; allowed: 1 or more")
    return [
        *(sys.executable, "-m", "streamlit", "run", str(APP)),
        *("--server.address", "127.0.0.1", "--server.port", str(port)),
        *("--server.headless", "false" if ws.open_browser else "true"),
        *("--browser.gatherUsageStats", "false", "--global.developmentMode", "false"),
        *("--server.fileWatcherType", "none", "--client.toolbarMode", "minimal"),
        "--",
        *("--scenario", page_scenario(cfg, built), "--session", str(Path(ws.session).resolve())),
        *("--jobs", str(int(ws.n_jobs))),
    ]


def scenario_source(cfg: DictConfig) -> str:
    """What the page opens: the user's file (``scenario_file=``) or the library scenario's name."""
    data: Any = OmegaConf.to_container(cfg.scenario, resolve=False) if cfg.get("scenario") is not None else {}
    return str(data.get(FILE_KEY) or data.get("name") or "consolidated_sourcing")


def page_scenario(cfg: DictConfig, built: Scenario) -> str:
    """What the page opens: the library name or the user's file, or, when the command line changed that scenario
    (``scenario.horizon=...``, ``policy=...``, ``demand=...``), the changed scenario written to the session folder. The
    room's cards are the page's disruptions: disruptions of the command line are left out, with a warning."""
    source = scenario_source(cfg)
    own = load_scenario(source)
    if built.disruptions != own.disruptions:
        warn("mode=workshop: the page opens the scenario without disruptions; the room adds them as cards")
    if baseline(own).to_dict() == baseline(built).to_dict():
        return source
    folder = paths.output_folder("workshop.session", cfg.workshop.session, ConfigError)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "scenario_from_command_line.yaml"
    with paths.atomic_path(path) as tmp:
        tmp.write_text(scenario_yaml(baseline(built).to_dict()), encoding="utf-8")
    return str(path.resolve())


IDLE_WORKERS = 1800  # seconds: the page's worker processes wait out a discussion between two what-ifs


def page_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The page's environment: its worker processes stay for half an hour when idle (unless ``SUPPLYSIM_POOL_IDLE``
    says otherwise), so the room's next what-if doesn't wait for new ones to start (~1.5 s)."""
    return {POOL_IDLE: str(IDLE_WORKERS), **env}


def serve(overrides: list[str]) -> int:
    """Serve the page until Ctrl-C; the exit code of Streamlit's server."""
    command = workshop_command(overrides)
    port = command[command.index("--server.port") + 1]
    print(f"supplysim workshop: http://127.0.0.1:{port} (Ctrl-C stops it)", flush=True)
    try:
        return subprocess.call(command, env=page_environment(os.environ))
    except KeyboardInterrupt:
        return 0
