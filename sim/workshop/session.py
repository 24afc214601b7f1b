"""A workshop session on disk: which scenario is open, the what-ifs the room built and the ones pinned, so a workshop
resumes after a restart (``session.json`` in the session folder; each what-if's batch in its own folder beside it).

Also the export for the debrief: each pinned what-if as a standard run folder (report.html, CSVs: exactly what its
"reproduce" command writes) plus PNGs of its charts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.workshop.whatif import WhatIf

MAX_PINNED = 4
SESSION_FILE = "session.json"


@dataclass
class Session:
    """The state worth keeping: the scenario (a library name or a file), the seed, every what-if (by name), the
    pinned names (at most four), the projector switch."""

    scenario: str = "consolidated_sourcing"
    seed: int = 0
    whatifs: dict[str, WhatIf] = field(default_factory=dict)
    pinned: list[str] = field(default_factory=list)
    projector: bool = False

    def pin(self, whatif: WhatIf) -> str | None:
        """Pin a what-if; the answer is a message when it can't be (four are pinned already)."""
        if whatif.name in self.pinned:
            return None
        if len(self.pinned) >= MAX_PINNED:
            return f"at most {MAX_PINNED} what-ifs side by side: unpin one first"
        self.whatifs[whatif.name] = whatif
        self.pinned.append(whatif.name)
        return None

    def unpin(self, name: str) -> None:
        if name in self.pinned:
            self.pinned.remove(name)

    def next_name(self) -> str:
        n = 1
        while f"what-if {n}" in self.whatifs:
            n += 1
        return f"what-if {n}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "whatifs": {k: w.to_dict() for k, w in self.whatifs.items()},
            "pinned": list(self.pinned),
            "projector": self.projector,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        whatifs = {k: WhatIf.from_dict(w) for k, w in (data.get("whatifs") or {}).items()}
        pinned = [p for p in data.get("pinned") or [] if p in whatifs][:MAX_PINNED]
        return cls(str(data.get("scenario") or "consolidated_sourcing"), int(data.get("seed") or 0), whatifs, pinned,
                   bool(data.get("projector")))  # fmt: skip


def save(session: Session, folder: Path) -> Path:
    """Write ``session.json`` atomically (a crash mid-write keeps the previous one)."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"{SESSION_FILE}.tmp"
    tmp.write_text(json.dumps(session.to_dict(), indent=2), encoding="utf-8")
    tmp.replace(folder / SESSION_FILE)
    return folder / SESSION_FILE


def load(folder: Path) -> Session | None:
    """The saved session, or None (none yet, or unreadable: a fresh one starts)."""
    path = folder / SESSION_FILE
    try:
        return Session.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def whatif_folder(root: Path, scenario_key: str, whatif: WhatIf) -> Path:
    """Where a what-if's scenario file and batch live: one folder per scenario and what-if content, so an edited
    what-if never resumes another's batch."""
    from sim.workshop.compute import key_of  # deferred: keeps this module free of the engine for the page's start

    data = {**whatif.to_dict(), "name": "", "replications": 0}
    data["cards"] = [{**c, "revealed": True} for c in data["cards"]]  # revealing a card changes no number
    return root / "whatifs" / f"{scenario_key}-{key_of(data)}"
