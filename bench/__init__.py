"""Benchmarks run with `marac bench …`; each compares against a baseline in the same run."""
