"""pytest plugin: `dns_rig` is the session's DNS server (bind9), started on first use and stopped
when the session ends; `dns_name` is a name in its test zone that no other test uses, emptied after
the test."""
import pytest

from .rig import shared_dns_rig, stop_shared_dns_rig


@pytest.fixture(scope='session')
def dns_rig():
    return shared_dns_rig()


@pytest.fixture
def dns_name(dns_rig):
    name = dns_rig.new_name()
    yield name
    dns_rig.delete_name(name)


def pytest_sessionfinish(session, exitstatus):
    stop_shared_dns_rig()
