"""pytest plugin: `webservers` is the session's rig (sshd, nginx, Apache), started on first use and
stopped when the session ends."""
import pytest

from .rig import shared_rig, stop_shared_rig


@pytest.fixture
def webservers():
    return shared_rig()


def pytest_sessionfinish(session, exitstatus):
    stop_shared_rig()
