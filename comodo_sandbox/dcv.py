"""Domain control validation: approver addresses, the DCV choice of an order, and the two helper
calls GetDCVEmailAddressList and DecodeCSR (comodo-api.md §2, §5)."""
import hashlib

from cryptography.x509.oid import NameOID

from comodo_sandbox import csr_checks, domains
from comodo_sandbox.lifecycle import dcv_status
from comodo_sandbox.protocol import ApiError, Reply, invalid

EMAIL = 'EMAIL'
METHODS = (EMAIL, 'HTTP_CSR_HASH', 'HTTPS_CSR_HASH', 'CNAME_CSR_HASH')
FILE_METHODS = ('HTTP_CSR_HASH', 'HTTPS_CSR_HASH')  # not allowed for wildcards since November 2021
APPROVER_MAILBOXES = ('admin', 'administrator', 'hostmaster', 'postmaster', 'webmaster')
MAX_LEVEL = 5  # the list stops at level5_email


def approver_levels(name):
    """[(level, [addresses])] from the registrable domain (level 2) to the name itself."""
    parents = domains.parent_domains(name)[:MAX_LEVEL - 1]
    return [(level, ['%s@%s' % (box, parent) for box in APPROVER_MAILBOXES])
            for level, parent in enumerate(parents, start=2)]


def is_approver(address, name):
    address = address.strip().lower()
    return any(address in addresses for _level, addresses in approver_levels(name))


def check_method(method, name, item):
    if method not in METHODS:
        raise invalid(item, 'Use one of %s.' % ', '.join(METHODS))
    if method in FILE_METHODS and name.startswith('*.'):
        raise invalid(item, 'File-based validation is not allowed for a wildcard domain.')


def check_approver(address, name, item):
    if not is_approver(address, name):
        raise invalid(item, "'%s' is not an approver address for %s (see GetDCVEmailAddressList)." % (address, name))


def dcv_entry(name, method, email=''):
    return {'domain': name, 'method': method, 'email': email.lower()}


def read_order_dcv(form, names, multi_domain):
    """The DCV choice sent with an order: one entry per domain.

    `dcvMethod` absent means EMAIL: the sources do not confirm the default, and the old API required an
    approver address for DV orders, so that is the stricter reading.
    Multi-domain orders send `dcvEmailAddresses` whatever the method, one entry per domain in
    `domainNames` order: an approver address, or a method name (HTTP_CSR_HASH, ...) as Sectigo's
    reference documents it; the entry, not `dcvMethod`, decides how that domain is validated.
    """
    method = (form.get('dcvMethod') or EMAIL).upper()
    for name in names:
        check_method(method, name, 'dcvMethod')
    if not multi_domain:
        if method != EMAIL:
            return [dcv_entry(name, method) for name in names]
        address = form.require('dcvEmailAddress')
        check_approver(address, names[0], 'dcvEmailAddress')
        return [dcv_entry(names[0], EMAIL, address)]
    entries = split_list(form.require('dcvEmailAddresses'))
    if len(entries) != len(names):
        raise invalid('dcvEmailAddresses', 'One entry per domain in domainNames is expected.')
    choice = []
    for name, entry in zip(names, entries):
        if entry.upper() in METHODS:
            check_method(entry.upper(), name, 'dcvEmailAddresses')
            choice.append(dcv_entry(name, entry.upper()))
        elif '@' in entry:
            check_approver(entry, name, 'dcvEmailAddresses')
            choice.append(dcv_entry(name, EMAIL, entry))
        else:
            raise invalid('dcvEmailAddresses', "'%s' is neither an approver address nor one of %s."
                          % (entry, ', '.join(METHODS)))
    return choice


def split_list(text):
    """A comma- or space-separated list."""
    return [item for item in text.replace(',', ' ').split() if item]


def get_dcv_email_address_list(call):
    name = domains.normalise(call.form.require('domainName'))
    if domains.is_ip_address(name):
        raise ApiError(-19, 'The domain name is an Internet-accessible IP address!', 'domainName')
    name = domains.without_wildcard(name)
    if not domains.has_valid_characters(name):
        raise invalid('domainName', 'Not a valid domain name.')
    if domains.is_internal_name(name):
        raise ApiError(-37, 'The domain name is an Internet server name or IP address!', 'domainName')
    lines = ['domain_name\t' + name, 'whois_email\tnone']
    for level, addresses in approver_levels(name):
        lines.extend('level%d_email\t%s' % (level, address) for address in addresses)
    return Reply(0, lines=lines)


def decode_csr(call):
    """The hashes used for file and CNAME validation: MD5, SHA-1 and SHA-256 of the CSR's DER, in upper
    case ([JR] reads md5 on line 2 and sha256 on line 4; SHA-1 on line 3 is the sandbox's guess)."""
    der = csr_checks.decode_der(call.form.require('csr'))
    subject = csr_checks.load_der(der).subject
    common_name = ' '.join(str(attribute.value) for attribute in subject.get_attributes_for_oid(NameOID.COMMON_NAME))
    if 'http://' in common_name.lower():
        raise ApiError(-23, "The CN may not contain 'http://'!", 'csr')
    if 'https://' in common_name.lower():
        raise ApiError(-24, "The CN may not contain 'https://'!", 'csr')
    return Reply(0, lines=[
        'md5=' + hashlib.md5(der).hexdigest().upper(),
        'sha1=' + hashlib.sha1(der).hexdigest().upper(),
        'sha256=' + hashlib.sha256(der).hexdigest().upper(),
    ])


def get_mdc_domain_details(call):
    """Each name of the order with its method and status: `N_domainName`, `N_dcvMethod`,
    `N_dcvStatus` (Validated / Not Validated), N from 1 in the order's domain order. With
    showStatusDetails=Y also `N_dcvStatusDetails`: why a name is not validated yet, in one sentence
    (the sandbox's addition; Sectigo's detail fields are not public)."""
    show_details = call.form.flag('showStatusDetails')
    order = call.enter_order()
    fields = []
    for number, entry in enumerate(order.dcv, start=1):
        fields += [('%d_domainName' % number, entry['domain']), ('%d_dcvMethod' % number, entry['method']),
                   ('%d_dcvStatus' % number, dcv_status(order, entry))]
        if show_details:
            fields.append(('%d_dcvStatusDetails' % number, entry.get('reason', '')))
    return Reply(0, fields=fields)
