"""Certificates as the CA sends them (Base64 DER without armour) turned into PEM and facts."""
import base64
import binascii
import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from .errors import RequestError
from .keys import load_csr

_PEM_CERTIFICATE = re.compile(
    r'-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----', re.DOTALL)


def load_certificate(text):
    """A cryptography Certificate from PEM or from bare Base64 DER; None if it is neither."""
    text = (text or '').strip()
    if not text:
        return None
    try:
        if text.startswith('-----BEGIN'):
            return x509.load_pem_x509_certificate(text.encode('ascii'))
        # A '+' that the CA forgot to URL-encode arrives as a space; Base64 has no spaces.
        compact = re.sub(r'\s+', '', text.replace(' ', '+'))
        return x509.load_der_x509_certificate(base64.b64decode(compact, validate=True))
    except (ValueError, binascii.Error):
        return None


def split_pem_certificates(text):
    """The PEM certificate blocks found in a text, in order."""
    return _PEM_CERTIFICATE.findall(text or '')


def to_pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM).decode('ascii')


def serial_hex(certificate):
    return '%X' % certificate.serial_number


def normalise_serial(serial):
    """Upper-case hex without separators or leading zeros, however the CA wrote it."""
    digits = re.sub(r'[^0-9A-Fa-f]', '', serial or '').upper().lstrip('0')
    return digits or ('0' if serial else None)


def common_name(certificate):
    attributes = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return attributes[0].value if attributes else None


def validity(certificate):
    """(not_before, not_after) as naive UTC datetimes."""
    return (certificate.not_valid_before_utc.replace(tzinfo=None),
            certificate.not_valid_after_utc.replace(tzinfo=None))


def chain_in_order(leaf, ca_certificates):
    """The CA certificates ordered from the leaf's issuer up to the root.

    The CA does not document in which order CollectSSL lists them (published clients reverse them), so
    follow the issuer links instead of trusting the order; anything not on the path is kept at the end.
    """
    remaining = list(ca_certificates)
    ordered = []
    current = leaf
    while current is not None and remaining:
        issuer = next((c for c in remaining if c.subject == current.issuer), None)
        if issuer is None:
            break
        remaining.remove(issuer)
        ordered.append(issuer)
        current = None if issuer.subject == issuer.issuer else issuer
    return ordered + remaining


def split_bundle(text, public_key_der=None):
    """(leaf, CA certificates from the leaf's issuer up) from a bundle of several certificates.

    Accepts PEM certificate blocks in any order, a PKCS#7 PEM block, or one bare Base64 DER
    certificate. The leaf is found by what it is (see find_leaf), wherever the CA put it. Raises
    ValueError when nothing in the text decodes, or a block does not.
    """
    text = (text or '').strip()
    if '-----BEGIN PKCS7-----' in text:
        from cryptography.hazmat.primitives.serialization import pkcs7
        certificates = pkcs7.load_pem_pkcs7_certificates(text.encode('ascii'))
    elif '-----BEGIN' in text:
        blocks = split_pem_certificates(text)
        certificates = [load_certificate(block) for block in blocks]
        if any(c is None for c in certificates):
            raise ValueError('a certificate in the bundle cannot be decoded')
    else:
        certificate = load_certificate(text)
        certificates = [certificate] if certificate is not None else []
    if not certificates:
        raise ValueError('no certificate in the bundle')
    leaf = find_leaf(certificates, public_key_der)
    return leaf, chain_in_order(leaf, [c for c in certificates if c is not leaf])


def find_leaf(certificates, public_key_der=None):
    """The customer's certificate among the CA's certificates, whatever order they came in.

    The one carrying the order's public key (SubjectPublicKeyInfo DER, from its CSR) when it is
    known and present; else the one that issued none of the others, a non-CA one first. The real
    CA lists the CA certificates first and the leaf last, other sources the reverse.
    """
    if public_key_der:
        for certificate in certificates:
            if _public_key_der(certificate) == public_key_der:
                return certificate
    issuers = set(c.issuer for c in certificates if c.issuer != c.subject)
    leaves = [c for c in certificates if c.subject not in issuers]
    return sorted(leaves or certificates, key=lambda c: 1 if _is_ca(c) else 0)[0]


def csr_public_key_der(csr_pem):
    """The public key a CSR asks a certificate for (SubjectPublicKeyInfo DER); None if unreadable."""
    if not csr_pem:
        return None
    try:
        csr = load_csr(csr_pem)
    except RequestError:
        return None
    return csr.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _public_key_der(certificate):
    return certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _is_ca(certificate):
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False
