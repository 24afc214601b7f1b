"""The ``supplysim`` command line: the entry point (``main``), Hydra composition (``config``), settings, running a
composed config (``run``), and the stress-test and sweep glue. ``conf/hydra/default.yaml`` names
``sim.cli.ComparisonCallback``; the console script is ``sim.cli:main``."""

from sim.cli.entry import ComparisonCallback, main

__all__ = ["ComparisonCallback", "main"]
