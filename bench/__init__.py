"""Benchmarks; results go to bench/RESULTS.md (summarised in docs/PERFORMANCE.md).
``make bench``: cold start, warm overhead and deployment size against a floor and a FastAPI
version; ``make bench-digests``: the digest pipeline on moto in server mode."""
