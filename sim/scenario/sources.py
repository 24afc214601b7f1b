"""Where a scenario comes from: ``load_scenario`` takes a Scenario, a dict, a library name, a YAML file, an Excel
workbook or a folder of CSV files, and returns the validated Scenario (the same checks for every source).

:func:`locate` is the one place a string or path given as a scenario is told apart: a file or folder on disk, a
library name, or something else (YAML text passed where a path belongs, a URL, a path the file system refuses), each
refused with one error naming the argument."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

from sim import paths
from sim.arguments import refuse, shown
from sim.errors import ArgumentError, ScenarioError
from sim.scenario.loading import library, read_yaml, validate
from sim.scenario.schema import Scenario
from sim.scenario.tables.files import is_table_source
from sim.scenario.tables.reading import load_tables

ACCEPTS = "a library name, a path to a YAML file, workbook or CSV folder, a dict or a Scenario"
_YAML_TEXT = re.compile(r"^\s*(\{|-\s|[\w.-]+\s*:(\s|$))")  # a mapping, a list, or `key: value` at the start


def load_scenario(src: str | Path | dict[str, Any] | Scenario) -> Scenario:
    """A Scenario from a model, a dict, a YAML file, a workbook or CSV folder, or the name of a library scenario."""
    if isinstance(src, Scenario):
        return src
    if isinstance(src, dict):
        return validate(src)
    path = locate(src)
    if is_table_source(path):  # a workbook or a folder of CSV files (docs/spreadsheets.md)
        return load_tables(path)
    return validate(read_yaml(path), base_dir=path.parent, source=str(path))


def locate(src: Any, setting: str = "scenario") -> Path:
    """The file or folder a scenario given by name or path is read from (a library name gives its YAML file).

    Refused, naming ``setting``: anything but a string or path (``ArgumentError``), YAML text given where a path
    belongs (``ArgumentError``: pass a dict), a URL or an unknown ``~user`` (``ArgumentError``), a path the file
    system refuses (a link loop, a name too long, a path through a file: ``ScenarioError``) and a name that is
    neither a file nor a library scenario (``ScenarioError``)."""
    if not isinstance(src, str | os.PathLike) or not isinstance(os.fspath(src), str):
        raise refuse(setting, ACCEPTS, src)
    text = os.fspath(src)
    lib = library()
    if isinstance(src, str) and text in lib and "/" not in text and not Path(text).exists():
        return lib[text]
    if isinstance(src, str) and ("\n" in text or _YAML_TEXT.match(text)) and not os.path.lexists(text):
        raise ArgumentError(
            f"{setting}: this is YAML text, not a path or a library name; pass the data as a dict "
            f"(yaml.safe_load(text)) or save it to a file; got {shown(text)}"
        )
    path = paths.user_path(setting, src, ArgumentError)
    st = paths.status(setting, path, ScenarioError)
    if st is None and (os.sep in text or "/" in text or path.suffix):
        raise ScenarioError(f"{setting}: no such file or folder: {paths.shown(path)}")
    if st is None:
        raise ScenarioError(f"{setting} {text!r} is neither a file nor a library scenario; known: {', '.join(lib)}")
    if stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode):
        return path
    raise ScenarioError(f"{setting}: {paths.shown(path)} is neither a file nor a folder")
