"""The catalogue of indicators. Each module registers its own; `REGISTRY` maps a code
to its Indicator, in the order of the sections."""

from research.indicators.base import TOTAL, Cell, Indicator, Measure, Scope, Table, Unit
from research.indicators.registry import REGISTRY, SECTIONS, get, register

__all__ = [
    "REGISTRY",
    "SECTIONS",
    "TOTAL",
    "Cell",
    "Indicator",
    "Measure",
    "Scope",
    "Table",
    "Unit",
    "get",
    "register",
]
