"""What the workshop page shows, as plain data: the result cards' keys, the leaderboard of pinned what-ifs, the
projector's style, names of keyed elements. No Streamlit here (tested without it)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from sim.report.formatting import format_estimate
from sim.workshop.compute import Outcome
from sim.workshop.whatif import WhatIf

CARD_KEYS = ("card_fill_delta", "card_cost_delta", "card_revenue_at_risk", "card_tts", "card_ttr")
RANK_BY = {"cost": "card_cost_delta", "revenue at risk": "card_revenue_at_risk"}

BASE_CSS = """
<style>
[class*="st-key-card_"] [data-testid="stMetricValue"] { font-size: 1.35rem; }
</style>
"""
# projector mode: large type, high contrast (black on white, thick borders), for the back of the room
PROJECTOR_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"], [data-testid="stSidebar"] { background: #ffffff !important; }
[data-testid="stAppViewContainer"] * { color: #000000 !important; }
[data-testid="stAppViewContainer"] p, [data-testid="stAppViewContainer"] label,
[data-testid="stAppViewContainer"] li { font-size: 1.45rem !important; }
[data-testid="stAppViewContainer"] h1 { font-size: 3.2rem !important; }
[data-testid="stAppViewContainer"] h2, [data-testid="stAppViewContainer"] h3 { font-size: 2.2rem !important; }
[data-testid="stAppViewContainer"] [data-testid="stMetricValue"],
[data-testid="stAppViewContainer"] [data-testid="stMetricValue"] p {
  font-size: 2.4rem !important; font-weight: 700 !important;
}
[data-testid="stAppViewContainer"] [data-testid="stMetricLabel"] p { font-size: 1.4rem !important; }
[class*="st-key-card_"] { border: 3px solid #000000 !important; }
[data-testid="stAppViewContainer"] input, [data-testid="stAppViewContainer"] [data-baseweb="select"] * {
  font-size: 1.3rem !important;
}
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
</style>
"""


def css(projector: bool) -> str:
    """The page's style: the cards' size; with ``projector`` large type and high contrast."""
    return BASE_CSS + (PROJECTOR_CSS if projector else "")


def slug(name: str) -> str:
    """A widget key from a what-if's name (``what-if 2`` -> ``what-if_2``)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name)


def split(text: str) -> tuple[str, str]:
    """A card's text as its headline and the rest: ``58.0 [52.0, 73.0] days; 20% never dropped`` ->
    (``58.0 days``, ``[52.0, 73.0]; 20% never dropped``), and ``0 days (service stayed within tolerance)`` ->
    (``0 days``, ``(service stayed within tolerance)``), so the big number fits its card."""
    words = ""
    said = re.match(r"^(.*?) (\([^()]*\))$", text)
    if said is not None:
        text, words = said.groups()
    m = re.match(r"^(.*?) (\[[^\]]*\])\s*([^;]*)(.*)$", text)
    if m is None:
        return text, words
    value, ci, unit, rest = m.groups()
    return f"{value} {unit}".strip(), " ".join(x for x in (f"{ci}{rest}", words) if x)


def estimate(kpi: str, row: Any) -> str:
    return format_estimate(kpi, row["mean"], row["ci_low"], row["ci_high"])


def leaderboard(outcomes: Sequence[Outcome], by: str) -> pd.DataFrame:
    """The pinned what-ifs, best first by Δ cost or revenue at risk (the smaller the better)."""
    key = RANK_BY[by]
    rows = []
    for out in outcomes:
        value = out.numbers.get(key, math.nan)
        rows.append(
            {
                "what-if": out.whatif.name,
                "answer": out.sentence,
                "Δ cost": out.cards.get("card_cost_delta", {}).get("value", "–"),
                "revenue at risk": out.cards.get("card_revenue_at_risk", {}).get("value", "–"),
                "n": out.n,
                "_sort": value if math.isfinite(value) else math.inf,
            }
        )
    frame = pd.DataFrame(rows, columns=["what-if", "answer", "Δ cost", "revenue at risk", "n", "_sort"])
    frame = frame.sort_values("_sort", kind="stable").drop(columns="_sort").reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


def card_columns(projector: bool) -> list[int]:
    """How many cards a row holds: five side by side, or in projector mode (large type) three then two."""
    return [3, 2] if projector else [5]


def content(whatif: WhatIf) -> dict[str, Any]:
    """What makes two what-ifs the same run (not their names, replications or which cards are revealed)."""
    data = whatif.to_dict()
    data.pop("name")
    data.pop("replications")
    data["cards"] = [{k: v for k, v in c.items() if k != "revealed"} for c in data["cards"]]
    return data


def existing(whatifs: dict[str, WhatIf], whatif: WhatIf) -> WhatIf | None:
    """The what-if of the session that runs the same as ``whatif`` (re-running it refines nothing away)."""
    mine = content(whatif)
    return next((w for w in whatifs.values() if content(w) == mine), None)
