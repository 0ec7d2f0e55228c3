"""Benchmarks: `python -m bench <name>`; each prints its tables, records them in bench/results/ and
re-renders docs/BENCHMARKS.md from those records (`python -m bench page`)."""
