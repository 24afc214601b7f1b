"""Strategies: ordering policies (base stock, (s, S), forecast-driven, dual-index, VMI, ...) and sourcing rules
(fixed split, failover, volume trigger, expedite), each a small object that sees its stock point only through the
read-only view of :mod:`sim.policy.view`. Registered by name in :mod:`sim.policy.kinds`.

No SimPy here: a scenario can be validated without the model.
"""
