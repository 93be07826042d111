"""Benchmarks: the provider's cost per asset, measured beside the floor of unavoidable work.

Run ``python -m tests.benchmarks`` (or ``python tests/benchmarks/run.py``) from the repo root;
``--help`` lists the options. Not part of the test suite, except a tiny smoke run
(``tests/test_benchmark_smoke.py``) that keeps the script working.
"""
