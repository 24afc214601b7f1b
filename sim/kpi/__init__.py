"""KPIs of one replication, computed after the run from the model's records: the catalogue (names, units, bounds),
the KPI pass, costs and emissions, sourcing rows, contract terms, consolidated lanes, resilience and survival."""
