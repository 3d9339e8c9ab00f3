"""The fast core: Lagrangian bounds, guided heuristics, reduced-cost fixing and
warm-started branch and cut, on the per-site structure of the model.

The search is a list of phases run in order on one shared state
(:func:`solve_core`)::

    for phase in strategy(state):              # search.py: the one place that picks them
        if state.proven or state.exact is not None:
            break
        if phase.applies(state):
            phase.run(state, stop)

Adding a phase (e.g. one for capacity rows):

1. Write a class with a ``name`` (the settings table whose ``enabled``
   switches it off, or ``"table.switch"``), ``applies(state) -> bool``
   (whether it has work on this model now: ``state.core.q`` is the sharing
   row, ``state.country`` the scale, ``state.incumbent.plan`` the best plan,
   ``state.gap_open()`` whether the gap is still open, ...) and
   ``run(state, stop) -> None`` (:class:`~.phases.Phase`, in :mod:`.phases`).
2. In ``run``, read and improve only the :class:`~.state.SearchState`:
   offer plans with ``state.offer(CorePlan.from_values(linear, values))`` or
   ``state.offer_choice((chosen, tokens))`` (the :class:`~.state.Incumbent`
   takes a plan only if it is feasible and cheaper), proven bounds with
   ``state.raise_bound(value, source)``, multipliers with
   ``state.take_multipliers(relaxation, source)``; ``state.relaxation()`` is
   the best Lagrangian state. Ask ``stop(state.incumbent.cost, state.bound)``
   at natural points and size time budgets by ``stop.remaining()`` (a share
   of it from ``settings.time``); combine a budget of your own with
   ``Deadline(seconds) | stop``.
3. Give it a settings dataclass in :mod:`.settings` (every knob a field with
   its default, range and reason; add it to ``COMPONENTS``) and put it in the
   list of :func:`~.search.strategy` for the models it serves.

Settings: :class:`CoreSettings` (``btsopt settings`` prints them). Stopping
criteria: :mod:`.stop` (:class:`Deadline`, :class:`GapReached`,
:class:`Interrupt`, :class:`MaxIterations`, :class:`NoImprovement`, combined
with ``|``); :func:`solve_core` always stops at the time limit and on the
progress's stop flag, and takes more criteria in ``stop``.
"""

from btsopt.solvers.core.phases import Phase
from btsopt.solvers.core.search import solve_core, strategy
from btsopt.solvers.core.settings import CoreSettings
from btsopt.solvers.core.state import CorePlan, Incumbent, SearchState
from btsopt.solvers.core.stop import (
    AnyOf,
    Deadline,
    GapReached,
    Interrupt,
    MaxIterations,
    NoImprovement,
    StoppingCriterion,
)
from btsopt.solvers.core.structure import CoreStructure, core_structure

__all__ = [
    "AnyOf", "CorePlan", "CoreSettings", "CoreStructure", "Deadline", "GapReached", "Incumbent",
    "Interrupt", "MaxIterations", "NoImprovement", "Phase", "SearchState", "StoppingCriterion",
    "core_structure", "solve_core", "strategy",
]
