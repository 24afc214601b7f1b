"""One replication: scenario + seed -> SimPy run -> KPI vector (and optionally per-period time series)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from sim.arguments import flag, refuse
from sim.experiment.footprint import check_fits
from sim.experiment.twins import Twin, TwinStore, fingerprint
from sim.kpi import changes, resilience
from sim.kpi import compute as kpi
from sim.model.build_plan import BuildPlan
from sim.model.network import SupplyChain
from sim.model.rng import as_seed
from sim.scenario.schema import Scenario, StockNode
from sim.scenario.sources import load_scenario


class ReplicationResult:
    """What one replication produced. ``kpi_index`` is the same for every replication of a scenario."""

    def __init__(
        self,
        scenario_name: str,
        seed: np.random.SeedSequence,
        kpi_index: list[tuple[str, str, str]],
        kpi_values: np.ndarray,
        series: dict | None,
        events: pd.DataFrame | None = None,
        baseline_values: np.ndarray | None = None,
    ) -> None:
        self.scenario_name = scenario_name
        self.seed = seed
        self.kpi_index = tuple(kpi_index)
        self.kpi_values = kpi_values
        self._series = series
        self.events = events  # the event log (sim.model.records) when asked for with events=True, else None
        # a disrupted run's undisrupted twin (same seed): its KPI values, in kpi_index's order up to its own length
        self.baseline_values = baseline_values

    @cached_property
    def kpis(self) -> pd.DataFrame:
        """Tidy KPI table: node, sku, kpi, value."""
        frame = pd.DataFrame(self.kpi_index, columns=["node", "sku", "kpi"])
        frame["value"] = self.kpi_values
        return frame

    @cached_property
    def baseline(self) -> pd.DataFrame | None:
        """A disrupted run's paired baseline: the same replication without the disruptions (its KPI table: node,
        sku, kpi, value), or None without disruptions."""
        if self.baseline_values is None:
            return None
        frame = pd.DataFrame(self.kpi_index[: len(self.baseline_values)], columns=["node", "sku", "kpi"])
        frame["value"] = self.baseline_values
        return frame

    @property
    def series_columns(self) -> dict | None:
        """The time series as plain columns (numpy arrays), without building a DataFrame (what batches use)."""
        return self._series

    @cached_property
    def timeseries(self) -> pd.DataFrame | None:
        """Per period and stock item: end-of-period levels and the period's demand, orders and fills."""
        return None if self._series is None else pd.DataFrame(self._series)

    def kpi(self, kpi_name: str, node: str = kpi.ALL, sku: str = kpi.ALL) -> float:
        """One KPI value, e.g. ``result.kpi("fill_rate", "store", "widget")``."""
        try:
            return float(self.kpi_values[self.kpi_index.index((node, sku, kpi_name))])
        except ValueError:
            raise KeyError(f"no KPI {kpi_name!r} for node={node!r}, sku={sku!r}") from None

    def __repr__(self) -> str:
        return f"<ReplicationResult {self.scenario_name!r} with {len(self.kpi_index)} KPI values>"


class Prepared:
    """A validated scenario with what every replication derives from it once: the model's build plan, the KPI layout
    (filled by the first replication) and the undisrupted twin that pairs with it for the resilience KPIs.

    The scenario itself stays frozen data; a batch keeps one ``Prepared`` per worker and passes it to
    :func:`run_replication` instead of the scenario. With ``twins`` (a folder, sim.experiment.twins) undisrupted
    runs leave their twin there and disrupted runs take theirs from it when it is there."""

    def __init__(self, scenario: Scenario, twins: Path | None = None) -> None:
        check_fits(scenario, timeseries=False)  # also a scenario changed after validation (model_copy)
        self.scenario = scenario
        self.plan = BuildPlan(scenario)
        self.kpi_layout: kpi.KpiLayout | None = None
        self._baseline: Prepared | None = None
        self.twins = None if twins is None else TwinStore(twins)

    def chain(self, seed: np.random.SeedSequence, *, record_log: bool = True, events: bool = False) -> SupplyChain:
        """A fresh model of this scenario for one replication (not yet run)."""
        return SupplyChain(self.scenario, seed, record_log=record_log, events=events, plan=self.plan)

    def kpis(self, chain: SupplyChain) -> tuple[list[tuple[str, str, str]], np.ndarray]:
        """The KPI vector of a finished run of this scenario."""
        if self.kpi_layout is None:
            self.kpi_layout = kpi.KpiLayout(chain)
        return kpi.compute(chain, self.kpi_layout)

    @cached_property
    def customer_products(self) -> list[str]:
        """The products end customers buy somewhere, in the scenario's order (the change rows' products)."""
        bought = {sku for n in self.scenario.nodes if isinstance(n, StockNode) for sku in n.customer_products}
        return [p.id for p in self.scenario.products if p.id in bought]

    @property
    def baseline(self) -> Prepared:
        """The same scenario without its disruptions (the paired reference of the resilience KPIs)."""
        if self._baseline is None:
            self._baseline = Prepared(baseline(self.scenario))
        return self._baseline

    @cached_property
    def fingerprint(self) -> str:
        """The scenario's digest (the name of its twins' folder)."""
        return fingerprint(self.scenario)

    def twin(self, seed: np.random.SeedSequence) -> Twin:
        """The undisrupted twin of this disrupted scenario's replication ``seed``: from the twins' folder when it is
        there, else run now (and left there)."""
        base = self.baseline
        got = None if self.twins is None else self.twins.load(base.fingerprint, seed)
        if got is None:
            chain = base.chain(seed, record_log=False).run()
            got = Twin(base.kpis(chain)[1], resilience.record(chain))
            chain.release()
            if self.twins is not None:
                self.twins.save(base.fingerprint, seed, got)
        return got

    def keep_twin(self, seed: np.random.SeedSequence, chain: SupplyChain, values: np.ndarray, logged: bool) -> None:
        """Leave a finished undisrupted run in the twins' folder. Only a run without the state log (``logged``) is
        kept: with it, its record has backorders of items a twin (run without) leaves undefined."""
        store = self.twins
        if store is None or logged or chain.disruptions is not None or store.path(self.fingerprint, seed).exists():
            return
        store.save(self.fingerprint, seed, Twin(values, resilience.record(chain)))


def run_replication(
    scenario: Scenario | Prepared,
    seed: int | np.random.SeedSequence,
    *,
    timeseries: bool = True,
    events: bool = False,
) -> ReplicationResult:
    """Simulate one replication of a validated scenario (or of a :class:`Prepared` one, which a batch reuses)."""
    timeseries, events = flag("timeseries", timeseries), flag("events", events)
    if isinstance(scenario, Prepared):
        prep = scenario
    elif isinstance(scenario, Scenario):
        check_fits(scenario, timeseries=timeseries)
        prep = Prepared(scenario)
    else:
        accepts = "a Scenario from sim.load_scenario (sim.simulate takes a name, a path or a dict)"
        raise refuse("scenario", accepts, scenario)
    sc = prep.scenario
    ss = as_seed(seed)
    chain = prep.chain(ss, record_log=timeseries, events=events).run()
    index, values = prep.kpis(chain)
    base_values = None
    prep.keep_twin(ss, chain, values, logged=timeseries)
    if chain.disruptions is not None:
        # impact is paired: the same replication (same seed, so the same demand and transit draws) without them
        twin = prep.twin(ss)
        base_values = twin.values
        r_index, r_values = resilience.compute(chain, twin.record)
        products = prep.customer_products
        c_index, c_values = changes.index(products), changes.compute(index, values, base_values, products)
        index, values = [*index, *r_index, *c_index], np.concatenate([values, r_values, c_values])
    series = kpi.timeseries(chain) if timeseries else None
    log = chain.events.frame() if chain.events is not None else None
    chain.release()
    return ReplicationResult(sc.name, ss, index, values, series, log, base_values)


def baseline(scenario: Scenario) -> Scenario:
    """The scenario without its disruptions (the paired reference of the resilience KPIs)."""
    return scenario.model_copy(update={"disruptions": []})


def simulate(
    scenario: str | dict | Scenario,
    seed: int | np.random.SeedSequence = 0,
    *,
    timeseries: bool = True,
    events: bool = False,
) -> ReplicationResult:
    """Load (a path, a library name, a dict or a Scenario), validate and simulate one replication."""
    timeseries, events = flag("timeseries", timeseries), flag("events", events)
    as_seed(seed)  # checked before the scenario is loaded
    return run_replication(load_scenario(scenario), seed, timeseries=timeseries, events=events)
