"""The plan both engines share: the schedule as slot-indexed steps, with signal
slots reused after their last reader, and chunking within a memory budget."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..compile import Circuit

#: Steps over at most this many values (gates x vectors) use a matrix product.
_SMALL = 128


#: Bytes of signal storage one chunk of vectors may use.
DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024


@dataclass(frozen=True)
class _Step:
    prim: str
    ins: np.ndarray   # (k, G) slots
    outs: np.ndarray  # (m, G) slots
    n_gates: int


@dataclass(frozen=True)
class Plan:
    """The schedule mapped onto reusable storage slots."""

    steps: tuple[_Step, ...]
    n_slots: int
    input_slots: np.ndarray
    output_slots: np.ndarray
    signal_slots: np.ndarray  # slot per signal while it is live

    @classmethod
    def build(cls, circuit: Circuit, keep_all: bool = False) -> Plan:
        """Give each signal a slot, reusing slots after their last reader
        (``keep_all`` keeps every signal, for probing internal values)."""
        if circuit.registers:
            from ..errors import UsageError

            text = (f"circuit {circuit.name!r} is sequential ({len(circuit.registers)} "
                    f"register{'s' if len(circuit.registers) > 1 else ''}): it runs clock "
                    "cycle by clock cycle; use ")
            raise UsageError(text + "its session's sim(...), one value per cycle",
                             cli=text + "'circuitnn sim'")
        n = circuit.n_signals
        last_read = np.full(n, -1, dtype=np.int64)
        never = len(circuit.levels) + 1
        for li, groups in enumerate(circuit.levels):
            for grp in groups:
                last_read[grp.ins.ravel()] = li
        last_read[circuit.output_signals] = never
        last_read[[0, 1]] = never
        last_read[circuit.input_signals] = np.maximum(last_read[circuit.input_signals], 0)
        if keep_all:
            last_read[:] = never
        slot = np.full(n, -1, dtype=np.intp)
        slot[0], slot[1] = 0, 1
        free: list[int] = []
        n_slots = 2

        def take() -> int:
            nonlocal n_slots
            if free:
                return free.pop()
            n_slots += 1
            return n_slots - 1

        for s in circuit.input_signals:
            slot[s] = take()
        expiring: dict[int, list[int]] = {}
        for s in circuit.input_signals:
            expiring.setdefault(int(last_read[s]), []).append(int(s))
        steps = []
        for li, groups in enumerate(circuit.levels):
            for grp in groups:
                outs = grp.outs
                for s in outs.ravel():
                    slot[s] = take()
                    expiring.setdefault(int(last_read[s]) if last_read[s] >= 0 else li,
                                        []).append(int(s))
                steps.append(_Step(grp.prim, slot[grp.ins], slot[outs], grp.ins.shape[1]))
            for s in expiring.pop(li, []):
                free.append(int(slot[s]))
        return cls(tuple(steps), n_slots, slot[circuit.input_signals].copy(),
                   slot[circuit.output_signals].copy(), slot)


def _chunks(n_vectors: int, n_slots: int, itemsize: int, budget: int):
    per_vector = max(1, n_slots * itemsize * 2)
    size = max(64, budget // per_vector)
    for start in range(0, n_vectors, size):
        yield start, min(n_vectors, start + size)
