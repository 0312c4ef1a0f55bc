"""The installer against real sshd, nginx and Apache (webserver_rig), over SSH with a generated key."""
import logging
import os
import uuid

import paramiko
import pytest

from deploy import (FAILED, POSTPONED, ROLLED_BACK, VERIFIED, DeployTarget, fetch_host_key,
                    install_certificate, restore_previous)
from deploy.verify import leaf_sha256
from webserver_rig.rig import LOOPBACK, free_port, self_signed_pair

KINDS = ['nginx', 'apache']


def new_domain():
    return 'site-%s.example.com' % uuid.uuid4().hex[:10]


def target(webservers, kind, **overrides):
    values = dict(webservers.target_values(kind), verify_attempts=20, verify_delay=0.2)
    values.update(overrides)
    return DeployTarget(**values)


def served(webservers, kind, domain):
    """The rig's own handshake: the installer's check is not used to check the installer."""
    return webservers.served_sha256(kind, domain)


def steps(report):
    return [(entry['step'], entry['ok']) for entry in report.steps]


@pytest.mark.parametrize('kind', KINDS)
def test_install_is_served_and_verified(webservers, kind):
    domain = new_domain()
    original = webservers.add_site(domain)[kind]
    certificate, key = self_signed_pair(domain, issuer_name='Issued For The Test')
    chain, _ = self_signed_pair('Test Intermediate CA')

    report = install_certificate(target(webservers, kind), domain, certificate, chain, key)

    assert report.state == VERIFIED, report.steps
    assert steps(report) == [('preflight', True), ('staged', True), ('validated', True),
                             ('activated', True), ('verified', True)]
    assert served(webservers, kind, domain) == leaf_sha256(certificate) == report.served_sha256
    assert webservers.file_mode(kind, domain + '.key') == 0o600
    assert webservers.read(kind, domain + '.fullchain.pem').startswith(certificate.strip())
    assert chain.strip() in webservers.read(kind, domain + '.fullchain.pem')
    # The pair it replaced is kept, the key as private as ever.
    assert webservers.read(kind, domain + '.fullchain.pem.previous') == original
    assert webservers.file_mode(kind, domain + '.key.previous') == 0o600
    assert report.host_fingerprint.startswith('SHA256:')


def test_restore_previous_serves_the_original_again(webservers):
    domain = new_domain()
    original = webservers.add_site(domain)['nginx']
    certificate, key = self_signed_pair(domain, issuer_name='Temporary')
    assert install_certificate(target(webservers, 'nginx'), domain, certificate, None, key).state == VERIFIED

    report = restore_previous(target(webservers, 'nginx'), domain)

    assert report.state == ROLLED_BACK, report.steps
    assert served(webservers, 'nginx', domain) == leaf_sha256(original)


def test_config_test_failing_before_any_change_changes_nothing(webservers):
    domain = new_domain()
    original = webservers.add_site(domain)['nginx']
    broken_test = 'sh -c "echo nginx: emerg unexpected end of file >&2; exit 1"'
    certificate, key = self_signed_pair(domain)

    report = install_certificate(target(webservers, 'nginx', test_command=broken_test), domain,
                                 certificate, None, key)

    assert report.state == FAILED
    assert report.failed_step == 'preflight'
    assert 'unexpected end of file' in report.steps[-1]['output']
    assert webservers.read('nginx', domain + '.fullchain.pem') == original
    assert served(webservers, 'nginx', domain) == leaf_sha256(original)


def test_config_test_failing_after_staging_rolls_back_without_reload(webservers, tmp_path):
    """The test passes before the change and fails after it (as with a bad new file): nothing is
    reloaded, the previous pair is back on disk and still served."""
    domain = new_domain()
    original = webservers.add_site(domain)['nginx']
    marker = tmp_path / 'tested-once'
    test_once = 'sh -c "test ! -e %s && touch %s"' % (marker, marker)
    reload_marker = tmp_path / 'reloaded'
    reload = 'touch %s' % reload_marker
    certificate, key = self_signed_pair(domain)

    report = install_certificate(target(webservers, 'nginx', test_command=test_once, reload_command=reload),
                                 domain, certificate, None, key)

    assert report.state == ROLLED_BACK, report.steps
    assert report.failed_step == 'validate'
    assert 'the test command failed' in report.error
    assert ('activated', True) not in steps(report)
    assert webservers.read('nginx', domain + '.fullchain.pem') == original
    assert served(webservers, 'nginx', domain) == leaf_sha256(original)


@pytest.mark.parametrize('kind', KINDS)
def test_reload_failing_rolls_back_and_the_previous_certificate_is_served(webservers, kind):
    domain = new_domain()
    original = webservers.add_site(domain)[kind]
    certificate, key = self_signed_pair(domain)

    report = install_certificate(target(webservers, kind, reload_command='sh -c "echo reload refused; exit 7"'),
                                 domain, certificate, None, key)

    assert report.state == ROLLED_BACK, report.steps
    assert report.failed_step == 'activate'
    assert 'reload refused' in report.steps[-2]['output']
    assert webservers.read(kind, domain + '.fullchain.pem') == original
    assert served(webservers, kind, domain) == leaf_sha256(original)


def test_old_certificate_still_served_is_never_reported_as_success(webservers):
    """A reload that claims success but changes nothing: the live check sees the old leaf."""
    domain = new_domain()
    original = webservers.add_site(domain)['nginx']
    certificate, key = self_signed_pair(domain)

    report = install_certificate(target(webservers, 'nginx', reload_command='true', verify_attempts=3),
                                 domain, certificate, None, key)

    assert report.state == ROLLED_BACK
    assert report.failed_step == 'verify'
    assert 'does not serve the certificate' in report.error
    assert served(webservers, 'nginx', domain) == leaf_sha256(original)


def test_key_not_matching_the_certificate_rolls_back(webservers):
    domain = new_domain()
    original = webservers.add_site(domain)['apache']
    certificate, _ = self_signed_pair(domain)
    _, other_key = self_signed_pair(domain)

    report = install_certificate(target(webservers, 'apache'), domain, certificate, None, other_key)

    assert report.state == ROLLED_BACK
    assert report.failed_step == 'validate'
    assert 'does not match' in report.error
    assert webservers.read('apache', domain + '.fullchain.pem') == original
    assert served(webservers, 'apache', domain) == leaf_sha256(original)


def test_wrong_host_key_is_refused_and_nothing_is_written(webservers):
    domain = new_domain()
    original = webservers.add_site(domain)['nginx']
    certificate, key = self_signed_pair(domain)
    pinned = 'SHA256:' + 'A' * 43

    report = install_certificate(target(webservers, 'nginx', host_fingerprint=pinned), domain,
                                 certificate, None, key)

    assert report.state == FAILED
    assert report.failed_step == 'preflight'
    assert 'not the pinned' in report.error
    assert report.host_fingerprint != pinned
    assert webservers.read('nginx', domain + '.fullchain.pem') == original
    with pytest.raises(IOError):
        webservers.read('nginx', domain + '.fullchain.pem.previous')


def test_pinned_host_key_is_accepted(webservers):
    domain = new_domain()
    webservers.add_site(domain)
    certificate, key = self_signed_pair(domain)
    first = install_certificate(target(webservers, 'nginx'), domain, certificate, None, key)

    again = install_certificate(target(webservers, 'nginx', host_fingerprint=first.host_fingerprint),
                                domain, certificate, None, key)

    assert again.state == VERIFIED


def test_unreachable_host_is_postponed(webservers):
    domain = new_domain()
    certificate, key = self_signed_pair(domain)

    report = install_certificate(target(webservers, 'nginx', port=free_port()), domain, certificate, None, key)

    assert report.state == POSTPONED
    assert report.failed_step == 'preflight'
    assert 'cannot reach' in report.error


def test_no_key_in_logs_or_reports(webservers, caplog):
    domain = new_domain()
    webservers.add_site(domain)
    certificate, key = self_signed_pair(domain)
    the_target = target(webservers, 'nginx')
    caplog.set_level(logging.DEBUG)

    report = install_certificate(the_target, domain, certificate, None, key)

    assert report.state == VERIFIED
    secrets = [the_target.private_key_pem, key]
    key_lines = [line for secret in secrets for line in secret.splitlines() if 'PRIVATE KEY' not in line]
    written = caplog.text + repr(report.steps) + repr(the_target) + webservers.sshd_log()
    assert not [line for line in key_lines if line in written]


def logins(webservers):
    """Logins sshd accepted so far (it logs each one at INFO)."""
    return webservers.sshd_log().count('Accepted publickey')


@pytest.mark.parametrize('install', [
    lambda the_target, domain, certificate, key: install_certificate(the_target, domain, certificate, None, key),
    lambda the_target, domain, certificate, key: restore_previous(the_target, domain),
], ids=['install', 'restore'])
def test_no_pinned_host_key_is_refused_before_logging_in(webservers, install):
    """The rig's sshd answers with a host key nobody confirmed: nothing is sent, nothing written."""
    domain = new_domain()
    original = webservers.add_site(domain)['nginx']
    certificate, key = self_signed_pair(domain)
    before = logins(webservers)

    report = install(target(webservers, 'nginx', host_fingerprint=None), domain, certificate, key)

    assert report.state == FAILED
    assert report.failed_step == 'preflight'
    assert 'no SSH host key is pinned' in report.error
    assert report.host_fingerprint is None, 'no connection was made'
    assert logins(webservers) == before
    assert webservers.read('nginx', domain + '.fullchain.pem') == original
    assert key not in webservers.read('nginx', domain + '.key')
    with pytest.raises(IOError):
        webservers.read('nginx', domain + '.fullchain.pem.previous')


def test_fetch_host_key_reads_the_key_without_logging_in(webservers):
    before = logins(webservers)

    assert fetch_host_key(LOOPBACK, webservers.ssh_port) == ('ED25519', webservers.host_fingerprint)
    assert logins(webservers) == before


def test_fetch_host_key_of_nothing_says_so():
    with pytest.raises(Exception, match='cannot reach'):
        fetch_host_key(LOOPBACK, free_port())


def test_key_files_are_never_open_to_other_users_while_written(webservers, monkeypatch):
    """Before every permission change and rename the installer makes, no key file in the folder
    can be opened by another user: created with its mode, or where only the SSH user can enter."""
    domain = new_domain()
    webservers.add_site(domain)
    certificate, key = self_signed_pair(domain)
    folder = webservers.certificate_folder('nginx')
    exposed = []

    def check_folder():
        for parent, _folders, names in os.walk(folder):
            parent_open = parent == folder or os.stat(parent).st_mode & 0o077
            for name in names:
                mode = os.stat(os.path.join(parent, name)).st_mode & 0o777
                if '.key' in name and parent_open and mode & 0o077:
                    exposed.append('%s %o' % (os.path.relpath(os.path.join(parent, name), folder), mode))

    def checked(method):
        def call(self, *args, **kwargs):
            check_folder()
            return method(self, *args, **kwargs)
        return call

    monkeypatch.setattr(paramiko.SFTPClient, 'chmod', checked(paramiko.SFTPClient.chmod))
    monkeypatch.setattr(paramiko.SFTPClient, 'posix_rename', checked(paramiko.SFTPClient.posix_rename))

    report = install_certificate(target(webservers, 'nginx'), domain, certificate, None, key)

    assert report.state == VERIFIED, report.steps
    assert exposed == []
    assert webservers.file_mode('nginx', domain + '.key') == 0o600
    assert not [name for name in os.listdir(folder) if name.endswith('.tmp')], 'nothing left behind'
