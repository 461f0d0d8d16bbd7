"""The examples at the end of every command's ``--help``."""

from __future__ import annotations

import argparse

#: command -> example lines (command line, then what it does)
EXAMPLES: dict[str, list[tuple[str, str]]] = {
    "verify": [("circuitnn verify circuits/full_adder.yaml", "every input, both engines"),
               ("circuitnn verify big.bench --random 100000", "random vectors"),
               ("circuitnn verify adder.yaml --spec adder.v", "and prove it equals adder.v")],
    "info": [("circuitnn info circuits/full_adder.yaml", "ports, gates, depth, nets"),
             ("circuitnn info design.v --top alu", "a Verilog module, through Yosys")],
    "train": [("circuitnn train circuits/*.yaml", "train every net they need, once"),
              ("circuitnn train mux4.yaml --retrain", "train again")],
    "models": [("circuitnn models", "list the stored nets"),
               ("circuitnn models --clear", "remove them all")],
    "bench": [("circuitnn bench circuits/ripple_carry_adder_32.yaml --vectors 100000",
               "neural vs exact throughput")],
    "convert": [("circuitnn convert circuits/full_adder.yaml fa.v", "structural Verilog"),
                ("circuitnn convert adder.bench adder.yaml", "to the YAML netlist format"),
                ("circuitnn convert circuits/full_adder.yaml fa.png", "a diagram"),
                ("circuitnn convert adder.yaml adder.onnx", "one ONNX model of the nets")],
    "graph": [("circuitnn graph circuits/full_adder.yaml -o fa.svg", "draw it"),
              ("circuitnn graph c6288.bench -o c6288.svg --summary", "a large one, in summary")],
    "sim": [("circuitnn sim circuits/sequential/counter_8.yaml --random 20",
             "20 clock cycles of random inputs"),
            ("circuitnn sim circuits/sequential/lfsr_16.yaml --random 100 --trace",
             "with a text waveform"),
            ("circuitnn sim cpu.yaml --stimulus cycles.csv --vcd cpu.vcd", "a VCD waveform")],
    "equiv": [("circuitnn equiv rca8.yaml kogge8.blif", "prove two adders equal"),
              ("circuitnn equiv a.yaml b.v --map sum=s --const B.cin=0",
               "rename and tie ports")],
}


def add_examples(subparsers) -> None:
    """Put each command's examples under its ``--help`` (a command that sets
    its own epilog keeps it)."""
    for name, parser in subparsers.choices.items():
        lines = EXAMPLES.get(name)
        if lines is None or parser.epilog:
            continue
        width = max(len(cmd) for cmd, _ in lines)
        parser.epilog = "examples:\n" + "".join(
            f"  {cmd:<{width}}  {what}\n" if len(cmd) <= 60 else f"  {cmd}\n      {what}\n"
            for cmd, what in lines)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
