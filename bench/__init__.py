"""Benchmarks and quality checks; run as scripts, never from the unit tests."""
