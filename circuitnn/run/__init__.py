"""Evaluation: the plan both engines share, the neural engine, the exact
reference engine, vectors in and out, and the session that binds a compiled
circuit to its nets."""
