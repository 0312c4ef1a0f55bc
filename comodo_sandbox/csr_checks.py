"""Reading a customer's CSR the way the CA does, with the CA's error codes (-8 to -13, -41, -5/-6, -35)."""
import base64
import binascii
import re
from collections import namedtuple

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from comodo_sandbox import domains
from comodo_sandbox.protocol import ApiError, invalid

MIN_RSA_BITS = 2048
ACCEPTED_CURVES = ('secp256r1', 'secp384r1')
# Baseline Requirements: 6.1.6 (exponent, small factors), 6.1.1.3 (Fermat), 7.1.3.2 (signature hashes).
MIN_RSA_EXPONENT = 2 ** 16 + 1
FERMAT_ROUNDS = 100
SMALL_FACTOR_BOUND = 752
ACCEPTED_SIGNATURE_HASHES = frozenset(['sha256', 'sha384', 'sha512'])
# X.520's upper bound for a common name.
MAX_COMMON_NAME_LENGTH = 64

_BASE64 = re.compile(r'^[A-Za-z0-9+/]+={0,2}$')
# The armour's two lines, found one after the other (a single pattern spanning the body backtracks on
# text with many BEGIN lines).
_BEGIN = re.compile(r'-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----')
_END = re.compile(r'-----END (?:NEW )?CERTIFICATE REQUEST-----')

ParsedCsr = namedtuple('ParsedCsr', 'pem common_name dns_names')


def decode_der(csr_text):
    """The DER bytes of a Base64 CSR, with or without its BEGIN/END lines (-9 if not Base64)."""
    armoured = _armoured_body(csr_text)
    body = re.sub(r'\s', '', csr_text if armoured is None else armoured)
    if not _BASE64.match(body):
        raise ApiError(-9, 'The CSR is not valid Base-64 data!', 'csr')
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        raise ApiError(-9, 'The CSR is not valid Base-64 data!', 'csr')


def _armoured_body(csr_text):
    begin = _BEGIN.search(csr_text)
    end = _END.search(csr_text, begin.end()) if begin else None
    return csr_text[begin.end():end.start()] if end else None


def load(csr_text):
    """The CSR object, decodable or -10."""
    return load_der(decode_der(csr_text))


def load_der(der):
    """The CSR with its subject, extensions and attributes read (cryptography reads them only when
    asked), or -10 saying what could not be read."""
    try:
        csr = x509.load_der_x509_csr(der)
    except x509.InvalidVersion as error:
        raise _undecodable('its version is %d, not 1 (PKCS#10)' % (error.parsed_version + 1))
    except ValueError:
        raise _undecodable('it is not a PKCS#10 request')
    except BaseException as error:
        raise _undecodable_on_panic(error, 'it is not a PKCS#10 request')
    for part in ('subject', 'extensions', 'attributes'):
        try:
            oids = [item.oid for item in getattr(csr, part)]
        except x509.DuplicateExtension as error:
            raise _undecodable('it requests the extension %s twice' % error.oid.dotted_string)
        except ValueError:
            raise _undecodable('its %s cannot be read' % part)
        except BaseException as error:
            raise _undecodable_on_panic(error, 'its %s cannot be read' % part)
        if part == 'attributes' and len(set(oids)) != len(oids):
            raise _undecodable('it holds an attribute twice')
    return csr


def _undecodable(reason):
    return ApiError(-10, 'The CSR cannot be decoded: %s!' % reason, 'csr')


def _undecodable_on_panic(error, reason):
    """-10 for a panic inside cryptography (pyo3's PanicException derives from BaseException);
    anything else goes on as it is."""
    if type(error).__name__ != 'PanicException':
        raise error
    return _undecodable(reason)


def common_name_of(csr):
    """The subject CN, or -8 (none) or -4 (longer than X.520 allows)."""
    attributes = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not attributes or not str(attributes[0].value).strip():
        raise ApiError(-8, "The CSR is missing a required field: the Common Name!", 'csr')
    common_name = str(attributes[0].value).strip()
    if len(common_name) > MAX_COMMON_NAME_LENGTH:
        raise invalid('csr', 'Its Common Name has %d characters; %d at most are allowed.'
                      % (len(common_name), MAX_COMMON_NAME_LENGTH))
    return common_name


def parse(csr_text):
    """A CSR the CA accepts: decodable, a supported key of a supported size and strength, correctly
    self-signed with a strong hash, with a CN."""
    csr = load(csr_text)
    try:
        public_key = csr.public_key()
    except (UnsupportedAlgorithm, ValueError):
        raise ApiError(-11, 'The CSR uses an unsupported algorithm (RSA or EC only)!', 'csr')
    _check_key(public_key)
    try:
        hash_algorithm = csr.signature_hash_algorithm
        if hash_algorithm is not None and hash_algorithm.name not in ACCEPTED_SIGNATURE_HASHES:
            raise ApiError(-11, 'The CSR is signed with %s, a weak signature algorithm!' % hash_algorithm.name.upper(),
                           'csr')
        signature_valid = csr.is_signature_valid
    except (UnsupportedAlgorithm, ValueError):
        raise ApiError(-11, 'The CSR uses an unsupported algorithm!', 'csr')
    if not signature_valid:
        raise ApiError(-12, 'The CSR signature is invalid!', 'csr')
    common_name = common_name_of(csr)
    return ParsedCsr(
        pem=csr.public_bytes(serialization.Encoding.PEM).decode('ascii'),
        common_name=common_name,
        dns_names=_dns_names(csr),
    )


def _check_key(public_key):
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise ApiError(-13, 'The CSR uses an unsupported key size (RSA needs %d bits)!' % MIN_RSA_BITS, 'csr')
        _check_rsa_strength(public_key.public_numbers())
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.name not in ACCEPTED_CURVES:
            raise ApiError(-13, 'The CSR uses an unsupported key size (EC needs P-256 or P-384)!', 'csr')
    else:
        raise ApiError(-11, 'The CSR uses an unsupported algorithm (RSA or EC only)!', 'csr')


def _check_rsa_strength(numbers):
    if numbers.e < MIN_RSA_EXPONENT or numbers.e % 2 == 0:
        raise ApiError(-41, 'Invalid key: the RSA public exponent %d is weak (an odd %d or more is required)!'
                       % (numbers.e, MIN_RSA_EXPONENT), 'csr')
    modulus = numbers.n
    if any(modulus % divisor == 0 for divisor in range(2, SMALL_FACTOR_BOUND)):
        raise ApiError(-41, 'Invalid key: the RSA modulus has a small factor!', 'csr')
    if _fermat_factor(modulus):
        raise ApiError(-41, "Invalid key: the RSA modulus is factored by Fermat's method (its primes are too "
                            "close)!", 'csr')


def _fermat_factor(modulus):
    """A factor of the modulus if Fermat's method finds one within FERMAT_ROUNDS steps, else None."""
    x = _ceil_sqrt(modulus)
    for _round in range(FERMAT_ROUNDS):
        y_squared = x * x - modulus
        y = _ceil_sqrt(y_squared)
        if y * y == y_squared:
            return x - y
        x += 1
    return None


def _ceil_sqrt(value):
    """The smallest integer whose square is >= value (Newton's method on integers)."""
    if value < 2:
        return value
    guess = 1 << -(-value.bit_length() // 2)
    while True:
        smaller = (guess + value // guess) // 2
        if smaller >= guess:
            break
        guess = smaller
    return guess if guess * guess >= value else guess + 1


def _dns_names(csr):
    try:
        extension = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    except ValueError:
        raise ApiError(-10, 'The CSR cannot be decoded (bad extensions)!', 'csr')
    return [domains.normalise(name) for name in extension.value.get_values_for_type(x509.DNSName)]


def check_common_name(common_name, product):
    """The CN normalised, if the product accepts it (IP -35; wildcard rules -5/-6; syntax -25/-18)."""
    name = domains.normalise(common_name)
    if domains.is_ip_address(name):
        raise ApiError(-35, 'The CN may not be an IP address!', 'csr')
    if product.wildcard:
        if not name.startswith('*.') or name.count('*') != 1:
            raise ApiError(-6, "The CN must contain exactly one wildcard, as its first label ('*.')!", 'csr')
    elif '*' in name:
        raise ApiError(-5, 'The CN may not contain a wildcard character for this product!', 'csr')
    check_host_name(name, 'csr')
    return name


def check_host_name(name, item):
    if not domains.has_valid_characters(name):
        raise ApiError(-25, "The domain name '%s' contains invalid characters!" % name, item)
    if domains.is_internal_name(name):
        raise ApiError(-18, "'%s' is not a fully-qualified domain name!" % name, item)
