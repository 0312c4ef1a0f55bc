"""Which certificate a web server really serves: a TLS handshake with SNI. `served_leaf_sha256`
makes no trust decision (the SHA-256 comparison with the installed leaf is the check);
`served_certificate_trust` does, before a temporary certificate may replace what a site serves."""
import hashlib
import socket
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import serialization

HANDSHAKE_TIMEOUT = 10
# What a handshake says about the certificate a site serves.
VALID = 'valid'
INVALID = 'invalid'
UNKNOWN = 'unknown'


def served_leaf_sha256(host, port, server_name, timeout=HANDSHAKE_TIMEOUT):
    """Hex SHA-256 of the DER leaf the server presents for `server_name`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, port), timeout=timeout) as raw:
        with context.wrap_socket(raw, server_hostname=server_name) as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def served_certificate_trust(host, port, server_name, extra_roots_pem=(), timeout=HANDSHAKE_TIMEOUT):
    """Whether the server serves a valid certificate for `server_name`: (VALID, INVALID or UNKNOWN,
    what the handshake said).

    Valid means a TLS handshake with SNI `server_name` that Python's default client context accepts:
    the leaf is within its validity dates, names `server_name` (subject alternative names, wildcards
    as browsers match them), and chains to a trusted root, the system's trust store plus
    `extra_roots_pem` (the CA roots a test-mode company knows, e.g. the sandbox's). Invalid means the
    server answered TLS with a certificate that fails one of these. Unknown means no TLS answer at
    all (refused, timed out, no certificate): a caller that must not hurt a site treats it as valid.
    """
    context = ssl.create_default_context()
    for root_pem in extra_roots_pem:
        context.load_verify_locations(cadata=root_pem)
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=server_name):
                return VALID, 'a valid certificate for %s' % server_name
    except ssl.SSLCertVerificationError as error:
        return INVALID, 'a certificate that is not valid for %s (%s)' % (
            server_name, error.verify_message or error.reason)
    except (socket.error, ssl.SSLError) as error:
        return UNKNOWN, 'no TLS answer for %s at %s:%s (%s)' % (server_name, host, port, error)


def self_signed_roots(chains_pem):
    """The self-signed CA certificates (PEM) found in PEM chains, each once."""
    roots = {}
    for chain_pem in chains_pem:
        try:
            certificates = x509.load_pem_x509_certificates(chain_pem.encode('ascii'))
        except ValueError:
            continue  # not a chain: it names no root
        for certificate in certificates:
            if certificate.subject == certificate.issuer:
                pem = certificate.public_bytes(serialization.Encoding.PEM).decode('ascii')
                roots[pem] = True
    return list(roots)


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
