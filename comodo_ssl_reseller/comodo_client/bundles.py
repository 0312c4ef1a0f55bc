"""What a customer installs: PEM bundles and a password-protected PKCS#12 (.pfx) file."""
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from .errors import RequestError

# Below this a typed password gives the .pfx no real protection; web servers accept any length.
MIN_PKCS12_PASSWORD_LENGTH = 8
# Above this it is no password anyone types (Windows' certificate import dialog stops far sooner).
MAX_PKCS12_PASSWORD_LENGTH = 256


def full_chain_pem(certificate_pem, chain_pem):
    """The certificate followed by its chain (intermediates first), as web servers want it."""
    return certificate_pem.strip() + '\n' + (chain_pem or '').strip() + '\n'


def build_pkcs12(private_key_pem, certificate_pem, chain_pem, password, friendly_name):
    """A .pfx holding the key, the certificate and its chain, encrypted with `password`.

    Raises RequestError (the customer must change something) for a password too short or too long,
    or a key that does not belong to the certificate.
    """
    if len(password or '') < MIN_PKCS12_PASSWORD_LENGTH:
        raise RequestError('Choose a password of at least %d characters for the .pfx file.'
                           % MIN_PKCS12_PASSWORD_LENGTH)
    if len(password) > MAX_PKCS12_PASSWORD_LENGTH:
        raise RequestError('Choose a password of at most %d characters for the .pfx file.'
                           % MAX_PKCS12_PASSWORD_LENGTH)
    key = serialization.load_pem_private_key(private_key_pem.encode('ascii'), password=None)
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode('ascii'))
    if _public_der(certificate.public_key()) != _public_der(key.public_key()):
        raise RequestError('The private key does not belong to this certificate.')
    chain = x509.load_pem_x509_certificates(chain_pem.encode('ascii')) if chain_pem else []
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode('utf-8'), key, certificate, chain,
        serialization.BestAvailableEncryption(password.encode('utf-8')))


def _public_der(public_key):
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)
