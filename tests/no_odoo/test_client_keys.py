"""Keys, CSRs and check_csr's refusals; and that the client package needs no Odoo."""
import base64
import datetime
import os
import subprocess
import sys
import textwrap

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from comodo_client import (CsrInfo, RequestError, build_csr, certificate_matches_csr, check_csr,
                           check_domains, clean_csr, decode_csr, generate_private_key)
from comodo_client.keys import normalise_domain

ADDON_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         'comodo_ssl_reseller')


@pytest.fixture(scope='module')
def rsa_key():
    return generate_private_key()


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode('ascii')


def _raw_csr(key, common_name=None, sans=(), algorithm=hashes.SHA256()):
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common_name)] if common_name else []))
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False)
    return builder.sign(key, algorithm).public_bytes(serialization.Encoding.PEM).decode('ascii')


def _refusal(csr_pem, domains, **kwargs):
    with pytest.raises(RequestError) as info:
        check_csr(csr_pem, domains, **kwargs)
    assert info.value.code is None and not info.value.retryable
    return info.value.message


# --- generation ---------------------------------------------------------------------------------

def test_rsa_key_is_unencrypted_pkcs8_of_2048_bits(rsa_key):
    assert rsa_key.startswith('-----BEGIN PRIVATE KEY-----\n')
    key = serialization.load_pem_private_key(rsa_key.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048


def test_ec_key_is_p256():
    key = serialization.load_pem_private_key(generate_private_key('ec').encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == 'secp256r1'


@pytest.mark.parametrize('key_type, key_size', [('rsa', 1024), ('ec', 521), ('dsa', None)])
def test_generate_refuses_weak_or_unknown_keys(key_type, key_size):
    with pytest.raises(ValueError):
        generate_private_key(key_type, key_size)


def test_csr_has_cn_first_domain_and_every_domain_as_san(rsa_key):
    csr_pem = build_csr(rsa_key, ['Example.com', 'www.example.com', 'shop.example.com'])
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == 'example.com'
    sans = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ['example.com', 'www.example.com',
                                                      'shop.example.com']
    assert csr.is_signature_valid
    assert isinstance(csr.signature_hash_algorithm, hashes.SHA256)
    # The CSR's key is the key we gave.
    private_key = serialization.load_pem_private_key(rsa_key.encode(), password=None)
    assert csr.public_key().public_numbers() == private_key.public_key().public_numbers()


def test_ec_wildcard_csr_decodes():
    csr_pem = build_csr(generate_private_key('ec'), ['*.example.com'])
    assert decode_csr(csr_pem) == CsrInfo('*.example.com', ['*.example.com'], 'ec', 256, True)
    assert check_csr(csr_pem, ['*.example.com'], wildcard=True).common_name == '*.example.com'


def test_decode_dedups_cn_and_sans_cn_first(rsa_key):
    csr_pem = _raw_csr(serialization.load_pem_private_key(rsa_key.encode(), None), 'b.example.com',
                       ['a.example.com', 'B.example.com'])
    assert decode_csr(csr_pem).domains == ['b.example.com', 'a.example.com']


def test_decode_accepts_bare_base64_and_new_certificate_request_label(rsa_key):
    csr_pem = build_csr(rsa_key, ['example.com'])
    body = ''.join(csr_pem.strip().splitlines()[1:-1])
    assert decode_csr(body).common_name == 'example.com'
    legacy = ('-----BEGIN NEW CERTIFICATE REQUEST-----\n%s\n-----END NEW CERTIFICATE REQUEST-----'
              % body)
    assert decode_csr(legacy).common_name == 'example.com'


# --- check_csr ----------------------------------------------------------------------------------

def test_check_csr_accepts_a_matching_multi_domain_csr_whatever_the_case(rsa_key):
    csr_pem = build_csr(rsa_key, ['example.com', 'www.example.com'])
    info = check_csr(csr_pem, ['EXAMPLE.com.', 'www.example.com'], multi_domain=True)
    assert info.domains == ['example.com', 'www.example.com'] and info.key_size == 2048


@pytest.mark.parametrize('text, expected', [
    ('', 'The CSR is empty.'),
    ('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE-----',
     'The CSR is not valid PEM: its BEGIN/END lines do not match.'),
    ('-----BEGIN CERTIFICATE REQUEST-----\nnot*base64!\n-----END CERTIFICATE REQUEST-----',
     'The CSR is not valid Base64.'),
    ('-----BEGIN CERTIFICATE REQUEST-----\n%s\n-----END CERTIFICATE REQUEST-----'
     % base64.b64encode(b'hello world').decode(),
     'The CSR could not be decoded: it is not a PKCS#10 certificate request.'),
])
def test_check_csr_refuses_unreadable_text(text, expected):
    assert _refusal(text, ['example.com']) == expected


KEY_REFUSAL = ('This text holds a private key. Paste only the certificate request (CSR): the private '
               'key must stay on your server.')


def test_check_csr_refuses_a_private_key_without_quoting_it(rsa_key):
    assert _refusal(rsa_key, ['example.com']) == KEY_REFUSAL


@pytest.mark.parametrize('order', ['key first', 'csr first'])
def test_csr_pasted_with_its_key_is_refused(rsa_key, order):
    csr_pem = build_csr(rsa_key, ['example.com'])
    text = rsa_key + csr_pem if order == 'key first' else csr_pem + rsa_key
    assert _refusal(text, ['example.com']) == KEY_REFUSAL
    with pytest.raises(RequestError) as refused:
        clean_csr(text)
    assert 'BEGIN' not in refused.value.message and rsa_key.splitlines()[1] not in refused.value.message


def test_clean_csr_keeps_only_the_request_re_encoded(rsa_key):
    csr_pem = build_csr(rsa_key, ['example.com'])
    body = ''.join(csr_pem.splitlines()[1:-1])
    pasted = 'Here is my CSR:\r\n  %s  \n-- \nsent from my phone' % csr_pem.replace('\n', '\r\n')
    assert clean_csr(pasted) == csr_pem
    assert clean_csr(body) == csr_pem, 'bare Base64 becomes PEM'


def test_certificate_matches_csr_compares_public_keys(rsa_key):
    csr_pem = build_csr(rsa_key, ['example.com'])
    other_csr = build_csr(generate_private_key(), ['example.com'])
    certificate = _self_signed(rsa_key, 'example.com')
    assert certificate_matches_csr(certificate, csr_pem)
    assert not certificate_matches_csr(certificate, other_csr)


def test_check_csr_refuses_a_bad_signature(rsa_key):
    der = bytearray(x509.load_pem_x509_csr(build_csr(rsa_key, ['example.com']).encode())
                    .public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0xFF  # the last byte belongs to the signature
    tampered = base64.b64encode(bytes(der)).decode()
    assert decode_csr(tampered).signature_valid is False
    assert _refusal(tampered, ['example.com']) == (
        "The CSR's signature is invalid: it was not signed by the key it holds.")


def test_check_csr_refuses_small_rsa_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    assert _refusal(build_csr(_key_pem(key), ['example.com']), ['example.com']) == (
        "The CSR's RSA key has 1024 bits; at least 2048 are required.")


@pytest.mark.parametrize('curve', [ec.SECP256K1, ec.SECP521R1])
def test_check_csr_refuses_other_ec_curves(curve):
    key = ec.generate_private_key(curve())
    assert _refusal(build_csr(_key_pem(key), ['example.com']), ['example.com']) == (
        "The CSR's EC key is on curve %s; only P-256 and P-384 are accepted." % curve.name)


def test_check_csr_accepts_p384():
    key = ec.generate_private_key(ec.SECP384R1())
    assert check_csr(build_csr(_key_pem(key), ['example.com']), ['example.com']).key_size == 384


def test_check_csr_refuses_ed25519():
    csr_pem = _raw_csr(ed25519.Ed25519PrivateKey.generate(), 'example.com', algorithm=None)
    assert _refusal(csr_pem, ['example.com']) == (
        "The CSR's key type (ed25519) is not accepted; use RSA of 2048 bits or more, or EC "
        "P-256/P-384.")


def test_check_csr_refuses_missing_cn(rsa_key):
    csr_pem = _raw_csr(serialization.load_pem_private_key(rsa_key.encode(), None), None,
                       ['example.com'])
    assert _refusal(csr_pem, ['example.com']) == (
        'The CSR has no common name (CN); it must be example.com.')


def test_check_csr_refuses_other_cn(rsa_key):
    assert _refusal(build_csr(rsa_key, ['www.example.com']), ['example.com']) == (
        "The CSR's common name is www.example.com, but the primary domain entered is example.com.")


def test_check_csr_refuses_san_mismatch(rsa_key):
    csr_pem = build_csr(rsa_key, ['example.com', 'www.example.com', 'mail.example.com'])
    assert _refusal(csr_pem, ['example.com', 'www.example.com', 'shop.example.com'],
                    multi_domain=True) == (
        "The CSR's names do not match the domains entered (in the CSR but not entered: "
        "mail.example.com; entered but not in the CSR: shop.example.com).")


def test_check_csr_refuses_several_domains_on_a_single_domain_product(rsa_key):
    csr_pem = build_csr(rsa_key, ['example.com', 'www.example.com'])
    assert _refusal(csr_pem, ['example.com', 'www.example.com']) == (
        'This product covers one domain, but 2 were entered: example.com, www.example.com.')


def test_check_csr_refuses_a_wildcard_on_a_plain_product(rsa_key):
    assert _refusal(build_csr(rsa_key, ['*.example.com']), ['*.example.com']) == (
        '*.example.com is a wildcard name, which this product does not allow; choose a wildcard '
        'product or remove the "*.".')


def test_check_csr_wildcard_product_needs_a_wildcard(rsa_key):
    assert _refusal(build_csr(rsa_key, ['example.com']), ['example.com'], wildcard=True) == (
        'A wildcard certificate needs a primary domain starting with "*." (e.g. *.example.com), '
        'not example.com.')


@pytest.mark.parametrize('name', ['*.*.example.com', 'a*.example.com', 'www.*.example.com'])
def test_check_csr_wildcard_must_be_one_leading_label(rsa_key, name):
    assert _refusal(build_csr(rsa_key, [name]), [name], wildcard=True) == (
        "%s has a '*' that is not a single leading '*.' label." % name)


@pytest.mark.parametrize('name', ['localhost', '192.0.2.1', 'exa_mple.com', '-bad.example.com'])
def test_check_csr_refuses_names_that_are_not_public_domains(rsa_key, name):
    assert _refusal(build_csr(rsa_key, [name]), [name]) == (
        '%s is not a valid public domain name.' % name)


# --- no Odoo ------------------------------------------------------------------------------------

def test_client_imports_with_odoo_blocked():
    script = textwrap.dedent('''
        import sys
        sys.modules['odoo'] = None  # any "import odoo..." now raises ImportError
        sys.path.insert(0, %r)
        import comodo_client
        from comodo_client import ComodoClient, generate_private_key, build_csr, check_csr
        key = generate_private_key('ec')
        check_csr(build_csr(key, ['example.com']), ['example.com'])
        ComodoClient('https://ca.invalid/products', 'demo', 'demo').close()
        assert not any(name == 'odoo' or name.startswith('odoo.') for name in sys.modules
                       if sys.modules[name] is not None)
        print('ok')
    ''' % ADDON_DIR)
    done = subprocess.run([sys.executable, '-c', script], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == 'ok'


def test_check_domains_normalises_and_refuses_what_a_certificate_cannot_carry():
    assert check_domains(['WWW.Example.COM.', 'www.example.com'], multi_domain=True) == ['www.example.com']
    for domains, wildcard, message in [
            (['x' * 60 + '.example.com'], False, 'too long'),
            (['bücher.example'], False, 'not a valid public domain name'),
            (['*.example.com'], False, 'wildcard name'),
            (['example.com'], True, 'needs a primary domain starting with'),
            (['a.example.com', 'b.example.com'], False, 'covers one domain')]:
        with pytest.raises(RequestError, match=message):
            check_domains(domains, wildcard=wildcard)


@pytest.mark.parametrize('name', ['www\n.example.com', 'www.example\n.com', 'www .example.com',
                                  'www.exa\tmple.com', 'www.exa\x00mple.com', 'www.example.com\n.evil.com',
                                  'www\r.example.com'])
def test_check_domains_refuses_whitespace_and_control_characters_inside(name):
    with pytest.raises(RequestError, match='not a valid public domain name'):
        check_domains([name])


def _self_signed(key_pem, common_name):
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.utcnow()
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    return certificate.public_bytes(serialization.Encoding.PEM).decode('ascii')


@pytest.mark.parametrize('typed, name', [
    ('https://www.x.example/path', 'www.x.example'),
    ('HTTP://User:secret@Shop.Example.COM:8443/a?b=1#top', 'shop.example.com'),
    ('www.x.example.', 'www.x.example'),
    ('  example.com:443/  ', 'example.com'),
    ('example.com?x=1', 'example.com'),
    ('https://*.example.com/', '*.example.com'),
    ('*.example.com', '*.example.com'),
    # An address alone is not a web address: left as typed, for the domain check to refuse.
    ('me@example.com', 'me@example.com'),
    ('', ''),
    (None, ''),
])
def test_normalise_domain_cuts_a_pasted_web_address_to_its_name(typed, name):
    assert normalise_domain(typed) == name


def test_a_pasted_web_address_passes_the_domain_check_as_its_name():
    assert check_domains(['https://www.example.com/shop', 'example.com:443'], multi_domain=True) == [
        'www.example.com', 'example.com']
