"""PEM bundles and the .pfx file a customer downloads."""
import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from comodo_client import RequestError, build_pkcs12, full_chain_pem, generate_private_key


def _certificate(subject, key_pem, issuer_key_pem=None, issuer=None):
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    signer = serialization.load_pem_private_key((issuer_key_pem or key_pem).encode(), password=None)
    now = datetime.datetime.utcnow()
    certificate = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
                   .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer or subject)]))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
                   .sign(signer, hashes.SHA256()))
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope='module')
def issued():
    ca_key = generate_private_key()
    site_key = generate_private_key()
    return {
        'key': site_key,
        'certificate': _certificate('www.example.com', site_key, ca_key, 'Test CA'),
        'chain': _certificate('Test CA', ca_key),
    }


def test_pfx_holds_key_certificate_and_chain(issued):
    pfx = build_pkcs12(issued['key'], issued['certificate'], issued['chain'], 'correct horse', 'www.example.com')
    key, certificate, chain = pkcs12.load_key_and_certificates(pfx, b'correct horse')
    assert certificate.public_bytes(serialization.Encoding.PEM).decode() == issued['certificate']
    assert key.public_key().public_numbers() == certificate.public_key().public_numbers()
    assert [c.public_bytes(serialization.Encoding.PEM).decode() for c in chain] == [issued['chain']]
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(pfx, b'wrong password')


def test_pfx_refuses_a_short_password(issued):
    with pytest.raises(RequestError, match='at least 8 characters'):
        build_pkcs12(issued['key'], issued['certificate'], issued['chain'], 'short', 'x')


def test_pfx_refuses_a_key_of_another_certificate(issued):
    with pytest.raises(RequestError, match='does not belong'):
        build_pkcs12(generate_private_key(), issued['certificate'], issued['chain'], 'long enough', 'x')


def test_full_chain_puts_the_certificate_first(issued):
    bundle = full_chain_pem(issued['certificate'], issued['chain'])
    assert bundle.index(issued['certificate'].strip()) == 0
    assert bundle.count('BEGIN CERTIFICATE') == 2
