"""The test suite's layout, and the glue its folders share.

`make test` runs four folders (in two pytest sessions side by side, each a share of the files), each
holding the tests that need the same things (the rule of each is at the top of its conftest.py; the
addon's, at the top of its tests/__init__.py):
- comodo_ssl_reseller/tests/  inside Odoo's test runner (pytest-odoo): TransactionCase and HttpCase on
                              the test database, browser tests in Chromium;
- tests/odoo_server/          a real Odoo server process (job runner, workers, its log) driven from outside;
- tests/no_odoo/              plain Python: the CA client, the sandbox, the installer, against the
                              sandbox over HTTP and the rig's web servers;
- tests/repository/           the repository itself: docs, packaging, set-up scripts, this layout.

Each plain-Python package of the addon (one that imports nothing from odoo: the CA client, the
installer, ...) has one name in every test, its own: `import comodo_client`, `from deploy import ...`.
The addon's code imports the same package relatively (`from ..comodo_client import ...`, i.e. as
odoo.addons.comodo_ssl_reseller.comodo_client); in the test process that name is the very same module
object, so a patch, an `isinstance` or an `except` written against one holds for the other.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
ADDON_DIR = os.path.join(ROOT, 'comodo_ssl_reseller')
ADDON_IN_ODOO = 'odoo.addons.comodo_ssl_reseller.'
IMPORTS_ODOO = re.compile(r'^\s*(?:import|from)\s+odoo\b', re.M)


def _imports_odoo(paths):
    for path in paths:
        with open(path, encoding='utf-8') as handle:
            if IMPORTS_ODOO.search(handle.read()):
                return True
    return False


def addon_plain_packages():
    """The names of the addon's packages whose sources import nothing from odoo."""
    names = set()
    for entry in os.listdir(ADDON_DIR):
        folder = os.path.join(ADDON_DIR, entry)
        if not os.path.isfile(os.path.join(folder, '__init__.py')):
            continue
        sources = [os.path.join(where, name) for where, _dirs, files in os.walk(folder)
                   for name in files if name.endswith('.py')]
        if not _imports_odoo(sources):
            names.add(entry)
    return names


class _SameModule(importlib.abc.Loader):
    """Loads a name as the module another name already is (the import system hands out whatever
    sys.modules holds for the name once exec_module returns)."""

    def __init__(self, name):
        self.name = name

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        sys.modules[module.__name__] = importlib.import_module(self.name)


class PlainPackageNames(importlib.abc.MetaPathFinder):
    """`comodo_client` (and each other plain package) is found in the addon's folder, and nothing else
    of the addon is importable without its odoo.addons prefix; `odoo.addons.comodo_ssl_reseller.comodo_client`
    (and its submodules) is the module `comodo_client`."""

    def __init__(self, names):
        self.names = frozenset(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname in self.names:
            return importlib.machinery.PathFinder.find_spec(fullname, [ADDON_DIR])
        if fullname.startswith(ADDON_IN_ODOO):
            own_name = fullname[len(ADDON_IN_ODOO):]
            if own_name.split('.')[0] in self.names:
                return importlib.util.spec_from_loader(fullname, _SameModule(own_name))
        return None


sys.meta_path.insert(0, PlainPackageNames(addon_plain_packages()))

_rootdir = ROOT

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
    global _rootdir
    _rootdir = str(config.rootpath)
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


# -- how long each test file takes, for `make test` to share the suite out between its sessions ----

_file_seconds = {}


def pytest_runtest_logreport(report):
    # Node ids are relative to pytest's rootdir, which depends on the paths given: named from here.
    path = os.path.relpath(os.path.join(_rootdir, report.nodeid.split('::')[0]), ROOT)
    _file_seconds[path] = _file_seconds.get(path, 0.0) + report.duration


def pytest_sessionfinish(session):
    """Adds this session's seconds per test file to the file COMODO_TEST_DURATIONS names (set by
    `make test` for whole-suite runs only: a file's time there is all of its tests')."""
    path = os.environ.get('COMODO_TEST_DURATIONS')
    if not path or not _file_seconds:
        return
    import fcntl
    import json
    # Both sessions of a run write at their end: one after the other, under a lock.
    with open(path, 'a+') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        recorded = json.loads(handle.read() or '{}')
        recorded.update({name: round(seconds, 1) for name, seconds in _file_seconds.items()})
        handle.seek(0)
        handle.truncate()
        json.dump(recorded, handle, indent=1, sort_keys=True)
