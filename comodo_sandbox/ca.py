"""The sandbox's certificate authority: a root and an intermediate kept in `<data>/ca/` (made on first
start, reused after), the leaf certificates they sign, and the server certificate for --tls.

The chain is RSA like Sectigo's, and deliberately named "Sandbox" so nobody mistakes it for a real CA.
"""
import datetime
import ipaddress
import os
from collections import namedtuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ORGANISATION = 'Comodo Sandbox (untrusted test CA)'
ROOT_NAME = 'Comodo Sandbox Root CA'
INTERMEDIATE_NAME = 'Comodo Sandbox RSA Domain Validation Secure Server CA'
ROOT_YEARS = 20
INTERMEDIATE_YEARS = 10
SERVER_CERTIFICATE_DAYS = 365
# Leaves and CA certificates start a little in the past so that a clock a minute apart still accepts them.
CLOCK_SKEW = datetime.timedelta(minutes=5)

IssuedCertificate = namedtuple('IssuedCertificate', 'pem serial_number not_before not_after')


class CertificateAuthority(object):

    def __init__(self, directory):
        os.makedirs(directory, exist_ok=True)
        self.directory = directory
        self.root_pem_path = os.path.join(directory, 'root.pem')
        self.intermediate_pem_path = os.path.join(directory, 'intermediate.pem')
        root_made = not _exists(self.root_pem_path, _key_path(self.root_pem_path))
        if root_made:
            self._make_root()
        self._root_key, self._root = _load(self.root_pem_path)
        # A new root invalidates any intermediate left over from an earlier one.
        if root_made or not _exists(self.intermediate_pem_path, _key_path(self.intermediate_pem_path)):
            self._make_intermediate()
        self._intermediate_key, self._intermediate = _load(self.intermediate_pem_path)

    @property
    def chain_pems(self):
        """The CA certificates a leaf needs, nearest first: the intermediate, then the root."""
        return [_pem(self._intermediate), _pem(self._root)]

    def issue(self, csr_pem, common_name, names, start, validity_days):
        """A leaf for the CSR's public key, valid `validity_days` (may be a fraction) from `start` (Unix
        time)."""
        csr = x509.load_pem_x509_csr(csr_pem.encode('ascii'))
        not_before = datetime.datetime.fromtimestamp(int(start), tz=datetime.timezone.utc)
        not_after = not_before + datetime.timedelta(days=validity_days)
        certificate = self._sign_leaf(
            csr.public_key(), x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]),
            [x509.DNSName(name) for name in names], not_before, not_after)
        return IssuedCertificate(_pem(certificate), '%X' % certificate.serial_number,
                                 int(not_before.timestamp()), int(not_after.timestamp()))

    def write_server_credentials(self, host_names):
        """Writes `server.pem` (leaf + intermediate) and `server.key` for serving HTTPS, signed by the
        intermediate so clients trust it with root.pem alone. Made fresh on every start."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        alternative_names = []
        for name in host_names:
            try:
                alternative_names.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alternative_names.append(x509.DNSName(name))
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = self._sign_leaf(
            key.public_key(), _name('Comodo Sandbox server'), alternative_names,
            now - CLOCK_SKEW, now + datetime.timedelta(days=SERVER_CERTIFICATE_DAYS))
        certificate_path = os.path.join(self.directory, 'server.pem')
        key_path = os.path.join(self.directory, 'server.key')
        _write(certificate_path, _pem(certificate) + _pem(self._intermediate))
        _write_key(key_path, key)
        return certificate_path, key_path

    def _sign_leaf(self, public_key, subject, alternative_names, not_before, not_after):
        key_usage = _key_usage(digital_signature=True,
                               key_encipherment=isinstance(public_key, rsa.RSAPublicKey))
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._intermediate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(key_usage, critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self._intermediate_key.public_key()), critical=False)
        )
        return builder.sign(self._intermediate_key, hashes.SHA256())

    def _make_root(self):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = _name(ROOT_NAME)
        certificate = _ca_certificate(subject, key.public_key(), subject, key, ROOT_YEARS, path_length=None)
        _write_key(_key_path(self.root_pem_path), key)
        _write(self.root_pem_path, _pem(certificate))

    def _make_intermediate(self):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificate = _ca_certificate(_name(INTERMEDIATE_NAME), key.public_key(), self._root.subject,
                                      self._root_key, INTERMEDIATE_YEARS, path_length=0)
        _write_key(_key_path(self.intermediate_pem_path), key)
        _write(self.intermediate_pem_path, _pem(certificate))


def _ca_certificate(subject, public_key, issuer, issuer_key, years, path_length):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + datetime.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True, digital_signature=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                       critical=False)
    )
    return builder.sign(issuer_key, hashes.SHA256())


def _key_usage(digital_signature=False, key_encipherment=False, key_cert_sign=False, crl_sign=False):
    return x509.KeyUsage(
        digital_signature=digital_signature, content_commitment=False, key_encipherment=key_encipherment,
        data_encipherment=False, key_agreement=False, key_cert_sign=key_cert_sign, crl_sign=crl_sign,
        encipher_only=False, decipher_only=False)


def _name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM).decode('ascii')


def _key_path(pem_path):
    return pem_path[:-len('.pem')] + '.key'


def _exists(*paths):
    return all(os.path.exists(path) for path in paths)


def _load(pem_path):
    with open(_key_path(pem_path), 'rb') as key_file:
        key = serialization.load_pem_private_key(key_file.read(), password=None)
    with open(pem_path, 'rb') as certificate_file:
        certificate = x509.load_pem_x509_certificate(certificate_file.read())
    return key, certificate


def _write(path, text):
    with open(path, 'w') as output:
        output.write(text)


def _write_key(path, key):
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, 'wb') as output:
        output.write(data)
