"""Fuzzing the readers (CI-sized; benchmarks/fuzz_long.py does the long run).

Valid random netlists in YAML, .bench and BLIF must load, compile and agree
with a plain-Python evaluation; damaged ones, hostile YAML, Yosys JSON and
vector files must be accepted or refused with a CircuitError naming the
file, none of them stuck.  See tests/fuzz_strategies.py.
"""

from __future__ import annotations

import pytest
from fuzz_strategies import (
    CSV_CIRCUIT,
    FORMATS,
    check_csv,
    check_input,
    check_valid,
    csv_files,
    deep_yaml,
    json_docs,
    mutated,
    valid_netlists,
)
from hypothesis import HealthCheck, Phase, given, settings

# deterministic, no deadline (a wall-clock bound flakes on a loaded machine;
# fuzz_strategies.HANG_GUARD catches a stuck case), no shrinking (a failure prints its input; shrinking big inputs is slow)
CI = settings(derandomize=True, deadline=None, database=None, print_blob=False,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("fmt", FORMATS)
def test_valid_netlists_match_the_oracle(fmt, tmp_path):
    @settings(CI, max_examples=150)
    @given(valid_netlists(fmt))
    def run(case):
        spec, text = case
        check_valid(fmt, spec, text, str(tmp_path))

    run()


@pytest.mark.parametrize("fmt", FORMATS)
def test_mutated_netlists_are_accepted_or_refused_cleanly(fmt, tmp_path):
    @settings(CI, max_examples=250)
    @given(mutated(fmt))
    def run(case):
        check_input(*case, directory=str(tmp_path))

    run()


def test_deep_and_hostile_yaml(tmp_path, yaml_loader):
    @settings(CI, max_examples=40)
    @given(deep_yaml())
    def run(case):
        check_input(*case, directory=str(tmp_path))

    run()


def test_yosys_json_documents(tmp_path):
    @settings(CI, max_examples=200)
    @given(json_docs())
    def run(case):
        check_input(*case, directory=str(tmp_path))

    run()


def test_vector_files(tmp_path):
    from circuitnn.compile import compile_design
    from circuitnn.read.yaml import loads_yaml

    circuit = compile_design(loads_yaml(CSV_CIRCUIT, str(tmp_path / "c.yaml")))

    @settings(CI, max_examples=300)
    @given(csv_files())
    def run(case):
        check_csv(case[1], circuit, str(tmp_path))

    run()
