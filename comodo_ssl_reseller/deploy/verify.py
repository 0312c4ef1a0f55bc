"""Which certificate a web server really serves: a TLS handshake with SNI, no trust decision (the
SHA-256 comparison with the installed leaf is the check)."""
import hashlib
import socket
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import serialization

HANDSHAKE_TIMEOUT = 10


def served_leaf_sha256(host, port, server_name, timeout=HANDSHAKE_TIMEOUT):
    """Hex SHA-256 of the DER leaf the server presents for `server_name`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, port), timeout=timeout) as raw:
        with context.wrap_socket(raw, server_hostname=server_name) as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def leaf_sha256(certificate_pem):
    """Hex SHA-256 of the DER of the first certificate in a PEM text."""
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode('ascii'))
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def key_matches_certificate(private_key_pem, certificate_pem):
    """True if the private key is the one the (first) certificate certifies."""
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode('ascii'))
    key = serialization.load_pem_private_key(private_key_pem.encode('ascii'), password=None)
    public_format = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key.public_key().public_bytes(*public_format) == certificate.public_key().public_bytes(*public_format)
