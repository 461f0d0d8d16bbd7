"""The one exception family users see, and source locations for messages.

Every mistake in user input (a netlist, a vector file, a command line, a truth
table) raises a :class:`CircuitError`.  Anything else escaping to the CLI is a
bug in circuitnn; :class:`InternalError` says so out loud where an invariant
of circuitnn's own records is found broken.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "Loc",
    "CircuitError",
    "TruthTableError",
    "NetlistError",
    "ValidationError",
    "UsageError",
    "VectorError",
    "InternalError",
    "show_int",
    "show_mismatch",
]


@dataclass(frozen=True)
class Loc:
    """A place in a source file: ``file:line`` (either part may be unknown)."""

    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.file is None:
            return f"line {self.line}" if self.line is not None else ""
        return f"{self.file}:{self.line}" if self.line is not None else self.file


class CircuitError(Exception):
    """A problem with user input, with an optional source location.

    ``str(err)`` is the full message, prefixed by ``file:line: `` when known.
    A message that advises an option names the API's parameter; ``cli`` is
    the same message worded for the command line (its ``--option``), which
    the ``circuitnn`` command shows instead (:meth:`cli_text`).

    Examples
    --------
    >>> e = CircuitError("random needs a positive count, got 0",
    ...                  cli="--random needs a positive count, got 0")
    >>> str(e), e.cli_text()
    ('random needs a positive count, got 0', '--random needs a positive count, got 0')
    """

    def __init__(self, message: str, loc: Loc | None = None, cli: str | None = None):
        self.message = message
        self.loc = loc
        self.cli_message = cli
        super().__init__(self._render())

    def _render(self, cli: bool = False) -> str:
        message = self.cli_message if cli and self.cli_message is not None else self.message
        where = str(self.loc) if self.loc is not None else ""
        return f"{where}: {message}" if where else message

    def cli_text(self) -> str:
        """The full message as the command line shows it."""
        return self._render(cli=True)


class TruthTableError(CircuitError):
    """A truth table that is incomplete, inconsistent or too large."""


class NetlistError(CircuitError):
    """A netlist that cannot be read: bad syntax, bad structure, bad values."""


class UsageError(CircuitError):
    """A command-line or API call that does not make sense."""


class VectorError(CircuitError):
    """An input-vector file or value that cannot be used."""


class ValidationError(CircuitError):
    """Several problems found in one validation pass, reported together."""

    def __init__(self, problems: Iterable[CircuitError]):
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(first.message, first.loc)

    def _render(self, cli: bool = False) -> str:
        lines = [p._render(cli) for p in self.problems]
        if len(lines) > 1:
            lines.append(f"{len(lines)} problems found")
        return "\n".join(lines)


class InternalError(Exception):
    """A broken invariant inside circuitnn: a bug, never a user mistake.

    It is deliberately not a :class:`CircuitError`, so the CLI does not
    present it as a problem with the input.
    """

    def __init__(self, message: str):
        super().__init__(f"internal error (a bug in circuitnn, please report it): {message}")


def show_int(value: int) -> str:
    """An integer for a message: in full up to 50 digits, else abbreviated.

    Python refuses to print an int of more than 4,300 decimal digits, and a
    message with thousands of digits helps nobody; hexadecimal has no limit.

    Examples
    --------
    >>> show_int(255)
    '255'
    >>> show_int(2**20000 - 1)
    '0xffffffff...ffffffff (20000 bits)'
    """
    value = int(value)
    if value.bit_length() <= 166:  # at most 50 decimal digits
        return str(value)
    h = f"{abs(value):x}"
    sign = "-" if value < 0 else ""
    return f"{sign}0x{h[:8]}...{h[-8:]} ({value.bit_length()} bits)"


def show_mismatch(port: str, want: int, got: int) -> tuple[str, str]:
    """``port=want`` and ``port=got`` for a failed check, with :func:`show_int`;
    when the values are too wide to show in full, the bits where they differ.

    Examples
    --------
    >>> show_mismatch("y", 5, 4)
    ('y=5', 'y=4')
    >>> want = 2**20000 - 1
    >>> for text in show_mismatch("y", want, want ^ (1 << 7000)):
    ...     print(text)
    y=0xffffffff...ffffffff (20000 bits)
    y=0xffffffff...ffffffff (20000 bits), differing in bit 7000
    """
    w, g = show_int(want), show_int(got)
    if want != got and (w.endswith(" bits)") or g.endswith(" bits)")):
        diff = int(want) ^ int(got)
        lo, hi = (diff & -diff).bit_length() - 1, diff.bit_length() - 1
        g += f", differing in bit {lo}" if lo == hi else f", differing in bits {lo} to {hi}"
    return f"{port}={w}", f"{port}={g}"
