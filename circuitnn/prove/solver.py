"""The SAT solver behind the prover: python-sat's MiniSat 2.2, incremental,
with conflict budgets and a wall-clock deadline that really stops it.

CaDiCaL (also in python-sat) cannot be interrupted from another thread;
MiniSat can, through ``solve_limited`` and ``interrupt``, so a ``--timeout``
ends a hard query instead of waiting for it.
"""

from __future__ import annotations

import threading
import time

from ..errors import UsageError

__all__ = ["Solver", "Timeout", "require_pysat"]

#: MiniSat 2.2 looks at an interrupt at every decision, Glucose only at its
#: restarts (seen 5 s late); MiniSat also proved 8x8 multiplier miters that
#: Glucose did not (benchmarks/bench_equiv.py, docs/equivalence.md).
SOLVER = "minisat22"


class Timeout(Exception):
    """The deadline passed before the question was settled."""


def require_pysat():
    """The ``pysat.solvers`` module, or a UsageError naming the extra to install."""
    try:
        from pysat import solvers
    except ImportError:
        raise UsageError("proving equivalence needs python-sat, which is not installed; "
                         "install it with: pip install 'circuitnn[sat]'") from None
    return solvers


class Solver:
    """An incremental SAT solver that counts what it was given.

    Parameters
    ----------
    deadline : float or None
        A ``time.monotonic()`` instant after which every call gives up.

    Examples
    --------
    >>> s = Solver()
    >>> s.add([1, 2]); s.add([-1]); s.add([-2, 3])
    >>> s.solve([-3])
    False
    >>> s.solve([3]), s.value(2)
    (True, True)
    """

    def __init__(self, deadline: float | None = None):
        self._sat = require_pysat().Solver(name=SOLVER)
        self.deadline = deadline
        self.n_vars = 0
        self.n_clauses = 0
        self.calls = 0
        self.model: list[int] = []

    def add(self, clause: list[int]) -> None:
        self._sat.add_clause(clause)
        self.n_clauses += 1
        self.n_vars = max(self.n_vars, max((abs(v) for v in clause), default=0))

    def solve(self, assumptions: list[int], conflicts: int | None = None) -> bool | None:
        """True (satisfiable; see :meth:`value`), False, or None when the
        conflict budget ran out.  Raises :class:`Timeout` past the deadline."""
        timer = None
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise Timeout
            timer = threading.Timer(left, self._sat.interrupt)
            timer.daemon = True
            timer.start()
        self._sat.conf_budget(conflicts if conflicts is not None else -1)
        self.calls += 1
        try:
            answer = self._sat.solve_limited(assumptions=assumptions,
                                             expect_interrupt=timer is not None)
        finally:
            if timer is not None:
                timer.cancel()
                self._sat.clear_interrupt()
        if answer is None and self.deadline is not None and time.monotonic() >= self.deadline:
            raise Timeout
        if answer:
            self.model = self._sat.get_model()
        return answer

    def value(self, var: int) -> bool:
        """The variable's value in the last satisfying assignment."""
        return var <= len(self.model) and self.model[var - 1] > 0

    def close(self) -> None:
        self._sat.delete()
