"""Test-session glue shared by the plain-Python tests (tests/) and the Odoo tests (the addon's tests/).

`make test` runs both in one pytest process through pytest-odoo.
"""
import os
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))

# The plain-Python tests import the CA client as the stand-alone package it is (it imports nothing
# from odoo), exactly as the sandbox-facing code will see it.
sys.path.insert(0, os.path.join(ROOT, 'comodo_ssl_reseller'))

pytest_plugins = ['comodo_sandbox.pytest_plugin', 'webserver_rig.pytest_plugin', 'dns_rig.pytest_plugin']

try:
    import pytest_odoo
except ImportError:  # pytest run with -p no:odoo, or without the plugin installed
    pytest_odoo = None

if pytest_odoo is not None:
    _find_manifest_path = pytest_odoo._find_manifest_path

    def _find_manifest_path_or_none(collection_path):
        # pytest-odoo 1.0.1 assumes every collected path is inside an addon and crashes reading
        # "/__manifest__.py" for the plain-Python tests: answer None there, which it handles.
        manifest = _find_manifest_path(collection_path)
        return manifest if manifest.is_file() else None

    pytest_odoo._find_manifest_path = _find_manifest_path_or_none


def pytest_configure(config):
    odoo_config = config.getoption('--odoo-config', default=None)
    if odoo_config:
        # pytest-odoo imports odoo.tests before the config is read, so HttpCase would always call
        # port 8069: point it at the port the test server really listens on.
        import odoo.tests.common
        import odoo.tools
        odoo.tests.common.PORT = odoo.tools.config['http_port']


def pytest_sessionstart(session):
    if session.config.getoption('--odoo-config', default=None):
        # HttpCase needs Odoo's HTTP server. pytest-odoo's --odoo-http restarts one per test module
        # (racing on the port); one thread for the whole session is all the tests need.
        import odoo.service.server
        import odoo.service.wsgi_server
        odoo.service.server.ThreadedServer(odoo.service.wsgi_server.application).http_spawn()
