"""A local fake Comodo/Sectigo reseller CA that speaks the form API (see README.md).

Nothing of the server is imported here on purpose: the pytest plugin lives in this package and must
not pull the server code into the test process.
"""
import warnings

# cryptography 44 warns on import that its Python 3.7 support is deprecated: the sandbox (and every
# test process, which loads the plugin first) would print it at each start. Only that warning is silenced.
warnings.filterwarnings('ignore', message=r'Python 3\.7 is no longer supported', category=UserWarning)
