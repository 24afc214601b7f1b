"""The workshop page's input widgets: disruption cards and mitigation levers, read into a :class:`WhatIf`.

The first card's widgets are keyed ``element``, ``start``, ``duration`` (``kind``, ``reveal``); card n > 1 adds
``_n`` (``element_2``). Streamlit marks each keyed element with the class ``st-key-<key>``.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from sim.scenario.schema import Scenario
from sim.workshop import layout
from sim.workshop.session import Session
from sim.workshop.whatif import CARD_KINDS, CARD_WORDS, Card, Lever, WhatIf, elements, stock_items

MAX_CARDS = 4
NONE = "(none)"


def _card(i: int, sc: Scenario, targets: dict[str, list[str]]) -> Card | None:
    suffix = "" if i == 0 else f"_{i + 1}"
    kinds = [k for k in CARD_KINDS if targets[k]]
    box = st.container(border=True, key=f"disruption_card{suffix}")
    head = box.columns([3, 1])
    kind = head[0].selectbox(
        f"Card {i + 1}", kinds, format_func=lambda k: CARD_WORDS[k], key=f"kind{suffix}", label_visibility="visible"
    )
    revealed = head[1].toggle("reveal", value=True, key=f"reveal{suffix}")
    where = box.expander("details (facilitator)", expanded=revealed) if not revealed else box
    cols = where.columns(3)
    target = cols[0].selectbox("Element", targets[kind], key=f"element{suffix}")
    start = cols[1].number_input(
        f"Start ({sc.period})", min_value=0.0, max_value=float(sc.horizon), value=float(min(90, sc.horizon // 4)),
        step=1.0, key=f"start{suffix}",
    )  # fmt: skip
    if kind == "random_outage":
        mtbf = cols[2].number_input("Mean time between failures", min_value=1.0, value=180.0, key=f"mtbf{suffix}")
        mttr = where.number_input("Mean time to repair", min_value=0.1, value=21.0, key=f"mttr{suffix}")
        card = Card(kind, str(target), start, None, mtbf, mttr, revealed)
    else:
        duration = cols[2].number_input(
            f"Duration ({sc.period}s)", min_value=1.0, value=42.0, step=1.0, key=f"duration{suffix}"
        )
        card = Card(kind, str(target), start, duration, revealed=revealed)
    box.caption(card.words(sc.period))
    return card


def _levers(sc: Scenario) -> list[Lever]:
    items = [f"{sku} at {node}" for node, sku in stock_items(sc)]
    by_label = {f"{sku} at {node}": (node, sku) for node, sku in stock_items(sc)}
    nodes = list(dict.fromkeys(node for node, _ in stock_items(sc)))
    stocked = {f"every item at {node}": (node, "") for node in nodes}  # the safety-stock lever: an item or a node
    suppliers = [n.id for n in sc.nodes if n.type == "supplier"]
    capped = [n.id for n in sc.nodes if n.type == "supplier" and getattr(n, "capacity", None) is not None]
    levers: list[Lever] = []
    with st.expander("Mitigation levers", expanded=False):
        c = st.columns(3)
        item = c[0].selectbox("More safety stock on", [NONE, *items, *stocked], key="ss_item")
        mode = c[1].radio("as", ["cover", "service_level"], horizontal=True, key="ss_mode",
                          format_func=lambda m: "periods of cover" if m == "cover" else "service level")  # fmt: skip
        value = c[2].number_input("periods / level", min_value=0.0, value=14.0 if mode == "cover" else 0.98,
                                  key=f"ss_value_{mode}")  # fmt: skip
        if item != NONE:
            node, sku = {**by_label, **stocked}[item]
            levers.append(Lever("safety_stock", node, sku, value=value, mode=mode))
        c = st.columns(3)
        item = c[0].selectbox("Backup supplier for", [NONE, *items], key="bk_item")
        supplier = c[1].selectbox("backup", suppliers, key="bk_supplier")
        share = c[2].slider("share (0: standby, failover)", 0.0, 0.9, 0.0, 0.05, key="bk_share")
        if item != NONE:
            node, sku = by_label[item]
            levers.append(Lever("backup", node, sku, supplier=supplier, value=share))
        c = st.columns(3)
        supplier = c[0].selectbox("Extra capacity at", [NONE, *capped], key="cap_supplier")
        factor = c[1].number_input("capacity ×", min_value=1.0, value=1.25, step=0.05, key="cap_factor")
        if supplier != NONE:
            levers.append(Lever("capacity", supplier=supplier, value=factor))
        if _has_expediting(sc):
            on = c[2].toggle("expediting", value=True, key="expediting")
            if not on:
                levers.append(Lever("expediting", value=0.0))
    return levers


def _has_expediting(sc: Scenario) -> bool:
    data: dict[str, Any] = sc.to_dict()
    rules = [r for n in data.get("nodes", []) for r in (n.get("sourcing") or {}).values()]
    return any(isinstance(r, dict) and r.get("rule") == "expedite" for r in rules)


def cards_and_levers(sc: Scenario, sess: Session) -> WhatIf:
    """The cards and levers on the page, as a what-if (the session's one if it runs the same)."""
    st.subheader("Disruption cards")
    n = st.session_state.setdefault("n_cards", 1)
    targets = elements(sc)
    cards = [c for i in range(n) if (c := _card(i, sc, targets)) is not None]
    add, remove, _ = st.columns([1, 1, 4])
    if add.button("Add a card", key="add_card", disabled=n >= MAX_CARDS):
        st.session_state.n_cards = n + 1
        st.rerun()
    if remove.button("Remove the last card", key="remove_card", disabled=n <= 1):
        st.session_state.n_cards = n - 1
        st.rerun()
    whatif = WhatIf(sess.next_name(), cards, _levers(sc), seed=sess.seed)
    same = layout.existing(sess.whatifs, whatif)
    if same is not None:
        for old, new in zip(same.cards, cards, strict=True):
            old.revealed = new.revealed  # the room sees what the facilitator revealed
        return same
    return whatif
