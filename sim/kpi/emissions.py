"""Emissions: kg CO2e per unit shipped on a lane and per unit made by a supplier (docs/sourcing.md, "Emissions").

A lane's factor is its ``emissions_per_unit`` (kg CO2e per unit shipped), else ``distance_km`` × the product's
``weight_kg`` / 1000 (tonne-km per unit) × ``emission_factor`` (kg CO2e per tonne-km; default by mode, below), else
0. A supplier's production factor is its ``emissions_per_unit``. Units count when they arrive: the accepted units
plus those rejected at receipt (which were made and shipped too; their replacements count when they arrive).

Default factors per tonne-km, approximate, direct (tank-to-wheel) emissions from the UK Defra/DESNZ greenhouse-gas
conversion factors for freighting goods, as quoted by the Mode Shift Centre / FTA (HGV 0.12631, rail 0.03159, deep-
sea container ship 0.01536, van 0.5907 kg CO2e per tonne-km) and Defra's 2007 company-reporting guidelines for
long-haul air freight (0.57 kg CO2 per tonne-km, as given to Parliament: Hansard, 4 June 2007, "Freight
Transport"). The factors are those sources' averages and vintages differ: defaults to compare modes, not an audit.
Give a lane its own ``emission_factor`` (the GLEC Framework's or your carrier's) or ``emissions_per_unit``.
"""

from __future__ import annotations

from sim.scenario.schema import Lane

# kg CO2e per tonne-km by lane mode (the sources above; ``courier`` uses the van factor, ``internal`` moves nothing)
MODE_FACTORS: dict[str, float] = {
    "sea": 0.01536,
    "rail": 0.03159,
    "road": 0.12631,
    "air": 0.57,
    "courier": 0.5907,
    "internal": 0.0,
}


def lane_factor(lane: Lane, weight_kg: float) -> float:
    """kg CO2e per unit of a product weighing ``weight_kg`` shipped on ``lane``."""
    if lane.emissions_per_unit is not None:
        return lane.emissions_per_unit
    if lane.distance_km is None:
        return 0.0
    per_tkm = lane.emission_factor if lane.emission_factor is not None else MODE_FACTORS[lane.mode]
    return lane.distance_km * weight_kg / 1000.0 * per_tkm
