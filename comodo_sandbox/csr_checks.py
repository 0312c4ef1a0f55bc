"""Reading a customer's CSR the way the CA does, with the CA's error codes (-8 to -13, -5/-6, -35)."""
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
from comodo_sandbox.protocol import ApiError

MIN_RSA_BITS = 2048
ACCEPTED_CURVES = ('secp256r1', 'secp384r1')

_BASE64 = re.compile(r'^[A-Za-z0-9+/]+={0,2}$')
_ARMOUR = re.compile(r'-----BEGIN [A-Z ]*CERTIFICATE REQUEST-----(.*?)-----END [A-Z ]*CERTIFICATE REQUEST-----',
                     re.DOTALL)

ParsedCsr = namedtuple('ParsedCsr', 'pem common_name dns_names')


def decode_der(csr_text):
    """The DER bytes of a Base64 CSR, with or without its BEGIN/END lines (-9 if not Base64)."""
    armoured = _ARMOUR.search(csr_text)
    body = re.sub(r'\s', '', armoured.group(1) if armoured else csr_text)
    if not _BASE64.match(body):
        raise ApiError(-9, 'The CSR is not valid Base-64 data!', 'csr')
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        raise ApiError(-9, 'The CSR is not valid Base-64 data!', 'csr')


def load(csr_text):
    """The CSR object, decodable or -10."""
    return load_der(decode_der(csr_text))


def load_der(der):
    try:
        return x509.load_der_x509_csr(der)
    except ValueError:
        raise ApiError(-10, 'The CSR cannot be decoded!', 'csr')


def common_name_of(csr):
    """The subject CN, or -8."""
    attributes = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not attributes or not str(attributes[0].value).strip():
        raise ApiError(-8, "The CSR is missing a required field: the Common Name!", 'csr')
    return str(attributes[0].value).strip()


def parse(csr_text):
    """A CSR the CA accepts: decodable, a supported key of a supported size, correctly self-signed,
    with a CN."""
    csr = load(csr_text)
    _check_key(csr.public_key())
    try:
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
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.name not in ACCEPTED_CURVES:
            raise ApiError(-13, 'The CSR uses an unsupported key size (EC needs P-256 or P-384)!', 'csr')
    else:
        raise ApiError(-11, 'The CSR uses an unsupported algorithm (RSA or EC only)!', 'csr')


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
