"""A local fake Comodo/Sectigo reseller CA that speaks the form API (see README.md).

Nothing is imported here on purpose: the pytest plugin lives in this package and must not pull the
server code into the test process.
"""
