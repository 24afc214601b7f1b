"""Lead-time-aware safety stock: reorder points and order-up-to levels from a target cycle service level.

With demand per period of mean μ_D and variance σ_D², a lead time of mean L and variance σ_L² (periods, independent
of demand) and a protection period P = L for continuous review (R + L for periodic review every R), the demand over
the protection period has mean μ_D·P and variance P·σ_D² + μ_D²·σ_L². A level that this demand stays below with
probability α (the **cycle service level**: the chance of no stockout in a replenishment cycle, under a normal
approximation) is

    level = μ_D·P + SS,   SS = z_α · sqrt(P·σ_D² + μ_D²·σ_L²),   z_α = Φ⁻¹(α).

The formula treats the whole lead time as one draw: exact for one order in flight at a time ((s, Q) with a large Q);
with several orders in flight on random lead times that overtake each other it over-protects (their errors partly
cancel). Undershoot (demand in batches crossing the reorder point) lowers the service a little (docs/sourcing.md).

**Finished goods at a plant** (docs/assembly.md) are replenished by production orders: their lead time is the mean
production time plus the expected wait for a kit, :func:`kit_wait`: the largest, over the kit's components, of the
expected delay of one unit of the component, E[B_c] / μ_c (Little's law over its backorders), with
E[B_c] = σ_P G(z_c) under the normal approximation (σ_P as above over the component's protection period, G the
standard normal loss function, z_c the component's safety factor: the preset's, its own ``service_level``'s, or the
one its level implies). The largest of the expected delays is a lower bound of the expected largest delay, exact when
one component dominates; a component whose policy has no reorder level counts as never short. The production time's
variance is the lead time's.

In a scenario, ``service_level: 0.97`` in place of the level (``s`` of ``s_S``, ``s_Q``, ``periodic_s_S``; ``level``
of ``base_stock``; ``order_up_to`` of ``periodic_order_up_to``) sets it from the item's demand moments (as the policy
presets compute them) and its sources' lead times (order delay + production + transit: means add, variances add;
several sources mix by share). The loaded scenario carries the computed number, so reports show the level used.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from scipy import stats

from sim.arguments import fraction, number, shown
from sim.errors import ArgumentError, ScenarioError
from sim.scenario.distributions import Dist
from sim.scenario.moments import demand_moments, lead_time_moments
from sim.scenario.schema import PlantNode, Scenario, StockNode

LEVEL_PARAM = {
    "base_stock": "level",
    "s_S": "s",
    "s_Q": "s",
    "periodic_s_S": "s",
    "periodic_order_up_to": "order_up_to",
}
Moments = Dist | dict | tuple[float, float] | float


MOMENTS = "a distribution spec ({'dist': 'poisson', 'mean': 4}), a (mean, variance) pair or a number"


def moments(x: Moments, name: str = "moments") -> tuple[float, float]:
    """(mean, variance) of a distribution spec (``Dist`` or ``{dist: ...}``), a (mean, variance) pair or a constant;
    anything else (a negative mean or variance too) is an ``ArgumentError`` naming ``name``."""
    if isinstance(x, dict):
        try:
            x = Dist.model_validate(x)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            msg = str(problem["msg"]).removeprefix("Value error, ")
            raise ArgumentError(f"{name}: {where + ': ' if where else ''}{msg}; got {shown(x)}") from None
    if isinstance(x, Dist):
        return x.mean, x.var
    if isinstance(x, tuple | list) and len(x) == 2:
        mean = number(f"{name}[0] (mean)", x[0], low=0.0)
        return mean, number(f"{name}[1] (variance)", x[1], low=0.0)
    return number(name, x, low=0.0, accepts=MOMENTS), 0.0


def safety_stock(service_level: float, demand: Moments, lead_time: Moments, review: float = 0.0) -> float:
    """SS = z·sqrt(P·σ_D² + μ_D²·σ_L²) with P = lead time + ``review``; ``demand`` per period, ``lead_time`` in
    periods (each a distribution spec, a (mean, variance) pair or a constant)."""
    service_level = fraction("service_level", service_level, accepts="a probability strictly between 0 and 1")
    review = number("review", review, low=0.0)
    mu_d, var_d = moments(demand, "demand")
    mu_l, var_l = moments(lead_time, "lead_time")
    z = float(stats.norm.ppf(service_level))
    return z * math.sqrt((mu_l + review) * var_d + mu_d**2 * var_l)


def reorder_level(service_level: float, demand: Moments, lead_time: Moments, review: float = 0.0) -> float:
    """μ_D·(L + review) + :func:`safety_stock`: the reorder point (continuous) or order-up-to level (periodic)."""
    ss = safety_stock(service_level, demand, lead_time, review)  # checks every argument
    mu_d, _ = moments(demand, "demand")
    mu_l, _ = moments(lead_time, "lead_time")
    return mu_d * (mu_l + review) + ss


# a component's safety factor and review period (0: continuous review), for the kit wait of a finished good
ZOf = Callable[[str], tuple[float, float]]


def normal_loss(z: float) -> float:
    """G(z) = φ(z) − z (1 − Φ(z)): the expected shortfall of a standard normal beyond z (0 at z = +inf)."""
    if math.isinf(z):
        return 0.0 if z > 0 else math.inf
    return float(stats.norm.pdf(z) - z * stats.norm.sf(z))


def item_lead_moments(sc: Scenario, node: StockNode, sku: str, mom: dict, z_of: ZOf) -> tuple[float, float]:
    """(mean, variance) of an item's lead time: its sources' (:func:`lead_time_moments`), or for a finished good at a
    plant its production time plus the expected kit wait (:func:`kit_wait`)."""
    if isinstance(node, PlantNode) and sku in node.made:
        made = node.production_time_of(sku)
        return made.mean + kit_wait(sc, node, sku, mom, z_of), made.var
    return lead_time_moments(sc, node, sku)


def kit_wait(sc: Scenario, node: PlantNode, sku: str, mom: dict, z_of: ZOf) -> float:
    """Expected wait of a production order of ``sku`` for its kit (periods): max over its components c of
    σ_P,c G(z_c) / μ_c (see the module docstring); ``mom``: the demand moments (sim.scenario.moments)."""
    wait = 0.0
    for c in node.bom[sku]:
        mu, var = mom[node.id, c]
        z, review = z_of(c)
        if mu <= 0 or (math.isinf(z) and z > 0):
            continue
        lead, lead_var = item_lead_moments(sc, node, c, mom, z_of)
        sigma = math.sqrt((lead + review) * var + mu * mu * lead_var)
        wait = max(wait, sigma * normal_loss(z) / mu)
    return wait


def level_z(sc: Scenario, node: StockNode, sku: str, mom: dict, z_of: ZOf) -> tuple[float, float]:
    """The safety factor an item's written policy level implies, (level − μ P) / σ_P, and its review period; +inf
    for a policy without a reorder level (``LEVEL_PARAM``) or without demand variance."""
    spec = node.policy.get(sku)
    if spec is None or spec.kind not in LEVEL_PARAM:
        return math.inf, 0.0
    review = float(getattr(spec.params, "review_period", 0.0) or 0.0)
    mu, var = mom[node.id, sku]
    lead, lead_var = item_lead_moments(sc, node, sku, mom, z_of)
    sigma = math.sqrt((lead + review) * var + mu * mu * lead_var)
    level = float(getattr(spec.params, LEVEL_PARAM[spec.kind]))
    return ((level - mu * (lead + review)) / sigma if sigma > 0 else math.inf), review


def resolve(data: dict[str, Any], validate, source: str = "scenario") -> dict[str, Any]:
    """Replace every policy's ``service_level`` with the level it implies (see the module docstring). ``validate``
    checks a scenario dict (``sim.scenario.loading.validate``); the data is returned unchanged if nothing to do."""
    nodes = data.get("nodes")
    asked = [
        (i, sku, spec)
        for i, node in enumerate(nodes if isinstance(nodes, list) else [])  # not a list: the schema says so
        if isinstance(node, dict) and isinstance(node.get("policy"), dict)
        for sku, spec in node["policy"].items()
        if isinstance(spec, dict) and "service_level" in spec
    ]
    if not asked:
        return data
    out = copy.deepcopy(data)
    errors = []
    for i, sku, spec in asked:
        where = f"nodes[{i}].policy.{sku}.service_level"
        kind, alpha = spec.get("kind"), spec["service_level"]
        level = LEVEL_PARAM.get(kind) if isinstance(kind, str) else None
        if level is None:
            errors.append(f"{where}: only for {', '.join(LEVEL_PARAM)} (it sets their level), not {kind!r}")
        elif level in spec:
            errors.append(f"{where}: sets {level!r}; give one of service_level and {level}")
        elif not isinstance(alpha, int | float) or isinstance(alpha, bool) or not 0 < alpha < 1:
            errors.append(f"{where}: a probability strictly between 0 and 1, got {alpha!r}")
        else:
            pol = out["nodes"][i]["policy"][sku]
            del pol["service_level"]
            pol[level] = 0.0  # a placeholder while the rest is validated
    if errors:
        raise ScenarioError(f"{source} is invalid:\n" + "\n".join(f"  {e}" for e in errors))
    sc = validate(out)
    mom = demand_moments(sc)
    review_of = {
        (i, sku): float(spec.get("review_period", 0.0)) if spec["kind"].startswith("periodic") else 0.0
        for i, sku, spec in asked
    }
    targets = {(sc.nodes[i].id, sku): (float(stats.norm.ppf(spec["service_level"])), review_of[i, sku])
               for i, sku, spec in asked}  # fmt: skip
    for i, sku, spec in asked:
        node = sc.nodes[i]

        def z_of(c: str, node: StockNode = node) -> tuple[float, float]:  # a target's, else its written level's
            return targets.get((node.id, c)) or level_z(sc, node, c, mom, z_of)

        pol = out["nodes"][i]["policy"][sku]
        pol[LEVEL_PARAM[spec["kind"]]] = reorder_level(
            spec["service_level"], mom[node.id, sku], item_lead_moments(sc, node, sku, mom, z_of), review_of[i, sku]
        )
    return out
