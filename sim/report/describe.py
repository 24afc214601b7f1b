"""What differs between two scenarios, in words: a variant of a comparison as the few things that changed against the
baseline ("mcu at dc_queretaro: tw_hsinchu 80 %, us_mcu_dist 20 % (was tw_hsinchu 100 %)", "psu at dc: order-up-to
1,642 → 2,057", "tw_hsinchu down 42 days from day 120"), never as the dicts of a validated scenario with every default.

Inputs are scenario dicts as a job writes them to its ``scenario.yaml`` (``Scenario.to_dict()``: every field, defaults
included); a field missing on one side counts as its schema default. Fields equal on both sides are skipped, and an
element that is new is described by the fields that differ from the schema's (or registry entry's) defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from string import Formatter
from typing import Any

from pydantic import BaseModel

from sim.policy.kinds import POLICIES, SOURCING
from sim.registry import Registry
from sim.scenario.demand import DEMANDS
from sim.scenario.disruptions import DISRUPTIONS
from sim.scenario.distributions import DISTRIBUTIONS
from sim.scenario.schema import Lane, Product, Scenario, Source, StockNode, SupplierNode

POLICY_WORDS = {
    "periodic_order_up_to": "order-up-to",
    "base_stock": "base stock",
    "s_S": "min-max (s, S)",
    "s_Q": "reorder point (s, Q)",
    "periodic_s_S": "periodic (s, S)",
    "forecast_order_up_to": "forecast order-up-to",
    "sterman": "Sterman's heuristic",
    "pass_through": "pass-through",
    "dual_index": "dual-index",
    "base_surge": "base-surge",
    "vmi": "VMI min-max",
}
PARAM_WORDS = {
    "order_up_to": "order-up-to",
    "review_period": "review every",
    "level": "base-stock level",
    "s": "reorder point",
    "S": "order-up-to",
    "Q": "order quantity",
    "safety_stock": "safety stock",
    "information": "forecast from",
    "beta": "smoothing β",
    "periods": "moving average over",
    "activation_delay": "activation delay",
    "unit_cost": "unit cost",
    "order_delay": "order delay",
    "promised_lead_time": "promised lead time",
    "production_time": "production time",
    "cost_per_unit": "cost per unit",
    "quantity": "per period",
}
# whole policies in words ({param} filled with the value, defaults included); other parameters follow in brackets
POLICY_SENTENCES = {
    "periodic_order_up_to": "order up to {order_up_to} every {review_period}",
    "base_stock": "base stock {level}",
    "s_S": "reorder at {s} up to {S}",
    "periodic_s_S": "every {review_period}: reorder at {s} up to {S}",
    "s_Q": "reorder {Q} at {s}",
    "vmi": "VMI: min {min}, max {max} every {review_period}",
}
VALUE_WORDS = {"local": "own orders", "shared": "point-of-sale data"}
KEYED = {"nodes": "id", "products": "id", "lanes": "id"}


def number_words(value: Any) -> str:
    """Levels to the unit (a computed 1642.49 reads 1,642; the run keeps it exact), smaller numbers to three
    significant digits (a price 14.4, alpha 0.3, a share 0.05), None as a dash."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "–" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.0f}" if value.is_integer() or abs(value) >= 100 else f"{value:.3g}"


def _words(key: str) -> str:
    return PARAM_WORDS.get(key, key.replace("_", " "))


def value_text(value: Any) -> str:
    """A value as a reader wants it: numbers via number_words (levels to the unit), a distribution as
    ``triangular (low 5, mode 7, high 12)``, a share as a percentage where the key says so (callers)."""
    if isinstance(value, Mapping):
        if "dist" in value:
            return spec_text(value, DISTRIBUTIONS, "dist")
        return ", ".join(f"{_words(str(k))} {value_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v) for v in value) or "none"
    if isinstance(value, str):
        return VALUE_WORDS.get(value, value)
    return number_words(value)


def _params(spec: Mapping[str, Any], registry: Registry[Any], key: str) -> dict[str, Any]:
    """The spec's parameters that differ from its registry entry's defaults (all of them for an unknown entry)."""
    name = str(spec.get(key))
    params = {k: v for k, v in spec.items() if k != key and k != "name"}
    model: type[BaseModel] | None = getattr(registry[name], "Params", None) if name in registry else None
    if model is None:
        return params
    return {k: v for k, v in params.items() if k not in model.model_fields or v != _default_field(model, k)}


def spec_text(spec: Mapping[str, Any] | None, registry: Registry[Any], key: str) -> str:
    """``order-up-to (review every 7, order-up-to 715)``; a constant distribution as its value; None as "none"."""
    if spec is None:
        return "none"
    name = str(spec.get(key, "?"))
    params = _params(spec, registry, key)
    if name == "constant" and set(params) <= {"value"}:
        return value_text(params.get("value", 0))
    inner = ", ".join(f"{_words(k)} {value_text(v)}" for k, v in params.items())
    label = (POLICY_WORDS if registry is POLICIES else {}).get(name, name.replace("_", " "))
    return f"{label} ({inner})" if inner else label


def policy_text(policy: Mapping[str, Any]) -> str:
    """``order up to 715 every 7`` for a policy spec (``POLICY_SENTENCES``; others as ``spec_text``)."""
    kind = str(policy.get("kind"))
    sentence = POLICY_SENTENCES.get(kind)
    values = {**_defaults_of(POLICIES, kind), **{k: v for k, v in policy.items() if k != "kind"}}
    fields = [f for _, f, _, _ in Formatter().parse(sentence or "") if f]
    if sentence is None or any(f not in values for f in fields):
        return spec_text(policy, POLICIES, "kind")
    text = sentence.format(**{f: value_text(values[f]) for f in fields})
    rest = {k: v for k, v in _params(policy, POLICIES, "kind").items() if k not in fields}
    return f"{text} ({value_text(rest)})" if rest else text


def _spec_change(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None, registry: Registry[Any], key: str) -> str:
    """A change of one spec: the parameters that moved when the entry is the same, else old → new as a whole."""
    if a is None or b is None or a.get(key) != b.get(key):
        whole = policy_text if registry is POLICIES else lambda x: spec_text(x, registry, key)
        return f"{whole(a) if a else 'none'} → {whole(b) if b else 'none'}"
    pa, pb = _params(a, registry, key), _params(b, registry, key)
    default = _defaults_of(registry, str(a.get(key)))
    moved = [k for k in dict.fromkeys([*pa, *pb]) if pa.get(k, default.get(k)) != pb.get(k, default.get(k))]
    return "; ".join(
        f"{_words(k)} {value_text(pa.get(k, default.get(k)))} → {value_text(pb.get(k, default.get(k)))}" for k in moved
    )


def _defaults_of(registry: Registry[Any], name: str) -> dict[str, Any]:
    model = getattr(registry[name], "Params", None) if name in registry else None
    if model is None:
        return {}
    return {k: _default_field(model, k) for k, f in model.model_fields.items() if not f.is_required()}


def _share(src: Mapping[str, Any], alone: bool) -> str:
    share = float(src.get("share", 1.0))
    if share == 0 and not alone:
        return "standby"
    return f"{share * 100:.3g} %"


def sources_text(sources: Iterable[Mapping[str, Any]]) -> str:
    """``tw_hsinchu 80 %, us_mcu_dist 20 % (unit cost 14.4)``: each source, its share and what else is set."""
    srcs = list(sources)
    out = []
    for s in srcs:
        name = str(s.get("lane") or s.get("node")) if s.get("lane") else str(s.get("node"))
        extra = {k: v for k, v in s.items() if k not in ("node", "lane", "share") and v != _default_field(Source, k)}
        more = f" ({value_text(extra)})" if extra else ""
        out.append(f"{name} {_share(s, len(srcs) == 1)}{more}")
    return ", ".join(out) or "no source"


def _period_words(scenario: Mapping[str, Any]) -> tuple[str, str]:
    unit = str(scenario.get("period") or "day")
    return unit, f"{unit}s"


def disruption_text(d: Mapping[str, Any], scenario: Mapping[str, Any]) -> str:
    """``tw_hsinchu down 42 days from day 120`` and the like, per disruption kind."""
    unit, units = _period_words(scenario)
    kind = str(d.get("kind"))
    dur, start = d.get("duration"), d.get("start", 0)
    when = f"from {unit} {number_words(start)}" + (" to the end" if dur is None else "")
    if dur is not None:
        when = f"{number_words(dur)} {units} {when}"
    target = d.get("supplier") or d.get("lane") or d.get("region")
    texts = {
        "supplier_outage": f"{target} down {when}",
        "capacity_loss": f"{target} at {number_words(100 * float(d.get('fraction', 0)))} % capacity {when}",
        "lane_closure": f"lane {target} closed {when}",
        "lane_slowdown": f"lane {target} {number_words(d.get('factor', 1))}× slower {when}",
        "regional_event": f"region {target} down (its suppliers and lanes) {when}",
        "quality_excursion": f"{target} ships {number_words(100 * float(d.get('defect_rate', 0)))} % defective {when}",
        "demand_shock": f"demand{' for ' + ', '.join(d['skus']) if d.get('skus') else ''} "
        f"×{number_words(d.get('multiplier', 1))} at {', '.join(d.get('nodes') or ['every customer'])} {when}",
    }
    if kind in ("random_outage", "markov_outage"):
        rest = {k: v for k, v in _params(d, DISRUPTIONS, "kind").items() if k != "supplier"}
        texts[kind] = f"{target} fails at random ({value_text(rest)})"
    text = texts.get(kind) or f"{target or ''} {spec_text(d, DISRUPTIONS, 'kind')}".strip()
    return f"{d['name']}: {text}" if d.get("name") else text


def _by_key(items: Any, key: str) -> dict[str, Mapping[str, Any]]:
    return {str(x[key]): x for x in items or [] if isinstance(x, Mapping) and key in x}


def _item_changes(node: str, field: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(what, where, text) per product of a per-product field of a stock node that differs."""
    out = []
    for sku in dict.fromkeys([*a, *b]):
        x, y = a.get(sku), b.get(sku)
        if x == y:
            continue
        if field == "sources":
            if _filled(x or [], Source) == _filled(y or [], Source):
                continue  # the same sources, one side with its defaults written out
            text = f"{sources_text(y or [])} (was {sources_text(x or [])})"
        elif field == "policy":
            text = _spec_change(x, y, POLICIES, "kind")
        elif field == "sourcing":
            fixed = {"rule": "fixed_split"}
            text = f"sourcing {_spec_change(x or fixed, y or fixed, SOURCING, 'rule')}"
        elif field == "demand":
            text = f"demand {_spec_change(x or {'kind': 'none'}, y or {'kind': 'none'}, DEMANDS, 'kind')}"
        else:
            text = (
                f"{_words(field)} {value_text(x if x is not None else '–')} → {value_text(y if y is not None else '–')}"
            )
        out.append((str(sku), node, text))
    return out


PER_PRODUCT = ("sources", "sourcing", "policy", "demand", "initial_stock", "holding_cost", "pipeline_holding_cost")
SCHEMAS: dict[str, type[BaseModel]] = {"supplier": SupplierNode, "buffer": StockNode, "retailer": StockNode}


def _new_element(kind: str, x: Mapping[str, Any], model: type[BaseModel] | None, skip: tuple[str, ...]) -> str:
    fields = getattr(model, "model_fields", {})
    shown = {
        k: v
        for k, v in x.items()
        if k not in skip and (k not in fields or v != _default_field(model, k)) and v not in (None, "", [], {})
    }
    return f"new {kind} {x.get('id')}" + (f" ({value_text(shown)})" if shown else "")


def _default_field(model: type[BaseModel] | None, key: str) -> Any:
    """The schema's default of ``model.key`` as scenario data (None if required or unknown)."""
    if model is None or key not in model.model_fields:
        return None
    info = model.model_fields[key]
    value = None if info.is_required() else info.get_default(call_default_factory=True)
    return value.model_dump(mode="json", by_alias=True) if isinstance(value, BaseModel) else value


def _filled(items: Iterable[Mapping[str, Any]], model: type[BaseModel]) -> list[dict[str, Any]]:
    """Elements with their missing fields set to the schema's defaults (to compare written and validated data)."""
    defaults = {f.alias or k: _default_field(model, k) for k, f in model.model_fields.items() if not f.is_required()}
    return [{**defaults, **x} for x in items]


def _element_changes(
    what: str, name: str, a: Mapping[str, Any], b: Mapping[str, Any], model: type[BaseModel] | None
) -> list[tuple[str, str, str]]:
    """The changes of one node, product or lane; a stock item's changes in one line, its sources first (the cause),
    then its sourcing rule and policy (often the consequence: levels sized on the new sources)."""
    out: list[tuple[str, str, str]] = []
    per_item: dict[str, list[str]] = {}
    keys = dict.fromkeys([*a, *b])
    fields = getattr(model, "model_fields", {})
    for k in [*(f for f in PER_PRODUCT if f in keys), *(f for f in keys if f not in PER_PRODUCT)]:
        default = _default_field(model, k) if k in fields else None
        x, y = a.get(k, default), b.get(k, default)
        if x == y:
            continue
        if what == "node" and k in PER_PRODUCT and isinstance(x or {}, Mapping) and isinstance(y or {}, Mapping):
            for sku, _, text in _item_changes(name, k, x or {}, y or {}):
                per_item.setdefault(sku, []).append(text)
        else:
            out.append(("", name, f"{_words(k)} {value_text(x)} → {value_text(y)}"))
    return [(sku, name, "; ".join(texts)) for sku, texts in per_item.items()] + out


def describe(base: Mapping[str, Any], other: Mapping[str, Any]) -> list[str]:
    """The differences of ``other`` from ``base``, one line each, in words; the same change at several nodes is one
    line (``case at factory, distributor: forecast from own orders → point-of-sale data``)."""
    found: list[tuple[str, str, str]] = []
    for top, key in KEYED.items():
        a, b = _by_key(base.get(top), key), _by_key(other.get(top), key)
        what = top.rstrip("s")
        for name in dict.fromkeys([*a, *b]):
            x = b.get(name) or a[name]
            model = SCHEMAS.get(str(x.get("type"))) if top == "nodes" else Lane if top == "lanes" else Product
            if name not in b:
                found.append(("", "", f"{x.get('type') or what} {name} removed"))
            elif name not in a:
                found.append(("", "", _new_element(str(x.get("type") or what), x, model, ("id", "type"))))
            elif a[name] != b[name]:
                label = f"lane {name}" if top == "lanes" else name
                found += _element_changes(what, label, a[name], b[name], model)
    found += _disruption_changes(base, other)
    for k in dict.fromkeys([*base, *other]):
        default = _default_field(Scenario, k) if k in Scenario.model_fields else None
        x, y = base.get(k, default), other.get(k, default)
        if k in KEYED or k == "disruptions" or x == y:
            continue
        found.append(("", "", f"{_words(k)}: {value_text(x)} → {value_text(y)}"))
    return _merged(found)


def _disruption_changes(base: Mapping[str, Any], other: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    a, b = list(base.get("disruptions") or []), list(other.get("disruptions") or [])
    added = [d for d in b if d not in a]
    removed = [d for d in a if d not in b]
    return [("", "", disruption_text(d, other)) for d in added] + [
        ("", "", f"no longer: {disruption_text(d, base)}") for d in removed
    ]


def _merged(found: list[tuple[str, str, str]]) -> list[str]:
    """``(what, where, text)`` lines: the same (what, text) at several places is one line naming them all."""
    places: dict[tuple[str, str], list[str]] = {}
    for what, where, text in found:
        places.setdefault((what, text), [])
        if where and where not in places[(what, text)]:
            places[(what, text)].append(where)
    out = []
    for (what, text), at in places.items():
        subject = f"{what} at {', '.join(at)}" if what and at else ", ".join(at)
        out.append(f"{subject}: {text}" if subject else text)
    return out
