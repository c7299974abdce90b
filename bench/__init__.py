"""Load tests and benchmarks; each runnable by one command (see the Makefile)."""
