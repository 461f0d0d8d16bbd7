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

import os

from ..compile import Circuit
from ..errors import UsageError
from .miter import Counterexample, Equivalence, prove
from .ports import Matching, match_ports

__all__ = ["equivalent", "Equivalence", "Counterexample", "Matching", "match_ports",
           "as_circuit"]


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
               sweep: bool = True, seed: int = 0) -> Equivalence:
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
    matching = match_ports(ca, cb, (ca.name, cb.name), map, const)
    return prove(ca, cb, matching, timeout=timeout, sweep=sweep, seed=seed)
