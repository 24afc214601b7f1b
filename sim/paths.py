"""Paths a user gives (``scenario_file``, ``hydra.run.dir``, ``export.path``, ``out_dir``, a demand ``file:``):
checked before anything is read or written, so that every file-system problem is one error naming the setting and
the path instead of an ``OSError`` from deep inside a library.

What is refused, with the reason in words: not a string or path, an empty string, a URL (``https://...``), ``~user``
for a user that does not exist, a NUL character, a symbolic link loop, a name too long for the file system, a path
through a file (``a.yaml/x``), a folder without permission, a read-only file system. The caller picks the error
class: ``ConfigError`` for a command-line setting, ``ScenarioError`` for a file a scenario names, ``ArgumentError``
for a Python argument.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.errors import ArgumentError

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_REASONS = {
    errno.ENOENT: "no such file or folder",
    errno.ELOOP: "a symbolic link loop",
    errno.ENAMETOOLONG: "the name is too long for the file system",
    errno.ENOTDIR: "a part of the path is a file, not a folder",  # the file is named when it can be found
    errno.EACCES: "no permission",
    errno.EPERM: "no permission",
    errno.EROFS: "a read-only file system",
    errno.EISDIR: "a folder, not a file",
}
LONG = 120  # a longer path is shown shortened in messages


def shown(path: Any) -> str:
    """A path for a message: as given, the middle cut out of a very long one."""
    text = str(path)
    return text if len(text) <= LONG else f"{text[:70]}...{text[-40:]}"


def reason(exc: BaseException) -> str:
    """What went wrong, in words, for an ``OSError`` (or the message of anything else)."""
    if isinstance(exc, OSError):
        return _REASONS.get(exc.errno or -1) or exc.strerror or str(exc)
    return str(exc)


def user_path(setting: str, value: Any, error: type[Exception] = ArgumentError, *, base: Path | None = None) -> Path:
    """The path a user gave for ``setting``: a string or ``os.PathLike``, not empty, not a URL, ``~`` expanded;
    relative to ``base`` if given (else to the working directory, unchanged). Not resolved: symbolic links stay."""
    if isinstance(value, bytes) or not isinstance(value, str | os.PathLike):
        raise error(f"{setting}: a path (a string or pathlib.Path); got {value!r:.60}")
    text = os.fspath(value)
    if not isinstance(text, str) or not text.strip():
        raise error(f"{setting}: a path (a string or pathlib.Path); got {text!r:.60}")
    if "\0" in text:
        raise error(f"{setting}: {shown(text)!r} holds a NUL character; not a path")
    if _URL.match(text):
        raise error(f"{setting}: {shown(text)} is a URL; give a path on this machine (download the file first)")
    try:
        path = Path(text).expanduser()
    except RuntimeError:  # ~someone for a user this machine does not know, or no home folder
        user = text.split("/", 1)[0]
        raise error(f"{setting}: can't expand {user!r} in {shown(text)}: no such user (or no home folder)") from None
    return base / path if base is not None and not path.is_absolute() else path


def existing(setting: str, path: Path, error: type[Exception], *, what: str = "file or folder") -> os.stat_result:
    """``os.stat`` of a path that must exist; every failure (missing, loop, too long, through a file, no
    permission) is ``error`` naming the setting and the path."""
    st = status(setting, path, error, verb="read")
    if st is None:
        raise error(f"{setting}: no such {what}: {shown(path)}")
    return st


def status(setting: str, path: Path, error: type[Exception], *, verb: str = "use") -> os.stat_result | None:
    """``os.stat`` of a path, None if nothing is there; a failure other than "missing" is ``error`` saying that the
    path can't be ``verb``-ed ("use", "read", "create") and why."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        if os.path.lexists(path):
            raise error(f"{setting}: {shown(path)} is a symbolic link to nothing") from None
        return None
    except NotADirectoryError:
        here = Path(os.path.abspath(path))
        blocker = next((p for p in reversed(here.parents) if os.path.isfile(p)), None)
        if blocker is not None:
            raise error(f"{setting}: can't {verb} {shown(path)}: {shown(blocker)} is a file, not a folder") from None
        raise error(f"{setting}: can't {verb} {shown(path)}: {_REASONS[errno.ENOTDIR]}") from None
    except (OSError, ValueError) as exc:
        raise error(f"{setting}: can't {verb} {shown(path)}: {reason(exc)}") from None


def output_folder(setting: str, value: Any, error: type[Exception] = ArgumentError) -> Path:
    """An output folder: a folder this process may write in, or one it can create (the nearest existing ancestor is
    a folder it may write in). Nothing is created here."""
    path = user_path(setting, value, error)
    here = Path(os.path.abspath(path))
    st = status(setting, here, error, verb="create")
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise error(f"{setting}: {shown(path)} is a file, not a folder")
    while st is None:
        here = here.parent
        st = status(setting, here, error, verb="create")
        if st is not None and not stat.S_ISDIR(st.st_mode):
            raise error(f"{setting}: can't create {shown(path)}: {shown(here)} is a file, not a folder")
    writable(setting, path, here, error)
    return path


def output_file(setting: str, value: Any, error: type[Exception] = ArgumentError) -> Path:
    """A new file or folder to write (``export.path``): its folder is an output folder; what is at the path itself
    (a file, a folder) is for the caller to judge, but a link loop or a name too long is refused here."""
    path = user_path(setting, value, error)
    status(setting, Path(os.path.abspath(path)), error, verb="create")
    output_folder(setting, Path(os.path.abspath(path)).parent, error)
    return path


def writable(setting: str, path: Path, folder: Path, error: type[Exception]) -> None:
    """``folder`` (the existing part of ``path``) accepts new files."""
    if not os.access(folder, os.W_OK | os.X_OK):
        raise error(f"{setting}: can't create {shown(path)}: no permission to write in {shown(folder)}")
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # statvfs is POSIX only
        read_only = False
    if read_only:
        raise error(f"{setting}: can't create {shown(path)}: {shown(folder)} is on a read-only file system")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``path``; rename it to ``path`` if the block succeeds, delete it otherwise."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
