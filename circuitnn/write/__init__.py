"""Back ends: a design or compiled circuit -> YAML, structural Verilog, DOT."""
