"""A local stand-in for Tokopedia's Open API, for the demo, the tests and the benchmarks.

It runs on Starlette, the layer FastAPI is built on and which Airflow already brings, rather than
on FastAPI itself: every answer, bad input included, must be Tokopedia's envelope with Tokopedia's
error codes, which the gateway builds by hand, so a schema layer would only stand in the way.
"""
