"""One rule for whole numbers written as text, everywhere a user writes one.

Embedded YAML tests, ``--set``, CSV cells and YAML scalars all read numbers
by :func:`whole_number`: decimal (leading zeros allowed and still decimal,
so ``010`` is ten, never octal eight), or ``0b...``, ``0o...``, ``0x...``,
with ``_`` as an optional digit separator.
"""

from __future__ import annotations

import re

__all__ = ["WHOLE", "whole_number"]

#: a whole number in the one accepted spelling (no sign)
WHOLE = re.compile(r"(?:0[bB][01_]+|0[oO][0-7_]+|0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)\Z")
_BASES = {"b": 2, "o": 8, "x": 16}


def whole_number(text: str) -> int | None:
    """The value of ``text`` as a whole number, or None if it is not one.

    Decimal numbers of more than 4300 digits are not read (Python's limit on
    decimal conversion) and give None too; hex has no such limit.

    Examples
    --------
    >>> whole_number("010"), whole_number("0x1_f"), whole_number("0b101")
    (10, 31, 5)
    >>> whole_number("1.5") is None, whole_number("-3") is None
    (True, True)
    """
    text = text.strip()
    if not WHOLE.match(text):
        return None
    digits = text.replace("_", "")
    base = _BASES.get(digits[1:2].lower(), 10) if len(digits) > 1 else 10
    try:
        return int(digits[2:] if base != 10 else digits, base) if digits not in (
            "0b", "0o", "0x") else None
    except ValueError:
        return None
