"""Reading and validation: scenario files in, immutable :class:`ProblemData` out."""

from btsopt.reading.scenario import read_scenario
from btsopt.reading.tables import read_table

__all__ = ["read_scenario", "read_table"]
