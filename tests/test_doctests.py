"""Every Examples section in the package runs (STYLE: runnable docstrings)."""

import doctest
import importlib
import pkgutil
from pathlib import Path

import numpy as np
import pytest

import circuitnn

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(m.name for m in pkgutil.walk_packages(circuitnn.__path__, "circuitnn.")
                 if m.name not in ("circuitnn.__main__",))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, store, monkeypatch):
    monkeypatch.setenv("CIRCUITNN_STORE", str(store.root))
    monkeypatch.chdir(ROOT)
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"np": np},
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
