"""Private keys and CSRs: making them, reading them, and checking a CSR against an order."""
import base64
import binascii
import ipaddress
import re
from collections import Counter
from contextlib import contextmanager

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

from .errors import RequestError
from .results import CsrInfo

MIN_RSA_BITS = 2048
# The Baseline Requirements (6.1.6) want an odd public exponent of at least 2**16 + 1.
MIN_RSA_EXPONENT = 65537
# Fermat's method finds primes this close within its first steps; 100 steps is the usual bound
# (Baseline Requirements 6.1.1.3 name the weakness).
FERMAT_STEPS = 100
# A modulus with a prime factor below 752 is weak (Baseline Requirements 6.1.6).
_SMALL_PRIMES = [p for p in range(3, 752, 2) if all(p % d for d in range(3, int(p ** 0.5) + 1, 2))]
# Signatures a CA still accepts on a request (SHA-1 and MD5 are forgeable).
ACCEPTED_SIGNATURE_HASHES = ('sha256', 'sha384', 'sha512')
# A request, even an RSA 4096 one with `openssl req -text` around it, is a few KB: anything larger is
# refused before it is read, so a huge paste costs nothing.
MAX_CSR_BYTES = 16 * 1024
# No certificate the CA sells names more (Sectigo's multi-domain limit).
MAX_DOMAINS = 250
# X.509 (RFC 5280 ub-common-name) limits the subject's common name to 64 characters.
MAX_COMMON_NAME_LENGTH = 64
# The EC curves the CA accepts, by key size (generate_private_key picks one by size).
EC_CURVES_BY_SIZE = {256: ec.SECP256R1, 384: ec.SECP384R1}

# One BEGIN or END line of PEM armour (its label bounded, so each match is short): blocks are paired
# in one pass over these, where a regex holding the body backtracks over text of many BEGIN lines.
_PEM_MARKER = re.compile(r'-----(BEGIN|END) ([A-Z0-9 ]{1,64})-----')
_CSR_LABELS = ('CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST')
# One DNS label (LDH rule); IDNs arrive as their xn-- form. Used with fullmatch: `$` would let a
# trailing newline through ("www\n.example.com").
_LABEL = re.compile(r'[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?')


def generate_private_key(key_type='rsa', key_size=None):
    """A new private key as unencrypted PKCS#8 PEM text.

    key_type 'rsa' (key_size >= 2048, default 2048) or 'ec' (key_size 256 or 384 picks P-256 or
    P-384; default P-256).
    """
    if key_type == 'rsa':
        key_size = key_size or MIN_RSA_BITS
        if key_size < MIN_RSA_BITS:
            raise ValueError('RSA keys must have at least %d bits, not %d'
                             % (MIN_RSA_BITS, key_size))
        key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    elif key_type == 'ec':
        curve = EC_CURVES_BY_SIZE.get(key_size or 256)
        if curve is None:
            raise ValueError('EC keys must be P-256 or P-384, not %s bits' % key_size)
        key = ec.generate_private_key(curve())
    else:
        raise ValueError("key_type must be 'rsa' or 'ec', not %r" % (key_type,))
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode('ascii')


def build_csr(private_key_pem, domains):
    """A PEM CSR signed with SHA-256: CN = domains[0], subjectAltName = every domain."""
    names = [normalise_domain(domain) for domain in domains]
    if not names or not all(names):
        raise ValueError('build_csr needs at least one non-empty domain')
    # The key is one generate_private_key made: re-checking its RSA arithmetic costs more than
    # making it did, and guards against hostile keys, which never come here.
    key = serialization.load_pem_private_key(_to_bytes(private_key_pem), password=None,
                                             unsafe_skip_rsa_key_validation=True)
    unique_names = list(_unique(names))
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, unique_names[0])]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in unique_names]),
                          critical=False)
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM).decode('ascii')


def csr_der(csr_pem):
    """The DER bytes of a CSR given as PEM or as bare Base64 (the CA accepts both).

    Raises RequestError saying what is wrong; never quotes the text, which may be a private key
    pasted by mistake.
    """
    if len(csr_pem or '') > MAX_CSR_BYTES:
        raise RequestError('The CSR is %d KB long; a certificate request has %d KB at most.'
                           % (-(-len(csr_pem) // 1024), MAX_CSR_BYTES // 1024))
    text = csr_pem.decode('ascii', 'replace') if isinstance(csr_pem, bytes) else (csr_pem or '')
    text = text.strip()
    if not text:
        raise RequestError('The CSR is empty.')
    refuse_private_key(text)
    if '-----BEGIN' in text:
        blocks = _pem_blocks(text)
        if not blocks:
            raise RequestError('The CSR is not valid PEM: its BEGIN/END lines do not match.')
        bodies = [body for label, body in blocks if label in _CSR_LABELS]
        if not bodies:
            raise RequestError('This is a %s, not a certificate request (CSR).'
                               % blocks[0][0].lower())
        text = bodies[0]
    compact = re.sub(r'\s+', '', text)
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError('The CSR is not valid Base64.')
    if not der:
        raise RequestError('The CSR is empty.')
    return der


def _pem_blocks(text):
    """[(label, body)] of the PEM blocks in the text, BEGIN and END paired by label."""
    blocks, open_label, body_start = [], None, 0
    for marker in _PEM_MARKER.finditer(text):
        kind, label = marker.groups()
        if kind == 'BEGIN':
            open_label, body_start = label, marker.end()
        elif label == open_label:
            blocks.append((label, text[body_start:marker.start()]))
            open_label = None
    return blocks


def refuse_private_key(text):
    """RequestError if the text holds a private key, which must never be stored nor sent on."""
    if 'PRIVATE KEY' in (text or ''):
        raise RequestError('This text holds a private key. Paste only the certificate request '
                           '(CSR): the private key must stay on your server.')


def clean_csr(csr_pem):
    """The CSR alone, as PEM re-encoded from its DER: what is stored and sent to the CA.

    Whatever surrounded the CSR block in the pasted text is dropped; text holding a private key is
    refused (RequestError), as is anything that is not a PKCS#10 request.
    """
    return load_csr(csr_pem).public_bytes(serialization.Encoding.PEM).decode('ascii')


def certificate_matches_csr(certificate_pem, csr_pem):
    """True when the certificate carries the public key of the CSR it was ordered with."""
    certificate = x509.load_pem_x509_certificate(_to_bytes(certificate_pem))
    return _public_key_der(certificate.public_key()) == _public_key_der(load_csr(csr_pem).public_key())


def decode_csr(csr_pem):
    """What a CSR asks for: CsrInfo. Raises RequestError if it cannot be read at all."""
    return _csr_info(load_csr(csr_pem))


def check_csr(csr_pem, domains, wildcard=False, multi_domain=False):
    """CsrInfo of a CSR the CA should accept for these domains, else RequestError saying why.

    domains: what the customer entered, primary first. wildcard: the product is a wildcard one
    (its primary domain must start with exactly one '*.'); otherwise no '*' is allowed anywhere.
    multi_domain: the product covers several names; otherwise exactly one.
    """
    csr = load_csr(csr_pem)
    info = _csr_info(csr)
    _check_signature_algorithm(csr)
    if not info.signature_valid:
        raise RequestError("The CSR's signature is invalid: it was not signed by the key it holds.")
    _check_key(csr, info)
    entered = check_domains(domains, wildcard, multi_domain)
    if not info.common_name:
        raise RequestError('The CSR has no common name (CN); it must be %s.' % entered[0])
    common_names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(common_names) > 1:
        # Which one a CA (or a web server) would take is anyone's guess: the request is ambiguous.
        raise RequestError('The CSR has %d common names (CN); it must have one, %s.'
                           % (len(common_names), entered[0]))
    if len(info.common_name) > MAX_COMMON_NAME_LENGTH:
        raise RequestError("The CSR's common name has %d characters; a common name has %d characters "
                           "at most." % (len(info.common_name), MAX_COMMON_NAME_LENGTH))
    if info.common_name != entered[0]:
        raise RequestError("The CSR's common name is %s, but the primary domain entered is %s."
                           % (info.common_name, entered[0]))
    in_csr, in_entered = set(info.domains), set(entered)
    only_in_csr = [name for name in info.domains if name not in in_entered]
    only_entered = [name for name in entered if name not in in_csr]
    if only_in_csr or only_entered:
        problems = []
        if only_in_csr:
            problems.append('in the CSR but not entered: %s' % ', '.join(only_in_csr))
        if only_entered:
            problems.append('entered but not in the CSR: %s' % ', '.join(only_entered))
        raise RequestError("The CSR's names do not match the domains entered (%s)."
                           % '; '.join(problems))
    return info


def check_domains(domains, wildcard=False, multi_domain=False):
    """The domains entered for an order, normalised and deduplicated (primary first), if a
    certificate of this product can carry them; else RequestError saying why."""
    if len(domains) > MAX_DOMAINS:
        raise RequestError('%d domains were entered; a certificate names %d at most.'
                           % (len(domains), MAX_DOMAINS))
    entered = list(_unique(normalise_domain(domain) for domain in domains))
    _check_entered_domains(entered, wildcard, multi_domain)
    if len(entered[0]) > MAX_COMMON_NAME_LENGTH:
        raise RequestError('%s is too long to be a certificate\'s common name (%d characters at most).'
                           % (entered[0], MAX_COMMON_NAME_LENGTH))
    return entered


# What a web address adds around the name: its scheme and any user ("https://user@"), then a port,
# path, query or fragment. A user part is only taken off after a scheme ("me@example.com" alone is an
# address, not a name, and is left for the domain check to refuse).
_URL_SCHEME_AND_USER = re.compile(r'^[a-z][a-z0-9+.-]*://(?:[^/?#@]*@)?')
_URL_AFTER_NAME = re.compile(r'(?::\d*)?(?:[/?#].*)?$')


def normalise_domain(domain):
    """The name as the CA compares it: lower case, no trailing dot, and a pasted web address
    ("https://www.example.com/path") cut to its name."""
    name = _URL_SCHEME_AND_USER.sub('', (domain or '').strip().lower())
    return _URL_AFTER_NAME.sub('', name, count=1).rstrip('.')


def repeated_domains(domains):
    """The domains entered more than once (compared as the CA does: case and final dot aside), sorted."""
    counts = Counter(normalise_domain(domain) for domain in domains)
    return sorted(name for name, count in counts.items() if name and count > 1)


def load_csr(csr_pem):
    """The CSR, every part of it read once (cryptography reads the subject, extensions and attributes
    only when asked): RequestError naming the part that cannot be read, never another exception."""
    der = csr_der(csr_pem)
    with _reading('The CSR could not be decoded: it is not a PKCS#10 certificate request.'):
        try:
            csr = x509.load_der_x509_csr(der)
        except x509.InvalidVersion as error:
            raise RequestError('The CSR has version %d; only version 1 requests (PKCS#10) are accepted: '
                               'make it again with a current tool.' % (error.parsed_version + 1))
    with _reading("The CSR's subject could not be decoded."):
        list(csr.subject)
    with _reading("The CSR's extensions could not be decoded."):
        csr.extensions
    with _reading("The CSR's attributes could not be decoded."):
        attribute_counts = Counter(attribute.oid for attribute in csr.attributes)
    for oid, count in attribute_counts.items():
        if count > 1:
            raise RequestError('The CSR holds its attribute %s %d times; a request names each attribute once.'
                               % (_oid_name(oid), count))
    return csr


@contextmanager
def _reading(message):
    """RequestError(message) for whatever cryptography cannot read, including its panics."""
    try:
        yield
    except x509.DuplicateExtension as error:
        raise RequestError('The CSR requests the extension %s twice; a request names each extension once.'
                           % _oid_name(error.oid))
    except (ValueError, UnsupportedAlgorithm):
        raise RequestError(message)
    except BaseException as error:
        # A Rust panic inside cryptography reaches Python as pyo3's PanicException, which derives
        # from BaseException: nothing else is caught here.
        if type(error).__name__ != 'PanicException':
            raise
        raise RequestError(message)


def _oid_name(oid):
    name = getattr(oid, '_name', None)
    return oid.dotted_string if not name or name == 'Unknown OID' else '%s (%s)' % (name, oid.dotted_string)


def _csr_info(csr):
    cn_attributes = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        san_names = san.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        san_names = []
    common_name = normalise_domain(cn_attributes[0].value) if cn_attributes else None
    domains = list(_unique(([common_name] if common_name else []) +
                           [normalise_domain(name) for name in san_names]))
    key_type, key_size = _key_description(csr)
    try:
        signature_valid = csr.is_signature_valid
    except UnsupportedAlgorithm:
        signature_valid = False
    return CsrInfo(common_name, domains, key_type, key_size, signature_valid)


def _check_signature_algorithm(csr):
    try:
        algorithm = csr.signature_hash_algorithm
    except UnsupportedAlgorithm:
        raise RequestError('The CSR is signed with an algorithm that is not accepted (%s); sign it with '
                           'SHA-256 or stronger.' % csr.signature_algorithm_oid.dotted_string)
    # None: EdDSA, which hashes by itself (its key type is refused on its own).
    if algorithm is not None and algorithm.name not in ACCEPTED_SIGNATURE_HASHES:
        raise RequestError('The CSR is signed with %s, a weak signature algorithm; make it again signed '
                           'with SHA-256 or stronger.' % algorithm.name.upper().replace('SHA', 'SHA-'))


def _check_key(csr, info):
    if info.key_type == 'rsa':
        if info.key_size < MIN_RSA_BITS:
            raise RequestError("The CSR's RSA key has %d bits; at least %d are required."
                               % (info.key_size, MIN_RSA_BITS))
        _check_rsa_numbers(csr.public_key().public_numbers())
    elif info.key_type == 'ec':
        # Compare the curve itself: secp256k1 and brainpool curves have the same sizes.
        curve = csr.public_key().curve
        if not any(isinstance(curve, allowed) for allowed in EC_CURVES_BY_SIZE.values()):
            raise RequestError("The CSR's EC key is on curve %s; only P-256 and P-384 are accepted."
                               % curve.name)
    else:
        raise RequestError("The CSR's key type (%s) is not accepted; use RSA of %d bits or more, "
                           "or EC P-256/P-384." % (info.key_type, MIN_RSA_BITS))


def _check_rsa_numbers(numbers):
    if numbers.e < MIN_RSA_EXPONENT or numbers.e % 2 == 0:
        raise RequestError("The CSR's RSA key has the public exponent %d, which is weak; it must be odd and "
                           "at least %d: make a new key." % (numbers.e, MIN_RSA_EXPONENT))
    small_factor = next((prime for prime in [2] + _SMALL_PRIMES if numbers.n % prime == 0), None)
    if small_factor:
        raise RequestError("The CSR's RSA key is weak: its modulus has the factor %d. Make a new key."
                           % small_factor)
    if _fermat_factorable(numbers.n):
        raise RequestError("The CSR's RSA key is weak: its two primes are so close together that Fermat's "
                           "method factors it. Make a new key.")


def _fermat_factorable(modulus):
    """True if modulus = a**2 - b**2 for an `a` within FERMAT_STEPS of its square root."""
    a = _integer_square_root(modulus)
    if a * a < modulus:
        a += 1
    for _step in range(FERMAT_STEPS):
        b_squared = a * a - modulus
        b = _integer_square_root(b_squared)
        if b * b == b_squared:
            return True
        a += 1
    return False


def _integer_square_root(value):
    """The largest integer whose square is <= value (math.isqrt arrives with Python 3.8)."""
    if value < 2:
        return value
    root = 1 << ((value.bit_length() + 1) // 2)
    while True:
        better = (root + value // root) // 2
        if better >= root:
            return root
        root = better


def _check_entered_domains(entered, wildcard, multi_domain):
    if not entered or not entered[0]:
        raise RequestError('No domain was entered.')
    if len(entered) > 1 and not multi_domain:
        raise RequestError('This product covers one domain, but %d were entered: %s.'
                           % (len(entered), ', '.join(entered)))
    for name in entered:
        is_wildcard = name.startswith('*.')
        bare = name[2:] if is_wildcard else name
        if '*' in bare:
            raise RequestError("%s has a '*' that is not a single leading '*.' label." % name)
        if is_wildcard and not wildcard:
            raise RequestError('%s is a wildcard name, which this product does not allow; choose a '
                               'wildcard product or remove the "*.".' % name)
        if not _is_hostname(bare):
            raise RequestError('%s is not a valid public domain name%s.' % (name, _ascii_form_hint(name)))
    if wildcard and not entered[0].startswith('*.'):
        raise RequestError('A wildcard certificate needs a primary domain starting with "*." '
                           '(e.g. *.%s), not %s.' % (entered[0], entered[0]))


def _ascii_form_hint(name):
    """For an international name, where to find the form a certificate carries (else '')."""
    if name.isascii():
        return ''
    try:
        return ': enter its xn-- form: %s' % name.encode('idna').decode('ascii')
    except UnicodeError:
        return ': enter its xn-- (punycode) form'


def _is_hostname(name):
    if len(name) > 253 or '.' not in name:
        return False
    try:
        ipaddress.ip_address(name)
        return False
    except ValueError:
        pass
    return all(_LABEL.fullmatch(label) for label in name.split('.'))


def _key_description(csr):
    try:
        key = csr.public_key()
    except (UnsupportedAlgorithm, ValueError):
        return 'unknown', None
    if isinstance(key, rsa.RSAPublicKey):
        return 'rsa', key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return 'ec', key.curve.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return 'dsa', key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return 'ed25519', 256
    if isinstance(key, ed448.Ed448PublicKey):
        return 'ed448', 456
    return 'unknown', None


def _public_key_der(public_key):
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def _unique(items):
    seen = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            yield item


def _to_bytes(text):
    return text.encode('ascii') if isinstance(text, str) else text
