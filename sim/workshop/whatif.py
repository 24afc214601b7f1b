"""A workshop's what-if as plain data: disruption cards and mitigation levers, what they do to the scenario, how
they read in words and the command line that reproduces them.

No Streamlit here: the page (sim/workshop/app.py) only draws what this module and its siblings compute.
"""

from __future__ import annotations

import copy
import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.report.what_if import describe
from sim.scenario.moments import demand_moments
from sim.scenario.schema import Scenario
from sim.scenario.targets import facilities, regional_targets

# a card's kind -> the element it names (the field of the disruption spec)
CARD_KINDS = {
    "supplier_outage": "supplier",
    "lane_closure": "lane",
    "regional_event": "region",
    "facility_outage": "node",
    "random_outage": "supplier",
}
CARD_WORDS = {
    "supplier_outage": "supplier down",
    "lane_closure": "lane closed",
    "regional_event": "regional event",
    "facility_outage": "facility closed",
    "random_outage": "random outages",
}
LEVER_KINDS = ("safety_stock", "backup", "capacity", "expediting")
LEVEL_KEYS = ("level", "s", "S", "order_up_to")  # the policy parameters a cover lever raises


@dataclass
class Card:
    """One disruption card: ``target`` is the element (a supplier, lane, region or facility id); a random outage
    has mean times to failure and repair instead of a window. ``revealed`` False: the room sees only "card n"."""

    kind: str = "supplier_outage"
    target: str = ""
    start: float = 90.0
    duration: float | None = 42.0
    mtbf: float = 180.0
    mttr: float = 21.0
    revealed: bool = True

    def spec(self) -> dict[str, Any]:
        """The disruption as scenario data (docs/disruptions.md)."""
        if self.kind not in CARD_KINDS:
            raise ScenarioError(f"card kind: {self.kind!r} is not a card; allowed: {', '.join(CARD_KINDS)}")
        if self.kind == "random_outage":
            return {
                "kind": "random_outage",
                "supplier": self.target,
                "time_to_failure": {"dist": "exponential", "mean": float(self.mtbf)},
                "repair_time": {"dist": "exponential", "mean": float(self.mttr)},
                "start": float(self.start),
            }
        spec: dict[str, Any] = {"kind": self.kind, CARD_KINDS[self.kind]: self.target, "start": float(self.start)}
        spec["duration"] = None if self.duration is None else float(self.duration)
        return spec

    def words(self, period: str = "day", *, shown: bool | None = None) -> str:
        """The card in words (sim.report.what_if.describe), or only its kind while it is hidden from the room."""
        visible = self.revealed if shown is None else shown
        return describe(self.spec(), period) if visible else f"{CARD_WORDS.get(self.kind, self.kind)}: (not revealed)"


@dataclass
class Lever:
    """One mitigation: ``safety_stock`` on item (``node``, ``sku``), or on every item of ``node`` with ``sku`` ""
    (``mode`` cover: ``value`` periods of mean demand on top of the item's levels; service_level: ``value`` the cycle
    service level), ``backup`` (a source ``supplier`` for the item: ``value`` its
    share, 0 = standby behind a failover rule), ``capacity`` (``supplier``'s capacity × ``value``), ``expediting``
    (``value`` 1 keeps the scenario's expedite rules, 0 sends every order on the regular lane)."""

    kind: str = "safety_stock"
    node: str = ""
    sku: str = ""
    supplier: str = ""
    value: float = 0.0
    mode: str = "cover"

    def words(self) -> str:
        what = f"{self.sku} at {self.node}" if self.sku else f"every item at {self.node}"
        if self.kind == "safety_stock" and self.mode == "service_level":
            return f"{what}: service level {self.value:.0%}"
        if self.kind == "safety_stock":
            return f"{what}: +{self.value:g} periods of cover"
        if self.kind == "backup":
            how = "standby backup (failover)" if self.value == 0 else f"split {self.value:.0%}"
            return f"{self.sku} at {self.node}: {self.supplier} as {how}"
        if self.kind == "capacity":
            return f"{self.supplier}: capacity × {self.value:g}"
        return "expediting " + ("on" if self.value else "off")


@dataclass
class WhatIf:
    """Cards and levers on one scenario; ``seed`` and ``replications`` of its batch."""

    name: str = "what-if 1"
    cards: list[Card] = field(default_factory=list)
    levers: list[Lever] = field(default_factory=list)
    seed: int = 0
    replications: int = 20

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WhatIf:
        cards = [Card(**c) for c in data.get("cards", [])]
        levers = [Lever(**lv) for lv in data.get("levers", [])]
        rest = {k: v for k, v in data.items() if k not in ("cards", "levers")}
        return cls(cards=cards, levers=levers, **rest)

    def words(self, period: str = "day") -> list[str]:
        return [c.words(period) for c in self.cards] + [lv.words() for lv in self.levers]


def elements(sc: Scenario) -> dict[str, list[str]]:
    """What a card may name, per card kind: suppliers, lanes, regions with something to hit, facilities
    (sim.scenario.targets: every node type a facility outage may close)."""
    suppliers = [n.id for n in sc.nodes if n.type == "supplier"]
    regions = sorted({n.region for n in sc.nodes if n.region} | {ln.region for ln in sc.lanes if ln.region})
    return {
        "supplier_outage": suppliers,
        "lane_closure": [ln.id for ln in sc.lanes],
        "regional_event": [r for r in regions if any(regional_targets(sc, r))],
        "facility_outage": facilities(sc),
        "random_outage": suppliers,
    }


def stock_items(sc: Scenario) -> list[tuple[str, str]]:
    """(node, sku) of every stock item with a policy: what a safety-stock or backup lever acts on."""
    return [(n.id, sku) for n in sc.nodes if n.type != "supplier" for sku in (getattr(n, "policy", None) or {})]


def apply(base: dict[str, Any], whatif: WhatIf) -> dict[str, Any]:
    """The scenario data of a what-if: the base scenario (``Scenario.to_dict()``, without disruptions of its own
    kept) plus its cards as disruptions and its levers as edits. Validation is the caller's (sim.load_scenario)."""
    data = copy.deepcopy(base)
    data["disruptions"] = [c.spec() for c in whatif.cards]
    nodes = {n["id"]: n for n in data.get("nodes", [])}
    for lever in whatif.levers:
        _apply_lever(data, nodes, lever)
    return data


def _node(nodes: dict[str, dict[str, Any]], node_id: str, field_name: str) -> dict[str, Any]:
    if node_id not in nodes:
        raise ScenarioError(f"lever {field_name}: no node {node_id!r}; known: {', '.join(nodes)}")
    return nodes[node_id]


def _apply_lever(data: dict[str, Any], nodes: dict[str, dict[str, Any]], lever: Lever) -> None:
    if lever.kind == "safety_stock":
        _safety_stock(data, _node(nodes, lever.node, "node"), lever)
    elif lever.kind == "backup":
        _qualify(_node(nodes, lever.supplier, "supplier"), lever.sku)
        _backup(_node(nodes, lever.node, "node"), lever)
    elif lever.kind == "capacity":
        sup = _node(nodes, lever.supplier, "supplier")
        cap = sup.get("capacity")
        if isinstance(cap, dict):
            sup["capacity"] = {k: float(v) * lever.value for k, v in cap.items()}
        elif cap is not None:
            sup["capacity"] = float(cap) * lever.value
    elif lever.kind == "expediting":
        if not lever.value:
            for node in nodes.values():
                _expediting_off(node)
    else:
        raise ScenarioError(f"lever kind: {lever.kind!r} is not a lever; allowed: {', '.join(LEVER_KINDS)}")


def _policy(node: dict[str, Any], sku: str) -> dict[str, Any]:
    policy = (node.get("policy") or {}).get(sku)
    if not isinstance(policy, dict):
        raise ScenarioError(f"lever sku: {node['id']} has no policy for {sku!r}; known: {', '.join(node['policy'])}")
    return policy


def _safety_stock(data: dict[str, Any], node: dict[str, Any], lever: Lever) -> None:
    skus = [lever.sku] if lever.sku else [s for s, p in (node.get("policy") or {}).items() if isinstance(p, dict)]
    if not skus:
        raise ScenarioError(f"lever node: {node['id']} has no stock item with a policy to add safety stock to")
    policies = {sku: _policy(node, sku) for sku in skus}
    if lever.mode == "service_level":
        for policy in policies.values():
            for key in ("level", "s", "order_up_to"):  # the level a service level sets, whichever the kind has
                policy.pop(key, None)
            policy["service_level"] = float(lever.value)
        return
    from sim.scenario.loading import validate  # deferred: the mean demand needs the validated scenario

    moments = demand_moments(validate(data))
    for sku, policy in policies.items():
        extra = float(lever.value) * moments[node["id"], sku][0]
        for key in LEVEL_KEYS:
            if isinstance(policy.get(key), int | float):
                policy[key] = float(policy[key]) + extra


def _qualify(supplier: dict[str, Any], sku: str) -> None:
    """A backup supplier is qualified for the item: it carries the product (its ``products``, the keys of a capacity
    per product: unlimited for it) and makes it in the time it makes its first product (a production time per
    product)."""
    cap = supplier.get("capacity")
    products = supplier.get("products") or (list(cap) if isinstance(cap, dict) else None)
    if products is not None and sku not in products:
        supplier["products"] = [*products, sku]
    made = supplier.get("production_time")
    if isinstance(made, dict) and "dist" not in made and sku not in made and made:
        made[sku] = copy.deepcopy(next(iter(made.values())))


def _backup(node: dict[str, Any], lever: Lever) -> None:
    sources = (node.get("sources") or {}).get(lever.sku)
    if not sources:
        raise ScenarioError(f"lever sku: {node['id']} buys no {lever.sku!r}")
    share = float(lever.value)
    for s in sources:
        s["share"] = float(s.get("share", 1.0)) * (1.0 - share)
    sources.append({"node": lever.supplier, "share": share})
    if share == 0:
        primary = sources[0].get("lane") or sources[0]["node"]
        node.setdefault("sourcing", {})[lever.sku] = {"rule": "failover", "primary": primary, "backup": lever.supplier}


NEVER = -1e15  # an inventory position no item reaches: an expedite rule with this trigger never expedites


def _expediting_off(node: dict[str, Any]) -> None:
    """Every ``expedite`` rule of the node sends its orders to the regular lane (a trigger it never falls below)."""
    for rule in (node.get("sourcing") or {}).values():
        if isinstance(rule, dict) and rule.get("rule") == "expedite":
            rule["trigger"] = NEVER


def mean_demand(sc: Scenario, node: str, sku: str) -> float:
    """Mean demand per period the item faces (customer demand plus orders from downstream)."""
    return demand_moments(sc)[node, sku][0]


def command(scenario_file: str | Path, whatif: WhatIf) -> str:
    """The command line that reruns a what-if from its scenario file and gives identical KPI tables."""
    path = shlex.quote(str(scenario_file))
    return f"supplysim scenario_file={path} mc.replications={whatif.replications} mc.seed={whatif.seed}"
