"""Load and latency benchmarks of OrderBell against its peers; run with ``python -m benchmarks``."""
