"""The intermediate representation every stage shares: truth tables, the
standard primitives, and the immutable netlist records front ends produce."""
