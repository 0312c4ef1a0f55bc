"""pytest plugin: `webservers` is the session's rig (sshd, nginx, Apache), started on first use and
stopped when the session ends; `document_root_sites` are name-based document-root sites on its
nginx, on plain-HTTP and HTTPS ports of the test module's own, taken away after the module."""
import pytest

from .document_roots import DocumentRootSites
from .rig import shared_rig, stop_shared_rig


@pytest.fixture
def webservers():
    return shared_rig()


@pytest.fixture(scope='module')
def document_root_sites():
    sites = DocumentRootSites(shared_rig())
    yield sites
    sites.close()


def pytest_sessionfinish(session, exitstatus):
    stop_shared_rig()
