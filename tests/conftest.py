"""Shared fixtures: one model store per test session, so each net trains once."""

import pytest


@pytest.fixture(scope="session")
def store(tmp_path_factory):
    from circuitnn.store import ModelStore

    root = tmp_path_factory.getbasetemp() / "circuitnn-store"
    root.mkdir(exist_ok=True)
    return ModelStore(root)


@pytest.fixture
def cli(store, capsys, monkeypatch, tmp_path):
    """Run the CLI in-process against the session store, from a fresh working
    directory; ``cli(*args, stdin=None)`` returns (exit code, out, err)."""
    import io
    import sys

    from circuitnn.cli import main

    monkeypatch.chdir(tmp_path)

    def run(*args, stdin=None):
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main([*args, "--store", str(store.root)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(params=["libyaml", "python"])
def yaml_loader(request, monkeypatch):
    """Run a test under each YAML loader: libyaml's event stream, and PyYAML's
    pure-Python loader (the fallback)."""
    import os

    from circuitnn.read import yaml_loader as loader

    if request.param == "libyaml" and not loader.LIBYAML_AVAILABLE:
        if os.environ.get("CI") == "true":
            pytest.fail("PyYAML was built without libyaml")
        pytest.skip("PyYAML was built without libyaml")
    monkeypatch.setattr(loader, "LIBYAML", request.param == "libyaml")
    return request.param


@pytest.fixture
def hide_pandas(monkeypatch):
    """Call it to make ``import pandas`` fail from then on in the test, as
    without the notebook extra (after the test's own pandas-free set-up)."""
    import builtins

    real = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    return lambda: monkeypatch.setattr(builtins, "__import__", no_pandas)


@pytest.fixture
def hang_guard():
    """``with hang_guard(seconds):`` fails the test if the block is still
    running after ``seconds`` (SIGALRM interrupts even a long regex match).
    A hang guard, not a speed claim: give it 20 times a quiet machine's time
    and at least a minute, so that a loaded CI machine never reaches it."""
    import contextlib
    import signal

    @contextlib.contextmanager
    def guard(seconds: float):
        def stuck(signum, frame):
            pytest.fail(f"still running after {seconds:g} s: a hang (a guard, not a speed "
                        "claim)")

        previous = signal.signal(signal.SIGALRM, stuck)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    return guard


@pytest.fixture
def work_done():
    """``work_done(fn)``: the Python lines executed and functions called while
    ``fn()`` runs -- a deterministic count of work (the same input gives the
    same count on any machine, loaded or not), where a wall clock is not.
    Work inside one C call (a regex, ``x in list``) counts once."""
    import sys

    def count(fn) -> int:
        n = 0

        def local(frame, event, arg):
            nonlocal n
            n += 1
            return local

        def tracer(frame, event, arg):
            nonlocal n
            n += 1
            return local

        previous = sys.gettrace()
        sys.settrace(tracer)
        try:
            fn()
        finally:
            sys.settrace(previous)
        return n

    return count
