"""A local stand-in for Tokopedia's Open API, for the demo, the tests and the benchmarks."""
