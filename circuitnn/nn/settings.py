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

    def key(self) -> dict:
        """A JSON-able dict of every field (all of them affect the result)."""
        d = asdict(self)
        d["hidden_sizes"] = list(self.hidden_sizes)
        return d
