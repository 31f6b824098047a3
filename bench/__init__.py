"""`python -m bench`: the product's paths against the tools a GIS team would use instead.

See docs/benchmarks.md for the method and the latest figures.
"""
