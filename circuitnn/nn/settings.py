"""Training settings, the trainer's version and its error: what keys a stored net."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from ..errors import CircuitError

Progress = Callable[[str], None]


#: Bumped whenever the training algorithm changes, so that stored nets are keyed
#: by the trainer that made them as well as by its settings.
TRAINER_VERSION = 2


class TrainingError(CircuitError):
    """No candidate net reached the acceptance criteria within the budget."""


# ----------------------------------------------------------------- settings
@dataclass(frozen=True)
class TrainSettings:
    """Everything that decides which net :func:`train` returns.

    Parameters
    ----------
    seed : int
        Seed of ``np.random.default_rng``; training is deterministic given it.
    restarts : int
        Candidate nets trained at once per truth table (a tensor axis).
    hidden_sizes : tuple of int
        Hidden layer sizes tried in order; ``0`` means no hidden layer.
    max_epochs : int
        Epoch budget per hidden size before escalating to the next one.
    lr : float
        Learning rate per row: the step is ``lr / rows * grad`` of the summed
        loss, so it means the same for 4 rows and for 1024.  ``lr = 4`` on a
        2-input table is the notebook's ``lrt = 1``.
    tolerance : float
        Accept only when every output of every row is within this of its target.
    delta : float
        Robustness margin: inputs within ``delta`` of their logic levels must
        give outputs within ``delta`` of their targets.
    certify : bool
        Require the ``delta`` certificate (interval arithmetic) for acceptance.
    check_every : int
        Epochs between acceptance checks.
    budget : float
        Training effort one table may take before it is given up (and, when
        compiling a circuit, decomposed into smaller functions): the sum over
        the hidden sizes tried of ``max_epochs * rows * restarts *
        max(hidden, 1)``, counted in full before each size runs, so the
        outcome does not depend on the machine's speed.  The next size is
        tried only while the sum is below the budget (the first size always
        runs).  About 7e6 a second of CPU here: a table that fails costs
        one to two seconds, except that a 10-input table's first size alone
        is 3.3e7.

    Examples
    --------
    >>> TrainSettings(seed=3).key()["seed"]
    3
    """

    seed: int = 0
    restarts: int = 8
    hidden_sizes: tuple[int, ...] = (0, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
    max_epochs: int = 2000
    lr: float = 16.0
    tolerance: float = 0.1
    delta: float = 0.1
    certify: bool = True
    check_every: int = 50
    budget: float = 1e7

    def key(self) -> dict:
        """A JSON-able dict of every field (all of them affect the result)."""
        d = asdict(self)
        d["hidden_sizes"] = list(self.hidden_sizes)
        return d


# ------------------------------------------------------ user-facing options
#: The largest hidden layer and restart count a user may ask for: 16 times the
#: defaults' largest, far more than any table here needs, and small enough
#: that the training arrays (rows x restarts x hidden) fit in memory.
MAX_HIDDEN = MAX_RESTARTS = 1024


def _int(lo: int, hi: int | None = None):
    def check(v):
        if isinstance(v, bool) or not isinstance(v, (int, str)):
            raise ValueError(f"{v!r} is not a whole number")
        try:
            v = int(v)
        except ValueError:
            raise ValueError(f"{v!r} is not a whole number") from None
        if v < lo:
            raise ValueError(f"{v} is less than {lo}")
        if hi is not None and v > hi:
            raise ValueError(f"{v} is more than {hi}")
        return v
    return check


def _hidden(v):
    items = v.split(",") if isinstance(v, str) else v
    if not isinstance(items, (list, tuple)) or not items:
        raise ValueError(f"{v!r} is not a list of hidden layer sizes such as 4,8,16")
    sizes = tuple(_int(0, MAX_HIDDEN)(x.strip() if isinstance(x, str) else x) for x in items)
    if len(set(sizes)) != len(sizes):
        raise ValueError(f"{v!r} lists a size twice")
    return sizes


def _number(lo: float, hi: float, lo_open: bool, hi_open: bool):
    def check(v):
        if isinstance(v, bool):
            raise ValueError(f"{v!r} is not a number")
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"{v!r} is not a number") from None
        if not (lo < x if lo_open else lo <= x) or not (x < hi if hi_open else x <= hi):
            left, right = "(" if lo_open else "[", ")" if hi_open else "]"
            raise ValueError(f"{v!r} is outside {left}{lo:g}, {hi:g}{right}")
        return x
    return check


#: The training settings a user sets (``--max-epochs`` on the command line,
#: ``max_epochs`` in a YAML ``train:`` section) -> (TrainSettings field, check).
USER_OPTIONS = {
    "restarts": ("restarts", _int(1, MAX_RESTARTS)),
    "max_epochs": ("max_epochs", _int(1)),
    "hidden": ("hidden_sizes", _hidden),
    "delta": ("delta", _number(0.0, 0.5, False, True)),
    "seed": ("seed", _int(0)),
    "budget": ("budget", _number(0.0, float("inf"), True, True)),
}


def with_options(settings: TrainSettings, options: dict) -> TrainSettings:
    """``settings`` with user options (keys of :data:`USER_OPTIONS`) applied.

    Raises
    ------
    ValueError
        Naming the first bad option and what it must be.

    Examples
    --------
    >>> with_options(TrainSettings(), {"hidden": "4,8", "max_epochs": 500}).hidden_sizes
    (4, 8)
    >>> with_options(TrainSettings(), {"delta": 0.7})
    Traceback (most recent call last):
    ...
    ValueError: delta: 0.7 is outside [0, 0.5)
    """
    from dataclasses import replace

    changes = {}
    for key, value in options.items():
        if key not in USER_OPTIONS:
            raise ValueError(f"unknown training setting {key!r}; known settings are "
                             f"{', '.join(USER_OPTIONS)}")
        field, check = USER_OPTIONS[key]
        try:
            changes[field] = check(value)
        except ValueError as e:
            raise ValueError(f"{key}: {e}") from None
    return replace(settings, **changes)
