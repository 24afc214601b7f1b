"""The test suite, one folder per layer of ``sim`` (policy, scenario, model, kpi, experiment, report, cli) plus
``integration`` for whole runs across layers. Every folder is a package, so equal file names in two folders don't
clash and a test imports shared helpers as ``from tests.conftest import ...``."""
