"""Truth tables: the single source of truth for every primitive.

A :class:`TruthTable` has named inputs and outputs and one row per input
combination.  Row ``r`` holds the outputs for the inputs whose bits spell
``r`` in binary with ``inputs[0]`` as the most significant bit, the order the
notebook uses (``00, 01, 10, 11``).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import TruthTableError

__all__ = ["TruthTable", "MAX_INPUTS", "input_matrix"]

#: The widest table circuitnn builds exhaustively (2**16 rows).
MAX_INPUTS = 16

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def input_matrix(k: int) -> np.ndarray:
    """All ``2**k`` input rows as a ``(2**k, k)`` uint8 array, MSB first.

    Examples
    --------
    >>> input_matrix(2).tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1]]
    """
    r = np.arange(2**k, dtype=np.uint32)[:, None]
    shifts = np.arange(k - 1, -1, -1, dtype=np.uint32)[None, :]
    return ((r >> shifts) & 1).astype(np.uint8)


@dataclass(frozen=True, eq=False)
class TruthTable:
    """A complete boolean function with named inputs and outputs.

    Parameters
    ----------
    inputs, outputs : tuple of str
        Port names, in pin order.
    table : numpy.ndarray
        uint8 array of shape ``(2**len(inputs), len(outputs))`` holding 0/1.
    name : str, optional
        A label for messages; not part of the function's identity.

    Examples
    --------
    >>> t = TruthTable.from_expr("a & b")
    >>> t.table[:, 0].tolist()
    [0, 0, 0, 1]
    >>> t == TruthTable.from_function(("x", "y"), ("z",), lambda x, y: x & y)
    True
    """

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    table: np.ndarray = field(repr=False)
    name: str | None = None

    def __post_init__(self) -> None:
        label = f"truth table {self.name!r}" if self.name else "truth table"
        k, m = len(self.inputs), len(self.outputs)
        if k > MAX_INPUTS:
            raise TruthTableError(
                f"{label} has {k} inputs; at most {MAX_INPUTS} are supported"
            )
        if m == 0:
            raise TruthTableError(f"{label} has no outputs; give at least one")
        for kind, names in (("input", self.inputs), ("output", self.outputs)):
            for n in names:
                if not isinstance(n, str) or not _NAME.match(n):
                    raise TruthTableError(
                        f"{label}: {kind} name {n!r} is not an identifier "
                        "(letters, digits and '_', not starting with a digit)"
                    )
        dup = _first_duplicate(self.inputs + self.outputs)
        if dup is not None:
            raise TruthTableError(f"{label}: port name {dup!r} is used twice")
        table = np.asarray(self.table)
        if table.shape != (2**k, m):
            raise TruthTableError(
                f"{label}: table has shape {table.shape}; expected {(2**k, m)} "
                f"for {k} inputs and {m} outputs"
            )
        if table.size and not np.isin(table, (0, 1)).all():
            bad = table[~np.isin(table, (0, 1))].flat[0].item()
            raise TruthTableError(f"{label}: value {bad!r} is not 0 or 1")
        table = table.astype(np.uint8)
        table.flags.writeable = False
        object.__setattr__(self, "table", table)

    # ----------------------------------------------------------- constructors
    @classmethod
    def from_rows(
        cls,
        inputs: Sequence[str],
        outputs: Sequence[str],
        rows: Iterable,
        name: str | None = None,
    ) -> TruthTable:
        """Build a table from rows of input bits followed by output bits.

        Each row is a sequence of ``k + m`` bits, or a string of them in which
        spaces and ``|`` are ignored (``"01 10"``).  Every input combination must
        appear exactly once, in any order.

        Examples
        --------
        >>> ha = TruthTable.from_rows(["a", "b"], ["carry", "sum"],
        ...                           ["00 00", "01 01", "10 01", "11 10"])
        >>> ha.table.tolist()
        [[0, 0], [0, 1], [0, 1], [1, 0]]
        """
        inputs, outputs = tuple(inputs), tuple(outputs)
        k, m = len(inputs), len(outputs)
        label = f"truth table {name!r}" if name else "truth table"
        if k > MAX_INPUTS:
            raise TruthTableError(
                f"{label} has {k} inputs; at most {MAX_INPUTS} are supported"
            )
        table = np.zeros((2**k, m), dtype=np.uint8)
        seen = np.zeros(2**k, dtype=bool)
        for i, row in enumerate(rows, 1):
            bits = _row_bits(row, k + m, label, i)
            r = int("".join(map(str, bits[:k])) or "0", 2)
            if seen[r]:
                raise TruthTableError(
                    f"{label}: row {i} repeats inputs "
                    f"{''.join(map(str, bits[:k]))}; each combination must appear once"
                )
            seen[r] = True
            table[r] = bits[k:]
        if not seen.all():
            missing = np.flatnonzero(~seen)
            shown = ", ".join(format(int(r), f"0{k}b") for r in missing[:4])
            more = f" and {len(missing) - 4} more" if len(missing) > 4 else ""
            raise TruthTableError(
                f"{label}: {len(missing)} of {2**k} input rows missing "
                f"({shown}{more}); a table needs every combination"
            )
        return cls(inputs, outputs, table, name)

    @classmethod
    def from_function(
        cls,
        inputs: Sequence[str],
        outputs: Sequence[str],
        fn: Callable[..., object],
        name: str | None = None,
    ) -> TruthTable:
        """Tabulate ``fn(*bits)``, which returns a bit or a tuple of bits.

        Examples
        --------
        >>> maj = TruthTable.from_function("abc", ["y"], lambda a, b, c: a + b + c >= 2)
        >>> maj.table[:, 0].tolist()
        [0, 0, 0, 1, 0, 1, 1, 1]
        """
        inputs, outputs = tuple(inputs), tuple(outputs)
        k, m = len(inputs), len(outputs)
        if k > MAX_INPUTS:
            raise TruthTableError(
                f"truth table has {k} inputs; at most {MAX_INPUTS} are supported"
            )
        table = np.zeros((2**k, m), dtype=np.int64)
        for r, bits in enumerate(input_matrix(k).tolist()):
            out = fn(*bits)
            out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
            if len(out) != m:
                raise TruthTableError(
                    f"function returned {len(out)} values for {m} outputs"
                )
            table[r] = [int(v) for v in out]
        return cls(inputs, outputs, table, name)

    @classmethod
    def from_expr(
        cls,
        expr: str | dict[str, str],
        inputs: Sequence[str] | None = None,
        name: str | None = None,
    ) -> TruthTable:
        """Build a table from boolean expressions over ``& | ^ ~ ( ) 0 1``.

        ``expr`` is one expression (output ``y``) or a mapping of output name
        to expression.  Inputs default to the names in order of appearance.
        Precedence, tightest first: ``~`` (or ``!``), ``&``, ``^``, ``|``.

        Examples
        --------
        >>> TruthTable.from_expr("a & b | ~c").table[:, 0].tolist()
        [1, 0, 1, 0, 1, 0, 1, 1]
        >>> TruthTable.from_expr({"carry": "a & b", "sum": "a ^ b"}).outputs
        ('carry', 'sum')
        """
        exprs = {"y": expr} if isinstance(expr, str) else dict(expr)
        if not exprs:
            raise TruthTableError("no output expressions given")
        parsed = {}
        order: list[str] = []
        for out, text in exprs.items():
            if not isinstance(text, str):
                raise TruthTableError(
                    f"expression for output {out!r} must be a string, got {text!r}"
                )
            parsed[out] = _Parser(text, order).parse()
        if inputs is None:
            inputs = order
        else:
            inputs = list(inputs)
            unknown = [n for n in order if n not in inputs]
            if unknown:
                raise TruthTableError(
                    f"expression uses {unknown[0]!r}, which is not an input; "
                    f"inputs are {', '.join(inputs)}"
                )
        k = len(inputs)
        if k > MAX_INPUTS:
            raise TruthTableError(
                f"expression has {k} inputs; at most {MAX_INPUTS} are supported"
            )
        cols = input_matrix(k).T.astype(bool)
        env = {n: cols[i] for i, n in enumerate(inputs)}
        n_rows = 2**k
        table = np.stack(
            [np.broadcast_to(f(env), (n_rows,)) for f in parsed.values()], axis=1
        )
        return cls(tuple(inputs), tuple(exprs), table.astype(np.uint8), name)

    # ------------------------------------------------------------ properties
    @property
    def n_inputs(self) -> int:
        return len(self.inputs)

    @property
    def n_outputs(self) -> int:
        return len(self.outputs)

    def input_matrix(self) -> np.ndarray:
        """The ``(2**k, k)`` array of input rows, matching ``table``'s rows."""
        return input_matrix(self.n_inputs)

    def canonical_bytes(self) -> bytes:
        """The function's identity: sizes and output bits, without names."""
        head = f"tt1:{self.n_inputs}:{self.n_outputs}:".encode()
        return head + np.packbits(self.table.T, axis=None).tobytes()

    @property
    def digest(self) -> str:
        """A stable SHA-256 hex digest of :meth:`canonical_bytes`."""
        return hashlib.sha256(self.canonical_bytes()).hexdigest()

    def is_linearly_separable_hint(self) -> bool:
        """True for functions with one output that is monotone in each input
        (up to negation); a cheap hint, not a proof, used to order attempts."""
        return self.n_outputs == 1 and _unate(self.table[:, 0], self.n_inputs)

    # ------------------------------------------------------------- behaviour
    def evaluate(self, bits: np.ndarray) -> np.ndarray:
        """Exact evaluation: ``bits`` is ``(k, ...)`` of 0/1; returns ``(m, ...)``.

        Examples
        --------
        >>> TruthTable.from_expr("a ^ b").evaluate(np.array([[0, 1], [1, 1]])).tolist()
        [[1, 0]]
        """
        bits = np.asarray(bits)
        idx = np.zeros(bits.shape[1:], dtype=np.intp)
        for row in bits:
            idx <<= 1
            idx |= row.astype(np.intp)
        return np.moveaxis(self.table[idx], -1, 0)

    def rows(self) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        """The table as ``(input bits, output bits)`` pairs."""
        return [
            (tuple(i), tuple(o))
            for i, o in zip(self.input_matrix().tolist(), self.table.tolist())
        ]

    def renamed(self, inputs=None, outputs=None, name=None) -> TruthTable:
        """The same function with other port names or label."""
        return TruthTable(
            tuple(inputs) if inputs is not None else self.inputs,
            tuple(outputs) if outputs is not None else self.outputs,
            self.table,
            name if name is not None else self.name,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TruthTable):
            return NotImplemented
        return self.canonical_bytes() == other.canonical_bytes()

    def __hash__(self) -> int:
        return hash(self.canonical_bytes())

    def _repr_html_(self) -> str:
        """The table as HTML, inputs then outputs, for Jupyter."""
        from ..run.display import columns_html

        rows = np.asarray(input_matrix(self.n_inputs))
        cols = {n: rows[:, i] for i, n in enumerate(self.inputs)}
        cols.update({n: np.asarray(self.table)[:, j] for j, n in enumerate(self.outputs)})
        return columns_html(cols, self.n_inputs, f"{self.name or 'truth table'}",
                            max_rows=1 << self.n_inputs)

    def __repr__(self) -> str:
        label = f"{self.name} " if self.name else ""
        return (
            f"TruthTable({label}{','.join(self.inputs)} -> {','.join(self.outputs)})"
        )


def _first_duplicate(names: Sequence[str]) -> str | None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            return n
        seen.add(n)
    return None


def _row_bits(row, width: int, label: str, i: int) -> list[int]:
    if isinstance(row, str):
        cells = [c for c in row if c not in " \t|_"]
    elif isinstance(row, (list, tuple)):
        cells = []
        for part in row:
            if isinstance(part, str):
                cells.extend(c for c in part if c not in " \t|_")
            elif isinstance(part, (list, tuple)):
                cells.extend(part)
            else:
                cells.append(part)
    else:
        raise TruthTableError(
            f"{label}: row {i} is {row!r}; write it as a string of bits like '01 1' "
            "or a list of bits"
        )
    bits = []
    for c in cells:
        if c in (0, 1, "0", "1") and not isinstance(c, float):
            bits.append(int(c))
        else:
            raise TruthTableError(f"{label}: row {i} has value {c!r}; use 0 or 1")
    if len(bits) != width:
        raise TruthTableError(
            f"{label}: row {i} has {len(bits)} bits; expected {width} "
            "(the inputs, then the outputs)"
        )
    return bits


def _unate(col: np.ndarray, k: int) -> bool:
    f = col.reshape((2,) * k) if k else col
    for axis in range(k):
        lo = np.take(f, 0, axis=axis)
        hi = np.take(f, 1, axis=axis)
        if not ((lo <= hi).all() or (lo >= hi).all()):
            return False
    return True


_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_]*)|([01])|(\S))")


#: Parentheses nest at most this deep in an expression (as YAML nesting).
MAX_EXPR_NESTING = 100


class _Parser:
    """Recursive descent over ``|`` < ``^`` < ``&`` < ``~``; builds closures."""

    def __init__(self, text: str, names: list[str]):
        self.text = text
        self.names = names
        self.tokens = []
        for m in _TOKEN.finditer(text):
            if m.group(0).strip():
                self.tokens.append(m.groups())
        self.pos = 0
        self.depth = 0

    def _peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _fail(self, what: str):
        shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        raise TruthTableError(
            f"cannot parse expression {shown!r}: {what}; "
            "use names, 0, 1, ~, &, ^, | and parentheses"
        )

    def parse(self):
        if not self.tokens:
            self._fail("it is empty")
        node = self._or()
        if self._peek() is not None:
            self._fail(f"unexpected {self._tok_text(self._peek())!r}")
        return node

    @staticmethod
    def _tok_text(tok) -> str:
        return next(t for t in tok if t is not None)

    def _op(self, ch: str) -> bool:
        tok = self._peek()
        if tok is not None and tok[2] == ch:
            self.pos += 1
            return True
        return False

    def _binary(self, ch, sub, fn):
        # a run of one operator is one node: evaluating ``a & b & ... & z``
        # must not recurse once per term
        parts = [sub()]
        while self._op(ch):
            parts.append(sub())
        if len(parts) == 1:
            return parts[0]
        return lambda env: functools.reduce(fn, (part(env) for part in parts))

    def _or(self):
        return self._binary("|", self._xor, np.logical_or)

    def _xor(self):
        return self._binary("^", self._and, np.logical_xor)

    def _and(self):
        return self._binary("&", self._not, np.logical_and)

    def _not(self):
        flips = 0
        while self._op("~") or self._op("!"):
            flips += 1
        inner = self._atom()
        if flips % 2 == 0:
            return inner
        return lambda env: np.logical_not(inner(env))

    def _atom(self):
        tok = self._peek()
        if tok is None:
            self._fail("it ends too early")
        self.pos += 1
        name, const, other = tok
        if name is not None:
            if name not in self.names:
                self.names.append(name)
            return lambda env: env[name]
        if const is not None:
            value = const == "1"
            return lambda env: np.bool_(value)
        if other == "(":
            self.depth += 1
            if self.depth > MAX_EXPR_NESTING:
                self._fail(f"parentheses nest deeper than {MAX_EXPR_NESTING} levels")
            node = self._or()
            self.depth -= 1
            if not self._op(")"):
                self._fail("a '(' is never closed")
            return node
        self._fail(f"unexpected {other!r}")
