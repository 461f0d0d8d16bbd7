"""The Python front end: signals with operators, the builder, subcircuits."""
