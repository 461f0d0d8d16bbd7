"""The user's line: the innermost frame outside the circuitnn package."""

from __future__ import annotations

import os
import sys
import warnings

from .errors import CircuitError, Loc

#: circuitnn's own folder: frames in it are never the user's line
_PACKAGE = os.path.normcase(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _user_loc() -> Loc:
    """The file:line of the innermost caller outside the circuitnn package
    (the builder and the library alike)."""
    f = sys._getframe(1)
    while f is not None and os.path.normcase(
            os.path.abspath(f.f_code.co_filename)).startswith(_PACKAGE):
        f = f.f_back
    return _frame_loc(f)


def _frame_loc(f) -> Loc:
    """The location of frame ``f``, its file relative to the working
    directory when inside it (for front ends that find the user's line)."""
    if f is None:
        return Loc()
    name = f.f_code.co_filename
    if not name.startswith("<"):
        try:
            rel = os.path.relpath(name)
            if not rel.startswith(".."):
                name = rel
        except ValueError:  # another drive on Windows
            pass
    return Loc(name, f.f_lineno)


def _warn_at(problem: CircuitError, category: type[Warning]) -> None:
    """Warn the Python user with ``problem``, shown at the line it names (the
    user's line the builder recorded), not at a line inside circuitnn."""
    loc = problem.loc or Loc()
    warnings.warn_explicit(problem.message, category, loc.file or "<circuitnn>",
                           loc.line or 0)


def _warn_user(message: str | Warning, category: type[Warning] = UserWarning) -> None:
    """Warn the Python user at their own line (the innermost caller outside
    circuitnn), however deep in circuitnn the problem was found."""
    loc = _user_loc()
    warnings.warn_explicit(message, category, loc.file or "<circuitnn>", loc.line or 0)
