"""Neural nets for gates: the notebook's mathematics, certified and trained.

``gatenet``   the notebook's sigmoid network, loss and backprop (:class:`GateNet`)
``certify``   interval-arithmetic certificates (:func:`certified_margin`)
``settings``  :class:`TrainSettings`, what keys a stored net
``train``     batched, escalating, certified training (:func:`train_many`)
``notebook``  the seed notebook's own initial nets
"""

from .certify import box, certified_margin
from .gatenet import GateNet, sigmoid, sigmoid_prime
from .notebook import notebook_nets
from .settings import TRAINER_VERSION, TrainingError, TrainSettings
from .train import TrainFailure, train, train_many, train_some

__all__ = [
    "TrainSettings",
    "GateNet",
    "TrainingError",
    "sigmoid",
    "sigmoid_prime",
    "train",
    "train_many",
    "train_some",
    "TrainFailure",
    "box",
    "certified_margin",
    "notebook_nets",
    "TRAINER_VERSION",
]
