"""Load tests: bounded, outside the default run (marked `slow`; `make load`)."""
