"""A corpus of CSRs as a CA meets them in the wild, made on the spot with `cryptography`, the `openssl`
command and a small DER writer (for what neither tool will write: other versions, duplicate
extensions, an attribute with no value, weak keys).

The sandbox's tests and the CA client's tests both read it: each case names the one flaw that must
refuse it (FLAWS), or none when it must be accepted for the names it carries. Nothing of the server
or of the client is imported here.
"""
import base64
import ipaddress
import math
import os
import random
import shutil
import subprocess
import tempfile
from collections import namedtuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

# Why a case must be refused; None: it must be accepted.
FLAWS = (
    'empty', 'not-base64', 'not-a-request', 'version', 'duplicate-extension', 'duplicate-attribute', 'malformed',
    'key-type', 'curve', 'rsa-size', 'small-exponent', 'fermat', 'weak-signature', 'signature',
    'no-common-name', 'common-name-too-long', 'not-a-domain',
)

# domains: the names the request asks for, primary (its CN) first; what a customer would enter.
Case = namedtuple('Case', 'name pem domains flaw')

_OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14'
_OID_CHALLENGE_PASSWORD = '1.2.840.113549.1.9.7'
_OID_SAN = '2.5.29.17'
_RSA_SIGNATURES = {'sha256': '1.2.840.113549.1.1.11', 'sha384': '1.2.840.113549.1.1.12',
                   'sha512': '1.2.840.113549.1.1.13', 'sha1': '1.2.840.113549.1.1.5',
                   'md5': '1.2.840.113549.1.1.4'}
_ECDSA_SIGNATURES = {'sha256': '1.2.840.10045.4.3.2', 'sha384': '1.2.840.10045.4.3.3',
                     'sha512': '1.2.840.10045.4.3.4', 'sha1': '1.2.840.10045.4.1'}
_HASHES = {'sha256': hashes.SHA256, 'sha384': hashes.SHA384, 'sha512': hashes.SHA512,
           'sha1': hashes.SHA1, 'md5': hashes.MD5}


# -- a minimal DER writer ----------------------------------------------------------------------------

def _tlv(tag, content):
    length = len(content)
    if length < 0x80:
        encoded_length = bytes([length])
    else:
        octets = length.to_bytes((length.bit_length() + 7) // 8, 'big')
        encoded_length = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + encoded_length + content


def _sequence(*items):
    return _tlv(0x30, b''.join(items))


def _set(*items):
    return _tlv(0x31, b''.join(items))


def _integer(value):
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, 'big', signed=True))


def _oid(dotted):
    numbers = [int(part) for part in dotted.split('.')]
    body = bytearray([40 * numbers[0] + numbers[1]])
    for number in numbers[2:]:
        chunk = [number & 0x7f]
        number >>= 7
        while number:
            chunk.append(0x80 | (number & 0x7f))
            number >>= 7
        body.extend(reversed(chunk))
    return _tlv(0x06, bytes(body))


def _utf8(text):
    return _tlv(0x0c, text.encode('utf-8'))


def _name(*pairs):
    """A Name of (oid, text) pairs, one per RDN, as UTF8String (whatever the length)."""
    return _sequence(*[_set(_sequence(_oid(oid), _utf8(text))) for oid, text in pairs])


def _extension(oid, value_der, critical=False):
    return _sequence(_oid(oid), *([_tlv(0x01, b'\xff')] if critical else []), _tlv(0x04, value_der))


def _san(*names):
    return x509.SubjectAlternativeName([x509.DNSName(name) for name in names]).public_bytes()


def _extension_request(*extensions):
    return _sequence(_oid(_OID_EXTENSION_REQUEST), _set(_sequence(*extensions)))


def _pem(der, label='CERTIFICATE REQUEST'):
    return '-----BEGIN %s-----\n%s-----END %s-----\n' % (label, base64.encodebytes(der).decode('ascii'), label)


def _spki(key):
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def _request(key, subject_der, attributes=(), version=0, digest='sha256', signer=None):
    """PEM of a PKCS#10 request for `key` written field by field and signed with `signer` (by default
    the same key; RSA PKCS#1 v1.5 or ECDSA) over `digest`."""
    info = _sequence(_integer(version), subject_der, _spki(key), _tlv(0xa0, b''.join(attributes)))
    signer = signer or key
    if isinstance(signer, rsa.RSAPrivateKey):
        signature = signer.sign(info, padding.PKCS1v15(), _HASHES[digest]())
        algorithm = _sequence(_oid(_RSA_SIGNATURES[digest]), _tlv(0x05, b''))
    else:
        signature = signer.sign(info, ec.ECDSA(_HASHES[digest]()))
        algorithm = _sequence(_oid(_ECDSA_SIGNATURES[digest]))
    return _pem(_sequence(info, algorithm, _tlv(0x03, b'\x00' + signature)))


# -- keys no tool will make: RSA from chosen primes ---------------------------------------------------

_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p ** 0.5) + 1))]


def _is_probable_prime(n, rng):
    if n < 2 or any(n % p == 0 for p in _SMALL_PRIMES if p < n):
        return n in _SMALL_PRIMES
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _round in range(24):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _square in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _next_prime(start, exponent, rng):
    """The first prime >= start with gcd(p - 1, exponent) == 1."""
    candidate = start | 1
    while not (math.gcd(candidate - 1, exponent) == 1 and _is_probable_prime(candidate, rng)):
        candidate += 2
    return candidate


def _inverse(value, modulus):
    old_r, r, old_s, s = value, modulus, 1, 0
    while r:
        quotient = old_r // r
        old_r, r, old_s, s = r, old_r - quotient * r, s, old_s - quotient * s
    return old_s % modulus


def rsa_key_from_primes(p, q, exponent):
    d = _inverse(exponent, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(exponent, p * q))
    return numbers.private_key()


def _prime(bits, exponent):
    """A random prime of `bits` bits with gcd(p - 1, exponent) == 1 (taken from a key OpenSSL makes)."""
    while True:
        numbers = rsa.generate_private_key(65537, 2 * bits).private_numbers()
        for prime in (numbers.p, numbers.q):
            if math.gcd(prime - 1, exponent) == 1:
                return prime


def fermat_close_key(bits=2048, gap_bits=64, exponent=65537, seed=2026):
    """An RSA key whose primes lie within about 2**gap_bits of each other: Fermat's method factors its
    modulus at the first step (the Baseline Requirements 6.1.1.3 weakness)."""
    rng = random.Random(seed + gap_bits)
    p = _prime(bits // 2, exponent)
    q = _next_prime(p + rng.getrandbits(gap_bits) + 2, exponent, rng)
    return rsa_key_from_primes(p, q, exponent)


def small_exponent_key(exponent, bits=2048):
    return rsa_key_from_primes(_prime(bits // 2, exponent), _prime(bits // 2, exponent), exponent)


# -- the corpus ---------------------------------------------------------------------------------------

class _Corpus(object):
    """Builds the cases; keys are made once each (RSA ones are slow)."""

    def __init__(self, domain):
        self.domain = domain
        self.cases = []
        self._keys = {}
        self.workdir = tempfile.mkdtemp(prefix='csr-corpus-')

    def key(self, kind):
        if kind not in self._keys:
            self._keys[kind] = _KEY_MAKERS[kind]()
        return self._keys[kind]

    def name(self, label):
        return '%s.%s' % (label, self.domain)

    def add(self, name, pem, domains, flaw=None):
        assert flaw is None or flaw in FLAWS, flaw
        self.cases.append(Case(name, pem, list(domains), flaw))

    def built(self, name, key_kind, common_names=None, alt_names=(), ip_addresses=(), digest=hashes.SHA256,
              flaw=None, extensions=(), subject=None, rsa_padding=None, domains=None):
        """A request made by cryptography's builder."""
        primary = self.name(name)
        common_names = [primary] if common_names is None else common_names
        attributes = subject or [x509.NameAttribute(NameOID.COMMON_NAME, cn) for cn in common_names]
        builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes))
        if alt_names or ip_addresses:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName(n) for n in alt_names] +
                [x509.IPAddress(ipaddress.ip_address(address)) for address in ip_addresses]), critical=False)
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        key = self.key(key_kind)
        algorithm = None if isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)) else digest()
        signing = {'rsa_padding': rsa_padding} if rsa_padding else {}
        pem = builder.sign(key, algorithm, **signing).public_bytes(serialization.Encoding.PEM).decode('ascii')
        names = domains or common_names[:1] + [n for n in alt_names if n not in common_names[:1]]
        self.add(name, pem, names, flaw)
        return pem

    def openssl(self, name, key_kind, arguments=(), flaw=None, config=None, text=False):
        """A request made by `openssl req` with the key of that kind and CN = name."""
        primary = self.name(name)
        key_path = os.path.join(self.workdir, key_kind + '.pem')
        if not os.path.exists(key_path):
            with open(key_path, 'wb') as handle:
                handle.write(self.key(key_kind).private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        command = ['openssl', 'req', '-new', '-key', key_path, '-subj', '/CN=' + primary] + list(arguments)
        if config:
            config_path = os.path.join(self.workdir, name + '.cnf')
            with open(config_path, 'w') as handle:
                handle.write(config)
            command += ['-config', config_path]
        if text:
            command += ['-text']
        pem = subprocess.run(command, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True).stdout
        alt_names = [value.strip()[4:] for argument in arguments if argument.startswith('subjectAltName=')
                     for value in argument.split('=', 1)[1].split(',')]
        self.add(name, pem, [primary] + [n for n in alt_names if n != primary], flaw)
        return pem

    def written(self, name, key_kind, flaw=None, common_name=None, alt_names=(), **request):
        """A request written field by field (see _request)."""
        primary = common_name or self.name(name)
        attributes = list(request.pop('attributes', ()))
        if alt_names:
            attributes.append(_extension_request(_extension(_OID_SAN, _san(primary, *alt_names))))
        subject = request.pop('subject', None) or _name((NameOID.COMMON_NAME.dotted_string, primary))
        pem = _request(self.key(key_kind), subject, attributes, **request)
        self.add(name, pem, [primary] + list(alt_names), flaw)
        return pem


def _rsa(bits, exponent=65537):
    return lambda: rsa.generate_private_key(exponent, bits)


_KEY_MAKERS = {
    'rsa1024': _rsa(1024), 'rsa1536': _rsa(1536), 'rsa2048': _rsa(2048), 'rsa3072': _rsa(3072),
    'rsa4096': _rsa(4096),
    'rsa2048-e3': _rsa(2048, 3),
    'rsa2048-e17': lambda: small_exponent_key(17),
    'rsa2048-e257': lambda: small_exponent_key(257),
    'rsa2048-e65535': lambda: small_exponent_key(65535),
    'rsa2048-fermat64': lambda: fermat_close_key(gap_bits=64),
    'rsa2048-fermat256': lambda: fermat_close_key(gap_bits=256),
    'rsa2048-fermat500': lambda: fermat_close_key(gap_bits=500),
    'rsa3072-fermat': lambda: fermat_close_key(bits=3072, gap_bits=700),
    'p256': lambda: ec.generate_private_key(ec.SECP256R1()),
    'p384': lambda: ec.generate_private_key(ec.SECP384R1()),
    'p521': lambda: ec.generate_private_key(ec.SECP521R1()),
    'p224': lambda: ec.generate_private_key(ec.SECP224R1()),
    'secp256k1': lambda: ec.generate_private_key(ec.SECP256K1()),
    'brainpool256': lambda: ec.generate_private_key(ec.BrainpoolP256R1()),
    'brainpool384': lambda: ec.generate_private_key(ec.BrainpoolP384R1()),
    'dsa2048': lambda: dsa.generate_private_key(2048),
    'ed25519': ed25519.Ed25519PrivateKey.generate,
    'ed448': ed448.Ed448PrivateKey.generate,
}


def build(domain='corpus.example.com'):
    """The cases, each CN under `domain` (one label of its own per case)."""
    corpus = _Corpus(domain)
    try:
        _accepted(corpus)
        _unreadable(corpus)
        _weak(corpus)
        _badly_named(corpus)
    finally:
        shutil.rmtree(corpus.workdir, ignore_errors=True)  # the keys handed to openssl
    return corpus.cases


def _accepted(corpus):
    for key_kind in ('rsa2048', 'rsa3072', 'rsa4096', 'p256', 'p384'):
        for digest in (hashes.SHA256, hashes.SHA384, hashes.SHA512):
            corpus.built('%s-%s' % (key_kind, digest.name), key_kind, digest=digest)
    corpus.built('rsa-sans', 'rsa2048', alt_names=[corpus.name('rsa-sans'), corpus.name('www'), corpus.name('shop')])
    corpus.built('ec-sans', 'p256', alt_names=[corpus.name('ec-mail'), corpus.name('ec-sans')])
    corpus.built('cn-64', 'p256', common_names=[_long_name(corpus, 64)])  # X.520's longest common name
    corpus.built('unknown-extension', 'p256', extensions=[
        (x509.UnrecognizedExtension(x509.ObjectIdentifier('1.3.6.1.4.1.55555.1'), b'\x05\x00'), False)])
    # The CA chooses the certificate's extensions itself: what a request asks for is no reason to refuse.
    corpus.built('unknown-critical-extension', 'p256', extensions=[
        (x509.UnrecognizedExtension(x509.ObjectIdentifier('1.3.6.1.4.1.55555.2'), b'\x01\x01\xff'), True)])
    corpus.built('usages', 'rsa2048', extensions=[
        (x509.KeyUsage(True, False, True, False, False, False, False, False, False), True),
        (x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (x509.BasicConstraints(ca=False, path_length=None), True)])
    corpus.built('asks-to-be-a-ca', 'p256', extensions=[(x509.BasicConstraints(ca=True, path_length=0), True)])
    # An IP address beside the names: certificates here carry domain names only, the CA issues for those.
    corpus.built('ip-san', 'p256', alt_names=[corpus.name('ip-san'), corpus.name('www-ip-san')],
                 ip_addresses=['192.0.2.7', '2001:db8::7'])
    corpus.built('full-subject', 'rsa2048', subject=[
        x509.NameAttribute(NameOID.COUNTRY_NAME, 'DE'), x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, 'Bayern'),
        x509.NameAttribute(NameOID.LOCALITY_NAME, 'München'), x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'Bücher & Söhne GmbH'),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, 'IT — 网络'), x509.NameAttribute(NameOID.EMAIL_ADDRESS, 'it@example.com'),
        x509.NameAttribute(NameOID.COMMON_NAME, corpus.name('full-subject'))])
    corpus.built('upper-case', 'p256', common_names=[corpus.name('upper-case').upper() + '.'],
                 domains=[corpus.name('upper-case')])
    corpus.built('rsa-pss', 'rsa2048', rsa_padding=padding.PSS(padding.MGF1(hashes.SHA256()), 32))
    # openssl req, as a customer's server makes them.
    corpus.openssl('openssl-rsa', 'rsa2048')
    corpus.openssl('openssl-ec', 'p256', ['-sha384'])
    corpus.openssl('openssl-san', 'rsa2048', ['-addext', 'subjectAltName=DNS:%s,DNS:%s'
                                                % (corpus.name('openssl-san'), corpus.name('www-openssl-san'))])
    corpus.openssl('openssl-challenge', 'p256', config=_OPENSSL_CHALLENGE_CONFIG)
    corpus.openssl('openssl-text', 'p256', text=True)  # the human-readable dump, then the PEM
    # The same request pasted in other shapes.
    pem = corpus.built('pasted', 'p256')
    corpus.add('pasted-in-a-mail', 'Hello,\n\nhere is our CSR:\n\n%s\nRegards,\nThe web team\n' % pem,
               [corpus.name('pasted')])
    corpus.add('pasted-crlf', pem.replace('\n', '\r\n'), [corpus.name('pasted')])
    corpus.add('pasted-indented', '\n'.join('    ' + line for line in pem.splitlines()), [corpus.name('pasted')])
    corpus.add('pasted-new-label', pem.replace('CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'),
               [corpus.name('pasted')])
    corpus.add('pasted-bare-base64', ''.join(pem.splitlines()[1:-1]), [corpus.name('pasted')])
    corpus.add('pasted-one-line', pem.splitlines()[0] + ''.join(pem.splitlines()[1:-1]) + pem.splitlines()[-1],
               [corpus.name('pasted')])
    corpus.written('attribute-challenge', 'rsa2048', attributes=[
        _sequence(_oid(_OID_CHALLENGE_PASSWORD), _set(_utf8('secret')))])
    corpus.written('attributes-empty-set', 'p256')


_OPENSSL_CHALLENGE_CONFIG = """[req]
distinguished_name = dn
attributes = attributes
prompt = no
[dn]
CN = unused
[attributes]
challengePassword = a challenge
unstructuredName = Example Web Team
"""


def _unreadable(corpus):
    pem = corpus.built('for-garbage', 'p256')
    der = base64.b64decode(''.join(pem.splitlines()[1:-1]))
    primary = [corpus.name('for-garbage')]
    for name, text, flaw in [
            ('empty', '', 'empty'),
            ('blank', ' \n\t\n', 'empty'),
            ('armour-only', '-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n', 'empty'),
            ('not-base64', _pem(b'x').replace('eA==', 'not base64!'), 'not-base64'),
            ('bare-words', 'please make me a certificate!', 'not-base64'),
            ('base64-of-text', _pem(b'this is not DER at all'), 'not-a-request'),
            ('random-bytes', _pem(random.Random(1).getrandbits(8 * 300).to_bytes(300, 'big')), 'not-a-request'),
            ('truncated', _pem(der[:len(der) // 2]), 'not-a-request'),
            ('trailing-bytes', _pem(der + b'\x00\x00'), 'not-a-request'),
            ('empty-sequence', _pem(b'\x30\x00'), 'not-a-request'),
            ('huge-length', _pem(b'\x30\x84\xff\xff\xff\xff' + der[2:]), 'not-a-request'),
            ('indefinite-length', _pem(b'\x30\x80' + der[2:] + b'\x00\x00'), 'not-a-request'),
            ('a-certificate', _pem(_certificate_der(corpus.key('p256'))), 'not-a-request'),
            ('a-certificate-labelled', _pem(_certificate_der(corpus.key('p256')), 'CERTIFICATE'), 'not-a-request'),
            ('deep-nesting', _pem(_nested(200)), 'not-a-request'),
    ]:
        corpus.add('garbage-' + name, text, primary, flaw)
    for version in (1, 2, 3):
        corpus.written('version-%d' % (version + 1), 'rsa2048', version=version, flaw='version')
    # Version numbers no PKCS#10 parser reads as a version at all.
    corpus.written('version-negative', 'rsa2048', version=-1, flaw='not-a-request')
    corpus.written('version-huge', 'rsa2048', version=2 ** 70, flaw='not-a-request')
    corpus.openssl('version-1-openssl', 'p256')  # what openssl writes: version 1 (the value 0)
    san = _extension(_OID_SAN, _san(corpus.name('dup-san')))
    corpus.written('dup-san', 'rsa2048', attributes=[_extension_request(san, san)], flaw='duplicate-extension')
    private = _extension('1.3.6.1.4.1.55555.3', b'\x05\x00')
    corpus.written('dup-unknown', 'p256', attributes=[_extension_request(private, private)],
                   flaw='duplicate-extension')
    # Two extension requests: which one a CA reads is anyone's guess.
    corpus.written('dup-extension-request', 'p256', attributes=[
        _extension_request(san), _extension_request(_extension(_OID_SAN, _san(corpus.name('dup-extension-request'))))],
        flaw='duplicate-attribute')
    challenge = _sequence(_oid(_OID_CHALLENGE_PASSWORD), _set(_utf8('secret')))
    corpus.written('dup-challenge', 'rsa2048', attributes=[challenge, challenge], flaw='duplicate-attribute')
    # An attribute whose SET of values is empty (PKCS#10 requires at least one value).
    corpus.written('zero-element-attribute', 'rsa2048', attributes=[_sequence(_oid(_OID_CHALLENGE_PASSWORD), _set())],
                   flaw='malformed')
    corpus.written('zero-element-extension-request', 'p256',
                   attributes=[_sequence(_oid(_OID_EXTENSION_REQUEST), _set())], flaw='malformed')
    corpus.written('bad-san-value', 'p256', attributes=[_extension_request(_extension(_OID_SAN, b'\x04\x02hi'))],
                   flaw='malformed')
    corpus.written('bad-extension-request', 'p256',
                   attributes=[_sequence(_oid(_OID_EXTENSION_REQUEST), _set(_integer(5)))], flaw='malformed')
    corpus.written('bad-subject', 'p256', subject=_sequence(_integer(1)), flaw='not-a-request')


def _certificate_der(key):
    import datetime
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'a certificate')])
    now = datetime.datetime(2026, 1, 1)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    return certificate.public_bytes(serialization.Encoding.DER)


def _nested(depth):
    der = _tlv(0x05, b'')
    for _level in range(depth):
        der = _sequence(der)
    return der


def _weak(corpus):
    for key_kind in ('rsa1024', 'rsa1536'):
        corpus.built(key_kind, key_kind, flaw='rsa-size')
    corpus.openssl('openssl-rsa1024', 'rsa1024', flaw='rsa-size')
    for key_kind in ('rsa2048-e3', 'rsa2048-e17', 'rsa2048-e257', 'rsa2048-e65535'):
        corpus.built(key_kind, key_kind, flaw='small-exponent')
    for key_kind in ('rsa2048-fermat64', 'rsa2048-fermat256', 'rsa2048-fermat500', 'rsa3072-fermat'):
        corpus.built(key_kind, key_kind, flaw='fermat')
    corpus.openssl('openssl-fermat', 'rsa2048-fermat64', flaw='fermat')
    for key_kind in ('dsa2048', 'ed25519', 'ed448'):
        corpus.built(key_kind, key_kind, flaw='key-type')
    corpus.openssl('openssl-dsa', 'dsa2048', flaw='key-type')
    corpus.openssl('openssl-ed25519', 'ed25519', flaw='key-type')
    for key_kind in ('p224', 'p521', 'secp256k1', 'brainpool256', 'brainpool384'):
        corpus.built(key_kind, key_kind, flaw='curve')
    # cryptography no longer signs with SHA-1 or MD5: written by hand.
    corpus.written('rsa-sha1', 'rsa2048', digest='sha1', flaw='weak-signature')
    corpus.written('ec-sha1', 'p256', digest='sha1', flaw='weak-signature')
    corpus.written('rsa-md5', 'rsa2048', digest='md5', flaw='weak-signature')
    corpus.openssl('openssl-sha1', 'rsa2048', ['-sha1'], flaw='weak-signature')
    corpus.openssl('openssl-md5', 'rsa2048', ['-md5'], flaw='weak-signature')
    for name, key_kind in (('rsa-bad-signature', 'rsa2048'), ('ec-bad-signature', 'p256')):
        der = bytearray(base64.b64decode(''.join(corpus.built(name, key_kind).splitlines()[1:-1])))
        der[-3] ^= 0x01  # inside the signature: the request no longer matches it
        corpus.cases[-1] = corpus.cases[-1]._replace(pem=_pem(bytes(der)), flaw='signature')
    # The request holds one key and is signed with another.
    corpus.written('signed-by-another', 'p256', signer=corpus.key('p384'), flaw='signature')


def _long_name(corpus, length):
    """A valid host name of `length` characters (labels of 40 at most) under the corpus's domain."""
    letters = ['l'] * (length - len(corpus.domain) - 1)
    for dot in range(40, len(letters) - 1, 41):
        letters[dot] = '.'
    name = ''.join(letters) + '.' + corpus.domain
    assert len(name) == length and '..' not in name, name
    return name


def _badly_named(corpus):
    corpus.written('no-cn', 'p256', subject=_sequence(), alt_names=[corpus.name('www-no-cn')], flaw='no-common-name')
    corpus.cases[-1] = corpus.cases[-1]._replace(domains=[corpus.name('no-cn'), corpus.name('www-no-cn')])
    corpus.built('only-organisation', 'rsa2048', subject=[x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'Example Ltd')],
                 domains=[corpus.name('only-organisation')], flaw='no-common-name')
    corpus.written('empty-cn', 'p256', subject=_name((NameOID.COMMON_NAME.dotted_string, '')),
                   flaw='no-common-name')
    corpus.cases[-1] = corpus.cases[-1]._replace(domains=[corpus.name('empty-cn')])
    for length in (65, 100, 200):
        corpus.written('long-%d' % length, 'p256', common_name=_long_name(corpus, length),
                       flaw='common-name-too-long')
    corpus.written('unicode', 'p256', common_name='bücher.' + corpus.domain, flaw='not-a-domain')
    corpus.written('unicode-cn-emoji', 'p256', common_name='🔒.' + corpus.domain, flaw='not-a-domain')
    corpus.written('ip-cn', 'p256', common_name='192.0.2.10', flaw='not-a-domain')
    corpus.written('single-label', 'p256', common_name='intranet', flaw='not-a-domain')
    corpus.written('underscore', 'p256', common_name='under_score.' + corpus.domain, flaw='not-a-domain')
    corpus.written('space', 'p256', common_name='two words.' + corpus.domain, flaw='not-a-domain')
