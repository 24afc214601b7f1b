"""Policy presets: apply one ordering policy to many nodes of any scenario, sized from the scenario's own data.

``supplysim policy=base_stock`` replaces the policies of the targeted stock items with a base-stock level
``mu*L + z*sigma*sqrt(L)``, where ``mu``/``sigma^2`` are the mean/variance of demand per period the item faces and
``L`` its expected replenishment lead time (the share-weighted promised lead time of its sources). Demand faced by an
upstream buffer is the share-weighted sum of what its downstream items face (means add; variances are added as if
independent, which ignores the bullwhip effect). At a plant, components face ``q ×`` their finished goods' demand
(sim.scenario.bom) over their suppliers' lead times, and a finished good made to stock is sized on its production
time plus the expected wait for a kit with its components sized alike (sim.scenario.safety_stock.kit_wait).
Timing: an order placed at t arrives before demand of t + L, so a continuous policy covers L periods and a periodic
one R + L (docs/timing.md).

| kind                  | sizing                                                        |
|-----------------------|---------------------------------------------------------------|
| base_stock            | level = ceil(mu L + z sigma sqrt(L))                          |
| s_S                   | s = ceil(mu L + z sigma sqrt(L)),  S = s + max(1, ceil(mu R)) |
| s_Q                   | s as above,  Q = max(1, ceil(mu R))                           |
| periodic_order_up_to  | S = ceil(mu (R+L) + z sigma sqrt(R+L)), review every R        |
| periodic_s_S          | s = ceil(mu (R+L) + z sigma sqrt(R+L)), S = s + ceil(mu R)    |
| forecast_order_up_to  | coverage R + L, initial forecast mu, fixed safety stock        |
|                       | ceil(mu (R+L) + z sigma sqrt(R+L)) - mu (R+L), review every R |
| sterman, pass_through | initial forecast mu                                           |

``params`` given explicitly replace the sized value of the same name; a mapping gives one value per product
(``policy.params.order_up_to={valve: 120, pump: 80}``; products it leaves out keep their sized value). A policy
without a sizing rule takes its parameters from ``params`` alone. So a preset like ``conf/policy/sterman.yaml`` fixes
the behavioural parameters and gets each item's initial forecast sized.
"""

from __future__ import annotations

from typing import Any

from sim.errors import ConfigError
from sim.policy.kinds import POLICIES
from sim.scenario.bom import finished_first
from sim.scenario.loading import validate
from sim.scenario.moments import demand_moments, lead_time
from sim.scenario.safety_stock import item_lead_moments
from sim.scenario.schema import PlantNode, Scenario, StockNode


def size(kind: str, mean: float, var: float, lead: float, review: float, z: float) -> dict[str, float]:
    """Policy parameters for one item: each policy class sizes itself (``Policy.size``; table above)."""
    try:
        return POLICIES[kind].size(mean, var, lead, review, z)
    except NotImplementedError:
        raise ConfigError(f"policy.kind: no sizing rule for {kind!r}; give policy.params explicitly") from None


def _targets(sc: Scenario, apply_to: str | list[str]) -> set[str]:
    """The stock nodes ``apply_to`` names: ``all``, ``retailers``, ``buffers`` or a list of node ids."""
    stock_ids = [n.id for n in sc.nodes if isinstance(n, StockNode)]
    if apply_to == "all":
        return set(stock_ids)
    if apply_to in ("retailers", "buffers"):
        return {n.id for n in sc.nodes if n.type == apply_to[:-1]}
    targets = set(apply_to if isinstance(apply_to, list | tuple) else [apply_to])
    unknown = targets - set(stock_ids)
    if unknown:
        raise ConfigError(
            f"policy.apply_to: unknown stock node(s) {', '.join(sorted(unknown))}; "
            f"use all, retailers, buffers or node ids: {', '.join(stock_ids)}"
        )
    return targets


def _check_params(sc: Scenario, params: dict[str, Any] | None) -> None:
    """A mapping in ``params`` gives one value per product: its keys must be products."""
    products = [p.id for p in sc.products]
    for key, value in (params or {}).items():
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(products))
            if unknown:
                raise ConfigError(
                    f"policy.params.{key}: unknown product(s) {', '.join(map(str, unknown))}; products: "
                    f"{', '.join(products)}"
                )


def _item_policy(
    kind: str, sku: str, sizing: tuple[float, float, float, float, float], params: dict[str, Any] | None
) -> dict[str, Any]:
    """One item's policy: sized from ``sizing`` (mean, variance, lead time, review period, safety factor), then the
    explicit ``params`` (a value, or a mapping with one per product) win."""
    try:
        chosen = size(kind, *sizing)
    except ConfigError:
        if not params:
            raise
        chosen = {}  # no sizing rule: the explicit params are the whole policy
    for key, value in (params or {}).items():
        if not isinstance(value, dict):
            chosen[key] = value
        elif sku in value:
            chosen[key] = value[sku]
    return {"kind": kind, **chosen}


def apply_policy(
    sc: Scenario,
    kind: str | None,
    *,
    apply_to: str | list[str] = "all",
    review_period: float = 7.0,
    safety_factor: float = 1.65,
    params: dict[str, Any] | None = None,
) -> Scenario:
    """A copy of ``sc`` whose targeted items use policy ``kind`` (``None`` keeps the scenario's policies).

    ``apply_to``: ``all``, ``retailers``, ``buffers`` or a list of node ids.
    """
    if kind is None:
        return sc
    if kind not in POLICIES:
        raise ConfigError(f"policy.kind: unknown policy {kind!r}; known: {', '.join(POLICIES)}")
    targets = _targets(sc, apply_to)
    _check_params(sc, params)
    moments = demand_moments(sc)
    data = sc.to_dict()
    for node_data, node in zip(data["nodes"], sc.nodes, strict=True):
        if node.id not in targets or not isinstance(node, StockNode):
            continue
        for sku in node.sources:
            mean, var = moments[node.id, sku]
            lead = lead_time(sc, node, sku)
            node_data["policy"][sku] = _item_policy(kind, sku, (mean, var, lead, review_period, safety_factor), params)
        if isinstance(node, PlantNode):  # finished goods made to stock, once their components are sized
            pols = node_data["policy"]

            def z_of(c: str, pols: dict = pols) -> tuple[float, float]:
                return safety_factor, float(pols.get(c, {}).get("review_period", 0.0))

            for sku in (s for s in finished_first(node)[::-1] if s in node.bom and not node.to_order(s)):
                mean, var = moments[node.id, sku]
                lead = item_lead_moments(sc, node, sku, moments, z_of)[0]
                pols[sku] = _item_policy(kind, sku, (mean, var, lead, review_period, safety_factor), params)
    return validate(data, source=f"scenario {sc.name!r} with policy {kind!r}")
