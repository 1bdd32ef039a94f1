"""Developer tools: `make eval`, `make bench`, the local-server harness of the tests and the benchmark.
Not needed to serve customers: nothing outside bot/devtools imports it and the container image leaves it out."""
