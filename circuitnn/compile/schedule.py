"""Levelisation: gates grouped by level and primitive, so the engines pay
Python overhead per group, never per gate or per vector."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..errors import CircuitError, NetlistError, ValidationError
from .circuit import Gate, Group


def _levelise(gates: list[Gate], n_signals: int, names: list[str]) -> list[list[Group]]:
    # plain lists, not numpy arrays: this loop touches one element at a time,
    # and indexing a numpy array from Python costs several times a list's
    level_of_signal = [0] * n_signals
    driver_gate = [-1] * n_signals
    for gi, g in enumerate(gates):
        for s in g.outputs:
            driver_gate[s] = gi
    # Kahn's algorithm over gates
    n = len(gates)
    pending = [0] * n
    # only signals that gates read: a million-bit port read by nothing costs nothing
    readers: dict[int, list[int]] = {}
    for gi, g in enumerate(gates):
        for s in set(g.inputs):
            if driver_gate[s] >= 0:
                pending[gi] += 1
                readers.setdefault(s, []).append(gi)
    ready = [gi for gi in range(n) if pending[gi] == 0]
    gate_level = [0] * n
    done = 0
    while ready:
        nxt = []
        for gi in ready:
            g = gates[gi]
            lvl = 1 + max(map(level_of_signal.__getitem__, g.inputs), default=0)
            gate_level[gi] = lvl
            done += 1
            for s in g.outputs:
                level_of_signal[s] = lvl
                for r in readers.get(s, ()):
                    pending[r] -= 1
                    if pending[r] == 0:
                        nxt.append(r)
        ready = nxt
    if done < n:
        raise ValidationError([_loop_error(gates, driver_gate, pending)])
    by_level: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for gi, g in enumerate(gates):
        by_level[gate_level[gi]][g.prim].append(gi)
    levels = []
    for lvl in sorted(by_level):
        groups = []
        for prim, idx in sorted(by_level[lvl].items()):
            ins = np.array([gates[i].inputs for i in idx], dtype=np.intp).T
            outs = np.array([gates[i].outputs for i in idx], dtype=np.intp).T
            groups.append(Group(prim, np.array(idx, dtype=np.intp),
                                np.ascontiguousarray(ins), np.ascontiguousarray(outs)))
        levels.append(groups)
    return levels


def _loop_error(gates, driver_gate, pending) -> CircuitError:
    import networkx as nx

    g = nx.DiGraph()
    stuck = [gi for gi in range(len(gates)) if pending[gi] > 0]
    for gi in stuck:
        for s in gates[gi].inputs:
            d = driver_gate[s]
            if d >= 0 and pending[d] > 0:
                g.add_edge(int(d), gi)
    cycle = nx.find_cycle(g)
    order = [gates[a].name for a, _ in cycle] + [gates[cycle[0][0]].name]
    first = gates[cycle[0][0]]
    return NetlistError(f"combinational loop: {' -> '.join(order)}; a circuit must be "
                        "acyclic (break the loop or add an input)", first.loc)
