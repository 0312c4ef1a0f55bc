"""Domain control validation: what the customer must publish for each method."""
import hashlib
import re

from .errors import RequestError
from .keys import csr_der, normalise_domain
from .results import DcvInstructions

DCV_METHODS = ('EMAIL', 'HTTP_CSR_HASH', 'HTTPS_CSR_HASH', 'CNAME_CSR_HASH')

# The CA's name in the HTTP file's second line and at the end of the CNAME target. Sectigo has used
# 'comodoca.com' (legacy) and 'sectigo.com' (current docs and published clients); whether the CA still
# accepts the legacy one is unconfirmed, so use the current one.
DCV_CA_DOMAIN = 'sectigo.com'

VALIDATION_DIRECTORY = '/.well-known/pki-validation/'
_UNIQUE_VALUE = re.compile(r'^[A-Za-z0-9]{1,20}$')


def check_dcv_method(method):
    if method not in DCV_METHODS:
        raise RequestError('Unknown validation method %s; use one of %s.'
                           % (method, ', '.join(DCV_METHODS)))


def check_unique_value(unique_value):
    """uniqueValue is up to 20 letters and digits (the CA refuses others); None means none is sent."""
    if unique_value is not None and not _UNIQUE_VALUE.match(unique_value):
        raise ValueError('uniqueValue must be 1-20 letters or digits, not %r' % (unique_value,))


def csr_hashes(csr_pem):
    """(MD5, SHA-256) of the CSR's DER bytes, lower-case hex. Never of the PEM text."""
    der = csr_der(csr_pem)
    return hashlib.md5(der).hexdigest(), hashlib.sha256(der).hexdigest()


def dcv_instructions(csr_pem, method, domain, unique_value=None):
    """What to publish so the CA can validate `domain` by `method` for an order of this CSR.

    unique_value must be the one sent with the order (it becomes part of the file and the CNAME).
    For EMAIL there is nothing to publish: every field but `method` is empty.
    """
    check_dcv_method(method)
    check_unique_value(unique_value)
    if method == 'EMAIL':
        return DcvInstructions(method, None, None, [], None, None)
    domain = normalise_domain(domain)
    md5, sha256 = csr_hashes(csr_pem)
    if method == 'CNAME_CSR_HASH':
        # The record goes on the domain itself; for *.example.com that is example.com.
        authorization_domain = domain[2:] if domain.startswith('*.') else domain
        target_labels = [sha256[:32], sha256[32:64]]
        if unique_value:
            target_labels.append(unique_value)
        target_labels.append(DCV_CA_DOMAIN)
        return DcvInstructions(method, None, None, [], '_%s.%s' % (md5, authorization_domain),
                               '.'.join(target_labels))
    if domain.startswith('*.'):
        raise RequestError('File validation is not allowed for wildcard names such as %s; use '
                           'CNAME_CSR_HASH or EMAIL.' % domain)
    file_name = '%s%s.txt' % (VALIDATION_DIRECTORY, md5.upper())
    lines = [sha256, DCV_CA_DOMAIN]
    if unique_value:
        lines.append(unique_value)
    scheme = 'https' if method == 'HTTPS_CSR_HASH' else 'http'
    return DcvInstructions(method, file_name, '\n'.join(lines),
                           ['%s://%s%s' % (scheme, domain, file_name)], None, None)
