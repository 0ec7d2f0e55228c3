"""Benchmarks: `python -m bench <name>`; each prints a table and appends it to docs/BENCHMARKS.md."""
