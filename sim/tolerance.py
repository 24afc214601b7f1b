"""The one numerical tolerance of the simulator.

``EPS``: float dust. Quantities below it are zero, times within it are the same instant, a level within it of a
threshold is at the threshold. Every layer uses this one value (policies, the model's clock, the KPI pass).
"""

from __future__ import annotations

EPS = 1e-9
