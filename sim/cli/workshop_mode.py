"""``supplysim mode=workshop``: check the scenario and the ``workshop`` group, then serve the workshop page
(sim/workshop/app.py) with Streamlit on 127.0.0.1, as a subprocess.

Streamlit is an extra (``pip install ".[workshop]"``): it is looked for, never imported here, so ``supplysim --help``
and every other mode stay as fast as before. The page is offline by design: bound to 127.0.0.1, usage statistics off.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.cli.config import FILE_KEY, build_scenario, check_keys, compose_config
from sim.errors import ConfigError

APP = Path(__file__).resolve().parent.parent / "workshop" / "app.py"  # run by path: the CLI never imports the page


def workshop_command(overrides: list[str]) -> list[str]:
    """The ``streamlit run`` command line of the composed config (every input checked first)."""
    cfg = compose_config(None, overrides)
    check_keys(cfg)
    build_scenario(cfg)  # a bad scenario is one message now, not a broken page
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
        *("--scenario", scenario_source(cfg), "--session", str(Path(ws.session).resolve())),
        *("--jobs", str(int(ws.n_jobs))),
    ]


def scenario_source(cfg: DictConfig) -> str:
    """What the page opens: the user's file (``scenario_file=``) or the library scenario's name."""
    data: Any = OmegaConf.to_container(cfg.scenario, resolve=False) if cfg.get("scenario") is not None else {}
    return str(data.get(FILE_KEY) or data.get("name") or "consolidated_sourcing")


def serve(overrides: list[str]) -> int:
    """Serve the page until Ctrl-C; the exit code of Streamlit's server."""
    command = workshop_command(overrides)
    port = command[command.index("--server.port") + 1]
    print(f"supplysim workshop: http://127.0.0.1:{port} (Ctrl-C stops it)", flush=True)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0
