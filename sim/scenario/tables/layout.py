"""Which table holds which part of a scenario, and what each column is: the one place that maps a scenario's data to
tables (docs/spreadsheets.md).

A table row holds one element of the scenario: a product, a node, a lane (the *list* tables), the scenario's own
fields (``scenario``), or one entry of a mapping keyed by data under a parent element, e.g. a stock node's
``policy[product]`` (the *keyed* tables). Columns are the element's field paths with dots (``transit.dist``,
``policy.review_period``): the same names as the YAML fields. Everything not held by a table of its own is flattened
into its parent's row; a mapping keyed by data (products, segments, regions) or a list of records always has a table.

Adding a table for new data is one entry in :data:`TABLES`, e.g. the bill of materials of a ``plant`` node
(``bom: {product: {component: quantity}}``)::

    Table("bom", NODE, ("bom",), keys=("product", "component"), value="quantity", node_types=("plant",))

Column types come from the pydantic schema (:func:`column_kind`): a column the schema types as text keeps a cell's
text (an id ``"007"``, or a number Excel made of ``1001``), every other cell is read as a number, a boolean, ``null``
or a ``[list]`` when it looks like one.
"""

from __future__ import annotations

import functools
import types
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from sim.registry import Spec
from sim.scenario.distributions import Dist
from sim.scenario.schema import Scenario

TEXT, TEXT_LIST, VALUE = "text", "text_list", "value"  # column kinds
STOCK_TYPES = ("buffer", "retailer", "plant")


@dataclass(frozen=True)
class Parent:
    """The elements a keyed table's rows belong to: ``path`` from the root (``*`` for the list's elements), the key
    columns naming one (``node``: a node's id; ``basket``: its number in the node's list), ``under`` a parent."""

    name: str
    path: tuple[str, ...]
    key: str | None = None
    under: Parent | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return (*(self.under.keys if self.under else ()), *((self.key,) if self.key else ()))


ROOT = Parent("root", ())
NODE = Parent("node", ("nodes", "*"), key="node")
BASKET = Parent("basket", ("nodes", "*", "baskets", "*"), key="basket", under=NODE)
SEGMENTATION = Parent("segmentation", ("segmentation",))


@dataclass(frozen=True)
class Table:
    """One table. ``fields``: dotted paths (from the parent element) of the values it holds. With ``keys`` each field
    is a mapping keyed by data, one row per key (several fields with the same keys share a row: ``prefix`` puts the
    field's name before its columns). ``each``: the value is a list, one row per element in row order (``label``: a
    column numbering them, for child tables). ``series``: the (list field, index column, value column) of a time
    series, one row per period. ``rename``: column names that differ from the field path (``node`` of a source is
    the column ``source``, next to the key column ``node``); ``value``: the column of a scalar value."""

    name: str
    parent: Parent
    fields: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    prefix: bool = False
    each: bool = False
    label: str | None = None
    series: tuple[str, str, str] | None = None
    series_when: tuple[str, str] | None = None  # (field, value) of the entries whose list the series holds
    rename: dict[str, str] = field(default_factory=dict)
    value: str | None = None
    node_types: tuple[str, ...] | None = None  # the node types a NODE table is for

    @property
    def key_columns(self) -> tuple[str, ...]:
        label = (self.label,) if self.label else ()
        extra = (self.series[1],) if self.series else ()
        return (*self.parent.keys, *self.keys, *label, *extra)

    def column(self, fld: str, sub: tuple) -> str:
        """The column of the value at ``sub`` under field ``fld`` of a row."""
        if self.series:
            return self.series[2]
        parts = [*(fld.split(".") if self.prefix and fld else ()), *(str(p) for p in sub)]
        name = ".".join(parts)
        if not name:
            return self.value or fld
        return self.rename.get(name, name)

    def split(self, column: str) -> tuple[str, tuple[str, ...]] | None:
        """(field, sub-path) of a column, None if no field of this table has it."""
        back = {v: k for k, v in self.rename.items()}
        name = back.get(column, column)
        if self.value and column == self.value:
            return self.fields[0] if self.fields else "", ()
        if not self.prefix:
            return (self.fields[0] if self.fields else ""), tuple(name.split("."))
        for fld in sorted(self.fields, key=len, reverse=True):
            if name == fld or name.startswith(fld + "."):
                return fld, tuple(name[len(fld) + 1 :].split(".")) if name != fld else ()
        return None


TABLES: tuple[Table, ...] = (
    Table("scenario", ROOT),
    Table("products", ROOT, ("products",), each=True),
    Table("nodes", ROOT, ("nodes",), each=True),
    Table(
        "supplier_products",
        NODE,
        ("capacity", "production_time", "contract.flex.commitment"),
        keys=("product",),
        prefix=True,
        node_types=("supplier",),
    ),
    Table(
        "plant_products",
        NODE,
        ("capacity", "production_time", "batch_size", "production_cost"),
        keys=("product",),
        prefix=True,
        node_types=("plant",),
    ),
    Table("bom", NODE, ("bom",), keys=("product", "component"), value="quantity", node_types=("plant",)),
    Table(
        "stock",
        NODE,
        ("policy", "initial_stock", "holding_cost", "pipeline_holding_cost"),  # rows in policy order
        keys=("product",),
        prefix=True,
        node_types=STOCK_TYPES,
    ),
    Table(
        "sources", NODE, ("sources",), keys=("product",), each=True, rename={"node": "source"}, node_types=STOCK_TYPES
    ),
    Table("sourcing", NODE, ("sourcing",), keys=("product",), node_types=STOCK_TYPES),
    Table("demand", NODE, ("demand",), keys=("product",), node_types=STOCK_TYPES),
    Table(
        "demand_series",
        NODE,
        ("demand",),
        keys=("product",),
        series=("values", "period", "quantity"),
        series_when=("kind", "empirical"),
        node_types=STOCK_TYPES,
    ),
    Table("baskets", NODE, ("baskets",), each=True, label="basket", node_types=STOCK_TYPES),
    Table("basket_lines", BASKET, ("lines",), keys=("product",)),
    Table("lanes", ROOT, ("lanes",), each=True),
    Table("disruptions", ROOT, ("disruptions",), each=True),
    Table("segment_rules", SEGMENTATION, ("rules",), keys=("segment",)),
    Table("region_risk", SEGMENTATION, ("region_risk",), keys=("region",), value="risk"),
    Table(
        "segment_items",
        SEGMENTATION,
        ("assigned", "scores"),
        keys=("node", "product"),
        prefix=True,
        rename={"assigned": "segment"},
    ),
)
BY_NAME = {t.name: t for t in TABLES}
PARENTS = {ROOT.name: ROOT, NODE.name: NODE, BASKET.name: BASKET, SEGMENTATION.name: SEGMENTATION}


def is_keyed(value: Any) -> bool:
    """The form a table of its own holds: a mapping keyed by data (not one distribution: ``{dist: ...}``) or a
    list. ``capacity: 400`` or ``production_time: {dist: gamma, ...}`` stay in their node's row."""
    return isinstance(value, list) or (isinstance(value, dict) and "dist" not in value)


@functools.cache
def owned(element: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Paths (from an element at model path ``element``: ``()`` the root, ``("nodes", "*")`` a node) that tables of
    their own hold when keyed (:func:`is_keyed`); e.g. a node's ``policy``, the root's ``segmentation.rules``."""
    out: list[tuple[str, ...]] = []
    for t in TABLES:
        p = t.parent.path
        if not t.fields or p[: len(element)] != element or "*" in p[len(element) :]:
            continue
        for fld in t.fields:
            path = (*p[len(element) :], *fld.split("."))
            if path not in out:
                out.append(path)
    return tuple(out)


def element_path(t: Table, fld: str) -> tuple[str, ...]:
    """The model path (``*`` for keys and indices) of the values a table's field holds, one per row."""
    keys = ("*",) * len(t.keys) + (("*",) if t.each else ())
    return (*t.parent.path, *(fld.split(".") if fld else ()), *keys)


# -- column kinds from the schema ---------------------------------------------------------------------------------
def _args(tp: Any) -> list[Any]:
    origin = get_origin(tp)
    if origin is Annotated:
        return _args(get_args(tp)[0])
    if origin in (Union, types.UnionType):
        return [a for arg in get_args(tp) for a in _args(arg)]
    return [] if tp is type(None) else [tp]


def _leaf(tp: Any) -> str:
    args = _args(tp)
    if args and all(
        a is str or (get_origin(a) is Literal and all(isinstance(x, str) for x in get_args(a))) for a in args
    ):
        return TEXT
    if args and all(get_origin(a) is list and _leaf(get_args(a)[0]) == TEXT for a in args):
        return TEXT_LIST
    return VALUE


def _walk(tp: Any, parts: tuple[str, ...]) -> set[str] | None:
    """The kinds of the value at ``parts`` under type ``tp`` (``*``: any key or index), None if there is none."""
    if not parts:
        return {_leaf(tp)}
    found: set[str] = set()
    known = False
    for arg in _args(tp):
        sub = _walk_one(arg, parts)
        if sub is not None:
            known = True
            found |= sub
    return found if known else None


def _walk_one(tp: Any, parts: tuple[str, ...]) -> set[str] | None:
    head, rest = parts[0], parts[1:]
    origin = get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, Spec):
        if head in tp.model_fields:
            return _walk(tp.model_fields[head].annotation, rest)
        kinds: set[str] = set()
        registries = [tp.registry, *((Dist.registry,) if tp.registry.key == "kind" else ())]  # {dist: ...} shorthand
        for registry in registries:
            if head == registry.key:
                kinds.add(TEXT)
            for name in registry:
                params = registry[name].Params.model_fields
                if head in params:
                    kinds |= _walk(params[head].annotation, rest) or set()
        return kinds or {VALUE}  # another parameter: the registry checks it per row
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        fld = next((f for n, f in tp.model_fields.items() if head in (n, f.alias)), None)
        return None if fld is None else _walk(fld.annotation, rest)
    if origin is dict:
        return _walk(get_args(tp)[1], rest)
    if origin in (list, tuple) and (head == "*" or head.isdigit()):
        return _walk(get_args(tp)[0], rest)
    return None


@functools.cache
def column_kind(table: str, column: str) -> str | None:
    """``text``, ``text_list`` or ``value`` for a column of a table; None for a column the table can't have."""
    t = BY_NAME[table]
    if column in t.key_columns:
        return VALUE if t.series and column == t.series[1] else TEXT
    if t.series:
        return VALUE if column == t.series[2] else None
    split = t.split(column)
    if split is None:
        return None
    fld, sub = split
    path = element_path(t, fld)
    held = next((p for p in owned(path) if sub[: len(p)] == p), None)
    if held is None:
        kinds = _walk(Scenario, (*path, *sub))
    else:  # a table of its own holds the keyed form; the row may hold a number or one distribution
        kinds = set()
        for alt in _unkeyed(Scenario, (*path, *held)):
            kinds |= _walk(alt, sub[len(held) :]) or set()
    if not kinds:
        return None
    return kinds.pop() if len(kinds) == 1 else VALUE


def _unkeyed(tp: Any, path: tuple[str, ...]) -> list[Any]:
    """The types at ``path`` that are not a mapping or a list (what a parent's row holds of a keyed field)."""
    return [a for a in _types_at(tp, path) if get_origin(a) not in (dict, list)]


def allowed_columns(table: str) -> list[str]:
    """A table's columns for messages: keys, then each field's top-level names (``policy.<parameter>`` for a policy,
    a distribution, a rule: their parameters depend on the kind)."""
    t = BY_NAME[table]
    cols = list(t.key_columns)
    if t.series:
        return [*cols, t.series[2]]
    for fld in t.fields or ("",):
        path = element_path(t, fld)
        skip = {p[0] for p in owned(path) if len(p) == 1 and not _unkeyed(Scenario, (*path, *p))}
        models = _models_at(Scenario, path)
        if not models:
            cols.append(t.column(fld, ()))
        for m in models:
            if issubclass(m, Spec):
                cols += [t.column(fld, (m.registry.key,)), t.column(fld, ("<parameter>",))]
            else:
                cols += [
                    t.column(fld, (f.alias or n,)) for n, f in m.model_fields.items() if (f.alias or n) not in skip
                ]
    return list(dict.fromkeys(cols))


def _models_at(tp: Any, path: tuple[str, ...]) -> list[type[BaseModel]]:
    """The pydantic models of the values at ``path`` (several for a union)."""
    return [a for a in _types_at(tp, path) if isinstance(a, type) and issubclass(a, BaseModel)]


def _types_at(tp: Any, path: tuple[str, ...]) -> list[Any]:
    """The types (members of a union, each) of the values at ``path`` (``*``: any key or index)."""
    out: list[Any] = []
    for arg in _args(tp):
        if not path:
            out.append(arg)
            continue
        head, rest = path[0], path[1:]
        if isinstance(arg, type) and issubclass(arg, BaseModel) and not issubclass(arg, Spec):
            fld = next((f for n, f in arg.model_fields.items() if head in (n, f.alias)), None)
            if fld is not None:
                out += _types_at(fld.annotation, rest)
        elif get_origin(arg) in (dict, list, tuple):
            out += _types_at(get_args(arg)[-1] if get_origin(arg) is dict else get_args(arg)[0], rest)
    return out
