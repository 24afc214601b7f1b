"""The data-oriented layout of the stock items' records (docs/performance.md, large networks): flows laid out period
by period, customer rows that stand in as the item's own rows until a downstream order arrives, periodic demand
served from one periods x streams block. Each gives the values of the layout before it."""

from __future__ import annotations

from array import array
from types import SimpleNamespace

import numpy as np
import simpy

from sim.model.arrivals import PeriodicDemand
from sim.model.flows import FLOWS, FlowTable, values
from sim.model.stock_item import StockItem


def test_an_items_view_is_its_column_of_the_period_major_block():
    table = FlowTable(3, 4)  # 3 items, periods 0..4
    view = table.views(1)
    view["demand"][2] += 1.5
    view["demand"][4] += 2.0
    block = table.blocks["demand"]
    assert block.shape == (5, 3)
    assert block[2, 1] == 1.5 and block[4, 1] == 2.0 and np.count_nonzero(block) == 2
    assert table.rows["demand"][1].tolist() == [0.0, 0.0, 1.5, 0.0, 2.0]
    assert values(view["demand"]).tolist() == [0.0, 0.0, 1.5, 0.0, 2.0]
    win = table.window("demand", 1, 4)
    assert win.flags["C_CONTIGUOUS"] and win.tolist() == [[0.0] * 3, [0.0, 1.5, 0.0], [0.0] * 3]
    assert set(table.blocks) == set(FLOWS)


def _item(table: FlowTable, env: simpy.Environment) -> StockItem:
    return StockItem(env, "store", "p", 10, None, False, 4, True, record_log=False, flows=table.views(0))


def test_customer_rows_stand_in_until_a_downstream_order_then_hold_the_customers_part():
    env = simpy.Environment()
    table = FlowTable(1, 4)
    item = _item(table, env)
    shipped: list[float] = []
    order = SimpleNamespace(qty=5.0, lane=SimpleNamespace(ship=lambda o, q: shipped.append(q)))

    def run():
        item.customer_demand(3.0)  # t = 0: 3 of 10 on hand
        yield env.timeout(1)
        item.customer_demand(4.0)  # t = 1: 4 of 7
        assert item.cust_demand is item.demand and not item.cust_rows
        yield env.timeout(1)
        item.receive_order(order)  # t = 2: a downstream order of 5 gets the last 3, 2 backordered
        assert item.cust_rows and item.cust_demand is not item.demand
        yield env.timeout(1)
        item.customer_demand(2.0)  # t = 3: behind the backorder: all backordered

    env.process(run())
    env.run()
    assert shipped == [3.0]
    assert list(item.demand) == [3.0, 4.0, 5.0, 2.0, 0.0]
    assert list(item.filled) == [3.0, 4.0, 3.0, 0.0, 0.0]
    assert list(item.issued) == [3.0, 4.0, 3.0, 0.0, 0.0]
    # the customers' part: everything but the downstream order, in the table's own customer rows
    assert list(item.cust_demand) == [3.0, 4.0, 0.0, 2.0, 0.0]
    assert list(item.cust_filled) == [3.0, 4.0, 0.0, 0.0, 0.0]
    assert list(item.cust_issued) == [3.0, 4.0, 0.0, 0.0, 0.0]
    assert table.rows["cust_demand"][0].tolist() == [3.0, 4.0, 0.0, 2.0, 0.0]
    assert item.backorders == 4.0 and item.cust_backorders == 2.0


def test_customer_rows_of_a_customer_only_item_are_never_written():
    env = simpy.Environment()
    table = FlowTable(1, 4)
    item = _item(table, env)
    item.customer_demand(12.0)  # 10 filled, 2 backordered
    receipt = SimpleNamespace(source=None, external=False, received=0.0, qty=5.0, completed=None, placed=-1.0)
    item.receive(receipt, 5.0)  # pays the 2 backordered units to the customer
    assert list(item.cust_demand) == [12.0, 0, 0, 0, 0] and list(item.cust_issued) == [12.0, 0, 0, 0, 0]
    assert item.on_hand == 3.0 and item.backorders == 0.0
    for name in ("cust_demand", "cust_filled", "cust_issued"):
        assert not table.blocks[name].any()


def test_periodic_demand_is_served_from_one_block_in_scenario_order():
    env = simpy.Environment()
    demand = PeriodicDemand(env, 3)
    seen: list[tuple[float, str, float, type]] = []
    for name, qs in (("a", [1.0, 0.0, 2.5]), ("b", [0.0, 5.0, 1.0])):
        demand.add(array("d", qs), lambda q, name=name: seen.append((env.now, name, q, type(q))))
    assert demand.block() is not None and demand.streams[1][0][1] == 5.0  # the streams read the block's columns
    env.run()
    assert seen == [(0, "a", 1.0, float), (1, "b", 5.0, float), (2, "a", 2.5, float), (2, "b", 1.0, float)]


def test_periodic_demand_with_a_stream_of_the_scenarios_own_numbers_keeps_every_stream():
    env = simpy.Environment()
    demand = PeriodicDemand(env, 2)
    seen: list[tuple[float, str, float]] = []
    demand.add(array("d", [1.5, 2.0]), lambda q: seen.append((env.now, "a", q)))
    demand.add([3, 4], lambda q: seen.append((env.now, "b", q)))  # empirical: the scenario's values, as given
    env.run()
    assert seen == [(0, "a", 1.5), (0, "b", 3), (1, "a", 2.0), (1, "b", 4)]
    assert type(seen[1][2]) is int
