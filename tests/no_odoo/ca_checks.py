"""Checks of an issued certificate shared by the client's tests of both backends."""
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from comodo_client import OrderStatus


def der(pem):
    return x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)


def public_key_der(pem_key_or_certificate):
    if 'PRIVATE KEY' in pem_key_or_certificate:
        key = serialization.load_pem_private_key(pem_key_or_certificate.encode(), None).public_key()
    else:
        key = x509.load_pem_x509_certificate(pem_key_or_certificate.encode()).public_key()
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def assert_issued_for(result, order, sandbox, tmp_path):
    """`result` (a CollectResult) is the sandbox CA's certificate for `order`'s key and domains.

    `order` has key_pem, domains and domain (the primary one).
    """
    assert result.status == OrderStatus.ISSUED and result.ca_code == 2
    # The chain is intermediate then root, exactly the sandbox's CA.
    with open(sandbox.intermediate_pem) as intermediate, open(sandbox.root_pem) as root:
        assert [der(pem) for pem in result.chain_pem] == [der(intermediate.read()), der(root.read())]
    leaf, untrusted = str(tmp_path / 'leaf.pem'), str(tmp_path / 'intermediate.pem')
    for path, pem in ((leaf, result.certificate_pem), (untrusted, result.chain_pem[0])):
        with open(path, 'w') as handle:
            handle.write(pem)
    verified = subprocess.run(
        ['openssl', 'verify', '-CAfile', sandbox.root_pem, '-untrusted', untrusted, leaf],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert verified.returncode == 0 and verified.stdout.strip().endswith(': OK'), verified.stdout
    assert public_key_der(result.certificate_pem) == public_key_der(order.key_pem)
    certificate = x509.load_pem_x509_certificate(result.certificate_pem.encode())
    sans = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(sans.get_values_for_type(x509.DNSName)) == sorted(order.domains)
    assert result.serial_number == '%X' % certificate.serial_number
    assert result.not_before == certificate.not_valid_before_utc.replace(tzinfo=None)
    assert result.not_after == certificate.not_valid_after_utc.replace(tzinfo=None)
    assert result.fqdn == order.domain
