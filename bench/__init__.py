"""Benchmarks: `make bench` (not part of `make test`, which only smoke-runs them)."""
