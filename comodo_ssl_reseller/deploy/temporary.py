"""Temporary certificates: what a site serves from purchase until Comodo issues, made from the
order's own key and signed by the company's temporary CA (a private CA no browser trusts, so the
name says plainly what it is)."""
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_VALIDITY = datetime.timedelta(days=3650)
# Longer than any wait for Comodo (48 h, a reset or two): the real certificate replaces it.
TEMPORARY_VALIDITY = datetime.timedelta(days=30)
TEMPORARY_ORGANIZATION = 'TEMPORARY certificate - replaced when the real one is issued'


def make_temporary_ca(company_name):
    """(certificate PEM, private key PEM) of a new temporary CA for a company."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, company_name[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, 'Temporary CA (not publicly trusted)'),
    ])
    now = datetime.datetime.utcnow()
    certificate = (x509.CertificateBuilder()
                   .subject_name(name).issuer_name(name)
                   .public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + CA_VALIDITY)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(x509.KeyUsage(
                       digital_signature=False, content_commitment=False, key_encipherment=False,
                       data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                       encipher_only=False, decipher_only=False), critical=True)
                   .sign(key, hashes.SHA256()))
    return _pem(certificate), key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode('ascii')


def sign_temporary_certificate(ca_certificate_pem, ca_key_pem, private_key_pem, domains):
    """A certificate for `domains` (the first is the common name) on the public half of
    `private_key_pem`, signed by the temporary CA and named TEMPORARY."""
    ca_certificate = x509.load_pem_x509_certificate(ca_certificate_pem.encode('ascii'))
    ca_key = serialization.load_pem_private_key(ca_key_pem.encode('ascii'), password=None)
    public_key = serialization.load_pem_private_key(private_key_pem.encode('ascii'), password=None).public_key()
    now = datetime.datetime.utcnow()
    certificate = (x509.CertificateBuilder()
                   .subject_name(x509.Name([
                       x509.NameAttribute(NameOID.ORGANIZATION_NAME, TEMPORARY_ORGANIZATION),
                       x509.NameAttribute(NameOID.COMMON_NAME, domains[0])]))
                   .issuer_name(ca_certificate.subject)
                   .public_key(public_key)
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + TEMPORARY_VALIDITY)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain) for domain in domains]),
                                  critical=False)
                   .sign(ca_key, hashes.SHA256()))
    return _pem(certificate)


def _pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM).decode('ascii')
