"""The SimPy model: actors (suppliers, lanes, stock points, demand), the clock, records and KPIs of one replication."""
