"""DCV values (§5 of the notes), recomputed here by hand from the CSR's DER bytes."""
import base64
import hashlib

import pytest

from comodo_client import (DCV_METHODS, DcvInstructions, RequestError, build_csr, dcv_instructions,
                           generate_private_key)


@pytest.fixture(scope='module')
def csr_pem():
    return build_csr(generate_private_key(), ['example.com', 'www.example.com'])


@pytest.fixture(scope='module')
def hashes(csr_pem):
    der = base64.b64decode(''.join(csr_pem.strip().splitlines()[1:-1]))
    # The hashes are of the DER, never of the PEM text.
    assert hashlib.md5(csr_pem.encode()).hexdigest() != hashlib.md5(der).hexdigest()
    return hashlib.md5(der).hexdigest(), hashlib.sha256(der).hexdigest()


def test_methods():
    assert DCV_METHODS == ('EMAIL', 'HTTP_CSR_HASH', 'HTTPS_CSR_HASH', 'CNAME_CSR_HASH')


def test_email_has_nothing_to_publish(csr_pem):
    assert dcv_instructions(csr_pem, 'EMAIL', 'example.com') == DcvInstructions(
        'EMAIL', None, None, [], None, None)


@pytest.mark.parametrize('method, scheme', [('HTTP_CSR_HASH', 'http'), ('HTTPS_CSR_HASH', 'https')])
def test_file_validation(csr_pem, hashes, method, scheme):
    md5, sha256 = hashes
    path = '/.well-known/pki-validation/%s.txt' % md5.upper()
    assert dcv_instructions(csr_pem, method, 'www.example.com') == DcvInstructions(
        method, path, '%s\nsectigo.com' % sha256, ['%s://www.example.com%s' % (scheme, path)],
        None, None)


def test_file_validation_with_unique_value(csr_pem, hashes):
    md5, sha256 = hashes
    instructions = dcv_instructions(csr_pem, 'HTTP_CSR_HASH', 'example.com', 'Abc123')
    assert instructions.file_content == '%s\nsectigo.com\nAbc123' % sha256
    assert instructions.file_urls == [
        'http://example.com/.well-known/pki-validation/%s.txt' % md5.upper()]


def test_cname_validation(csr_pem, hashes):
    md5, sha256 = hashes
    assert dcv_instructions(csr_pem, 'CNAME_CSR_HASH', 'Example.com') == DcvInstructions(
        'CNAME_CSR_HASH', None, None, [], '_%s.example.com' % md5,
        '%s.%s.sectigo.com' % (sha256[:32], sha256[32:]))


def test_cname_validation_of_a_wildcard_with_unique_value(csr_pem, hashes):
    md5, sha256 = hashes
    instructions = dcv_instructions(csr_pem, 'CNAME_CSR_HASH', '*.example.com', 'u1')
    assert instructions.cname_name == '_%s.example.com' % md5
    assert instructions.cname_target == '%s.%s.u1.sectigo.com' % (sha256[:32], sha256[32:])


def test_bare_base64_csr_gives_the_same_values(csr_pem):
    body = ''.join(csr_pem.strip().splitlines()[1:-1])
    assert (dcv_instructions(body, 'CNAME_CSR_HASH', 'example.com') ==
            dcv_instructions(csr_pem, 'CNAME_CSR_HASH', 'example.com'))


def test_refusals(csr_pem):
    with pytest.raises(RequestError, match='not allowed for wildcard'):
        dcv_instructions(csr_pem, 'HTTP_CSR_HASH', '*.example.com')
    with pytest.raises(RequestError, match='Unknown validation method DNS'):
        dcv_instructions(csr_pem, 'DNS', 'example.com')
    with pytest.raises(ValueError):
        dcv_instructions(csr_pem, 'CNAME_CSR_HASH', 'example.com', 'not-alnum')
    with pytest.raises(ValueError):
        dcv_instructions(csr_pem, 'CNAME_CSR_HASH', 'example.com', 'x' * 21)
