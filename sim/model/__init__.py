"""The SimPy model of one replication: the actors (suppliers, lanes, stock items and their collaborators, stock points,
demand, disruptions, the control tower), the clock and the random streams; built by ``SupplyChain`` (network.py)."""
