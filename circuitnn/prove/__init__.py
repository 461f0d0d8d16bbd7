"""Formal equivalence of two circuits, by SAT.

``ports``    pair A's port bits with B's (names, ``--map``, ``--const``)
``cover``    minimised covers of truth tables (the Tseitin clauses)
``network``  canonical nodes, structural hashing, simulation, SAT sweeping
``solver``   python-sat's MiniSat, with budgets and a deadline that stops it
``miter``    both circuits over shared inputs, output pairs decided, the
             counterexample replayed on the exact engine

python-sat is the optional extra ``sat`` (``pip install 'circuitnn[sat]'``);
it is imported only when a proof is asked for.
"""

from __future__ import annotations

import dataclasses
import os

from ..compile import Circuit
from ..errors import UsageError
from .miter import (
    Counterexample,
    Equivalence,
    Trace,
    prove,
    prove_bounded,
    registers_correspond,
)
from .ports import Matching, match_ports, parse_map

#: Clock cycles a bounded sequential check unrolls by default.
DEFAULT_CYCLES = 20

__all__ = ["equivalent", "check", "Equivalence", "Counterexample", "Trace", "Matching",
           "match_ports", "as_circuit"]


def as_circuit(obj) -> Circuit:
    """A compiled :class:`~circuitnn.compile.Circuit` from a Circuit, a
    compiled :class:`~circuitnn.run.session.Session`, a
    builder/library Subcircuit, a Builder, or a file path.

    Examples
    --------
    >>> from circuitnn.library import ripple_carry_adder
    >>> as_circuit(ripple_carry_adder(4))
    Circuit(ripple_carry_adder_4: 9 in, 5 out, 20 gates, depth 9)
    """
    from ..compile import compile_design
    from ..hdl.builder import Builder
    from ..hdl.subcircuit import Subcircuit
    from ..run.session import Session

    if isinstance(obj, Circuit):
        return obj
    if isinstance(obj, Session):
        return obj.circuit
    if isinstance(obj, Builder):
        obj = obj.build()
    if isinstance(obj, Subcircuit):
        return compile_design(obj.design)
    if isinstance(obj, (str, os.PathLike)):
        from ..read import load_circuit

        return load_circuit(obj)
    raise UsageError(f"cannot compare {type(obj).__name__!r} objects; give a Circuit, a "
                     "Subcircuit (builder or library), a Session or a netlist path")


def equivalent(a, b, map=None, const=None, timeout: float | None = None,
               sweep: bool = True, seed: int = 0, cycles: int = DEFAULT_CYCLES
               ) -> Equivalence:
    """Prove that two circuits compute the same function, or find an input on
    which they differ.

    Parameters
    ----------
    a, b
        Circuits: compiled ``Circuit`` objects, library or builder circuits
        (``Subcircuit``, ``Builder``, or a ``Session`` from ``.compile()``),
        or netlist paths.  B plays the specification.
    map : str, dict or list, optional
        Pairs of ports with different names, ``{"f": "sum"}`` or
        ``"f=sum,cOut=cout"``; a side may be a bit or slice, ``"x[3]"``.
    const : dict or list, optional
        Inputs tied to constants, ``{"B.cin": 0}`` or ``["B.cin=0"]``.
    timeout : float, optional
        Seconds before giving up with status ``"unknown"``.
    sweep : bool
        Merge internal signals proved equal (SAT sweeping); off, only
        structural hashing and constant propagation simplify the miter.
    seed : int
        Seed of the random simulation patterns.
    cycles : int
        For sequential circuits whose registers do not correspond: clock
        cycles from reset that the bounded check compares.

    Returns
    -------
    Equivalence
        Truthy when proved equivalent; else ``status`` is ``"different"``
        with a ``counterexample`` checked on the exact engine, or
        ``"unknown"``.

    Examples
    --------
    >>> from circuitnn.library import ripple_carry_adder, kogge_stone_adder
    >>> r = equivalent(ripple_carry_adder(16), kogge_stone_adder(16))
    >>> bool(r), r.status
    (True, 'equivalent')
    >>> from circuitnn.hdl import Builder
    >>> b = Builder("almost")
    >>> x, y, c = b.input("a", 16), b.input("b", 16), b.input("cin")
    >>> out = kogge_stone_adder(16)(a=x, b=y, cin=c)
    >>> _ = b.output("sum", out["sum"]), b.output("cout", out["cout"] & ~x[15])
    >>> r = equivalent(b, ripple_carry_adder(16))
    >>> r.status, r.counterexample.differing
    ('different', ['cout'])
    """
    ca, cb = as_circuit(a), as_circuit(b)
    return check(ca, cb, (ca.name, cb.name), map, const, timeout=timeout, sweep=sweep,
                 seed=seed, cycles=cycles)


def check(a: Circuit, b: Circuit, labels: tuple[str, str], map=None, const=None,
          timeout: float | None = None, sweep: bool = True, seed: int = 0,
          cycles: int = DEFAULT_CYCLES, progress=None, notes: list | None = None
          ) -> Equivalence:
    """:func:`equivalent` on compiled circuits; for sequential ones, the
    register-matched check when the registers correspond, else (or when it
    fails) the bounded check for ``cycles`` cycles.  ``notes`` collects a
    line about each fallback."""
    import time

    notes = notes if notes is not None else []
    if not (getattr(a, "registers", ()) or getattr(b, "registers", ())):
        matching = match_ports(a, b, labels, map, const)
        return prove(a, b, matching, timeout=timeout, sweep=sweep, seed=seed,
                     progress=progress)
    start = time.monotonic()
    step_map = registers_correspond(a, b, map, const)
    if step_map is not None:
        result = prove(a.step, b.step, step_map, timeout=timeout, sweep=sweep, seed=seed,
                       progress=progress)
        if result.status != "different":
            return dataclasses.replace(result, stats={**result.stats,
                                                      "method": "register-matched"})
        notes.append("the register-matched check failed (the states where the step "
                     "functions differ may be unreachable); falling back to the bounded "
                     f"check for {cycles} cycles")
    else:
        notes.append(f"the registers do not correspond by name, width and initial value; "
                     f"bounded check for {cycles} cycles from reset")
    if timeout is not None:
        timeout = max(0.0, timeout - (time.monotonic() - start))
    plain = [(x, y) for x, y in parse_map(map) if "." not in x.split("[")[0]]
    matching = match_ports(a, b, labels, plain, const)
    return prove_bounded(a, b, matching, cycles, timeout=timeout, sweep=sweep, seed=seed,
                         progress=progress)
