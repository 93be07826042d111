"""Benchmarks: the provider beside the protocol's floor and a naive plivo-SDK peer.

Run ``python -m tests.benchmarks`` (or ``python tests/benchmarks/run.py``) from the repo root;
``--help`` lists the options. Not part of the test suite, except a tiny smoke run
(``tests/test_benchmark_smoke.py``) that keeps the script working.
"""
