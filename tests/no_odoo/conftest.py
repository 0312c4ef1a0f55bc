"""tests/no_odoo: plain Python, no Odoo.

What a test here may need: the plain-Python packages (the CA client `comodo_client`, the installer
`deploy`, the sandbox `comodo_sandbox`, and the validation publishers and pre-flight checks beside
them), each imported by its own name; the sandbox CA over HTTP (the session's `comodo_sandbox`, or
`sandbox_factory` for one of its own); the rig's real servers (`webserver_rig`: sshd, nginx, Apache on
loopback) and subprocesses of these packages.
What it must not: import `odoo` or reach the addon's code through it, use a database, or start an Odoo
server (those tests belong in tests/odoo_server/ or the addon's tests/). The sandbox's tests speak to
it with plain requests (sandbox_api.py), never through the client: the two share no code, so each
checks the other.
"""
import pytest

from sandbox_api import SandboxApi, build_csr


@pytest.fixture
def api(comodo_sandbox):
    """The session's shared sandbox (orders stay pending for an hour unless decided)."""
    return SandboxApi(comodo_sandbox)


@pytest.fixture
def api_factory(sandbox_factory):
    """`api_factory(**options)`: a SandboxApi on a sandbox of its own."""
    return lambda **options: SandboxApi(sandbox_factory(**options))


@pytest.fixture
def make_csr():
    return build_csr
