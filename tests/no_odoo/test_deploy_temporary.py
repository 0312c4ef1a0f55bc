"""A temporary certificate only where it cannot hurt, against the rig's real nginx and Apache: the
SNI probe's verdict, the kept pair marked as one order's, and restores that never take away what
another order installed."""
import datetime
import os
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from deploy import FAILED, ROLLED_BACK, SKIPPED, VERIFIED, install_certificate, restore_previous
from deploy.verify import INVALID, UNKNOWN, VALID, leaf_sha256, self_signed_roots, served_certificate_trust
from test_deploy_installer import new_domain, target
from webserver_rig.rig import LOOPBACK, free_port, self_signed_pair

KINDS = ['nginx', 'apache']
FIRST_ORDER = 'db-1:comodo.certificate.order:1'
SECOND_ORDER = 'db-1:comodo.certificate.order:2'


def _pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM).decode('ascii')


class PrivateRoot(object):
    """A CA of the test's own: what it signs is valid only for a client that trusts its root."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Test Root %s' % uuid.uuid4().hex[:6])])
        now = datetime.datetime.utcnow()
        self.certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                            .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                            .not_valid_before(now - datetime.timedelta(days=1))
                            .not_valid_after(now + datetime.timedelta(days=30))
                            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                            .sign(self.key, hashes.SHA256()))
        self.pem = _pem(self.certificate)

    def issue(self, domain, days_left=30):
        """(certificate PEM, key PEM) for `domain`, valid until `days_left` days from now."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.utcnow()
        certificate = (x509.CertificateBuilder()
                       .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)]))
                       .issuer_name(self.certificate.subject).public_key(key.public_key())
                       .serial_number(x509.random_serial_number())
                       .not_valid_before(now - datetime.timedelta(days=40))
                       .not_valid_after(now + datetime.timedelta(days=days_left))
                       .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
                       .sign(self.key, hashes.SHA256()))
        return _pem(certificate), key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode('ascii')


def probe(webservers, kind, domain, roots=()):
    return served_certificate_trust(LOOPBACK, webservers.check_port(kind), domain, roots)[0]


@pytest.mark.parametrize('kind', KINDS)
def test_probe_says_valid_only_for_an_unexpired_certificate_of_the_name_from_a_trusted_root(webservers, kind):
    root = PrivateRoot()
    domain = new_domain()
    webservers.add_site(domain)
    assert probe(webservers, kind, domain, [root.pem]) == INVALID, 'self-signed'

    certificate, key = root.issue(domain)
    assert install_certificate(target(webservers, kind), domain, certificate, None, key).state == VERIFIED

    assert probe(webservers, kind, domain, [root.pem]) == VALID
    assert probe(webservers, kind, domain) == INVALID, 'the root is in no system store'
    assert probe(webservers, kind, 'other-' + domain, [root.pem]) == INVALID, 'not its name'
    expired, expired_key = root.issue(domain, days_left=-1)
    assert install_certificate(target(webservers, kind), domain, expired, None, expired_key).state == VERIFIED
    assert probe(webservers, kind, domain, [root.pem]) == INVALID, 'expired'
    assert served_certificate_trust(LOOPBACK, free_port(), domain)[0] == UNKNOWN


def test_roots_are_the_self_signed_certificates_of_chains():
    root = PrivateRoot()
    leaf, _key = root.issue(new_domain())
    assert self_signed_roots([leaf + root.pem, root.pem, 'not a chain']) == [root.pem]


@pytest.mark.parametrize('kind', KINDS)
def test_no_temporary_certificate_over_a_valid_one(webservers, kind):
    root = PrivateRoot()
    domain = new_domain()
    webservers.add_site(domain)
    valid, valid_key = root.issue(domain)
    install_certificate(target(webservers, kind), domain, valid, None, valid_key)
    temporary, temporary_key = self_signed_pair(domain, issuer_name='Temporary CA')

    report = install_certificate(target(webservers, kind), domain, temporary, None, temporary_key,
                                 owner=FIRST_ORDER, temporary=True, trusted_roots_pem=[root.pem])

    assert report.state == SKIPPED, report.steps
    assert 'already serves a valid certificate' in report.error
    assert webservers.served_sha256(kind, domain) == leaf_sha256(valid)
    assert webservers.read(kind, domain + '.fullchain.pem') == valid.strip() + '\n'


def test_no_temporary_certificate_where_what_is_served_cannot_be_told(webservers):
    domain = new_domain()
    webservers.add_site(domain)
    temporary, temporary_key = self_signed_pair(domain, issuer_name='Temporary CA')

    report = install_certificate(target(webservers, 'nginx', check_port=free_port()), domain, temporary,
                                 None, temporary_key, owner=FIRST_ORDER, temporary=True)

    assert report.state == SKIPPED
    assert 'cannot be told' in report.error


@pytest.mark.parametrize('kind', KINDS)
def test_the_pair_kept_for_one_order_is_never_overwritten_nor_restored_by_another(webservers, kind):
    domain = new_domain()
    original = webservers.add_site(domain)[kind]
    first, first_key = self_signed_pair(domain, issuer_name='Temporary CA')
    second, second_key = self_signed_pair(domain, issuer_name='Temporary CA')
    assert install_certificate(target(webservers, kind), domain, first, None, first_key,
                               owner=FIRST_ORDER, temporary=True).state == VERIFIED

    again = install_certificate(target(webservers, kind), domain, second, None, second_key,
                                owner=SECOND_ORDER, temporary=True)
    refused = restore_previous(target(webservers, kind), domain, owner=SECOND_ORDER)

    assert again.state == SKIPPED and 'belongs to another order' in again.error
    assert refused.state == FAILED and 'belongs to another order' in refused.error
    assert webservers.read(kind, domain + '.fullchain.pem.previous') == original
    assert webservers.served_sha256(kind, domain) == leaf_sha256(first)

    restored = restore_previous(target(webservers, kind), domain, owner=FIRST_ORDER, replaced_sha256=leaf_sha256(first))

    assert restored.state == ROLLED_BACK, restored.steps
    assert webservers.served_sha256(kind, domain) == leaf_sha256(original)
    with pytest.raises(IOError):
        webservers.read(kind, domain + '.previous.owner')


def _temporary_then_real(webservers, real_owner):
    """The first order's temporary certificate over a site's original, then `real_owner`'s real
    certificate: (domain, original, temporary, real), PEMs."""
    domain = new_domain()
    original = webservers.add_site(domain)['nginx']
    temporary, temporary_key = self_signed_pair(domain, issuer_name='Temporary CA')
    real, real_key = self_signed_pair(domain, issuer_name='Issued')
    install_certificate(target(webservers, 'nginx'), domain, temporary, None, temporary_key,
                        owner=FIRST_ORDER, temporary=True)
    assert install_certificate(target(webservers, 'nginx'), domain, real, None, real_key,
                               owner=real_owner).state == VERIFIED
    return domain, original, temporary, real


def test_a_real_certificate_keeps_the_other_orders_pair_and_is_not_taken_away_by_its_restore(webservers):
    domain, original, temporary, real = _temporary_then_real(webservers, SECOND_ORDER)
    assert webservers.read('nginx', domain + '.fullchain.pem.previous') == original

    late = restore_previous(target(webservers, 'nginx'), domain, owner=FIRST_ORDER,
                            replaced_sha256=leaf_sha256(temporary))

    assert late.state == SKIPPED, late.steps
    assert webservers.served_sha256('nginx', domain) == leaf_sha256(real)


def test_the_real_certificate_of_the_same_order_releases_its_kept_pair(webservers):
    domain, original, _temporary, _real = _temporary_then_real(webservers, FIRST_ORDER)

    assert webservers.read('nginx', domain + '.fullchain.pem.previous') == original, 'the site\'s own'
    with pytest.raises(IOError):
        webservers.read('nginx', domain + '.previous.owner')


def test_a_failed_temporary_certificate_leaves_no_mark(webservers):
    domain = new_domain()
    original = webservers.add_site(domain)['nginx']
    temporary, temporary_key = self_signed_pair(domain, issuer_name='Temporary CA')

    report = install_certificate(target(webservers, 'nginx', reload_command='false'), domain, temporary,
                                 None, temporary_key, owner=FIRST_ORDER, temporary=True)

    assert report.state == ROLLED_BACK
    assert webservers.read('nginx', domain + '.fullchain.pem') == original
    with pytest.raises(IOError):
        webservers.read('nginx', domain + '.previous.owner')


def test_a_customer_folder_is_made_in_the_servers_folder(webservers):
    domain = new_domain()
    webservers.add_site(domain)
    folder = 'customer-%s' % uuid.uuid4().hex[:6]
    certificate, key = self_signed_pair(domain, issuer_name='Issued')
    the_target = target(webservers, 'nginx', verify_attempts=1)

    report = install_certificate(the_target.in_folder(the_target.certificate_folder + '/' + folder), domain,
                                 certificate, None, key)

    assert 'made the certificate folder' in report.steps[0]['output']
    assert os.path.isdir(os.path.join(webservers.certificate_folder('nginx'), folder))
    assert report.state == ROLLED_BACK, 'the site names files elsewhere: never served, and removed'
