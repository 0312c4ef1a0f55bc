"""The pre-flight: what the CA will check for one certificate name, each failure in one sentence."""
import dns.exception
import dns.name
import dns.rcode

from . import results
from .caa import check_caa
from .config import PreflightConfig
from .dns_client import DnsClient, DnsServerSilent
from .dnssec_chain import check_dnssec
from .http_file import check_file

FILE_METHODS = {'HTTP_CSR_HASH': 'http', 'HTTPS_CSR_HASH': 'https'}


def preflight(name, instructions, covers_sibling=False, config=None, now=None):
    """PreflightResult of every check the CA makes before it issues for `name`.

    name: the certificate name ('x.example', 'www.x.example' or '*.x.example': a leading '*.'
    makes it a wildcard). instructions: comodo_client.dcv_instructions(csr, method, name,
    unique_value) for this order; EMAIL leaves only the DNS checks. covers_sibling: the
    certificate also names the www/bare sibling ('www.x' for 'x', 'x' for 'www.x' or '*.x'),
    which the CA validates on its own. config: a PreflightConfig (default: the system resolver,
    the root trust anchor). now: the time DNSSEC signatures are judged at (default: now).
    Never raises for a failing check: a DNS server that does not answer is a failure too.
    """
    config = config or PreflightConfig()
    client = DnsClient(config)
    name = _normalise(name)
    certificate_names = [name] + ([sibling_of(name)] if covers_sibling else [])
    invalid = [_invalid_name(certificate_name) for certificate_name in certificate_names]
    if any(invalid):
        return results.PreflightResult([check for check in invalid if check])
    checks = []
    try:
        for certificate_name in certificate_names:
            checks.extend(_check_name(client, config, certificate_name, name, instructions, now))
    except DnsServerSilent as silent:
        checks.append(results.failed(results.DNS_SERVER, ', '.join(silent.servers),
                                     results.DNS_SERVER_SILENT, silent.sentence()))
    return results.PreflightResult(checks)


def sibling_of(name):
    """The other name a certificate commonly covers with `name`: bare <-> www, a wildcard's base."""
    if name.startswith('*.'):
        return name[2:]
    if name.startswith('www.'):
        return name[4:]
    return 'www.' + name


def _invalid_name(name):
    """A failed CheckResult when `name` cannot be a DNS name (empty label, too long), else None."""
    try:
        dns.name.from_text(name)
    except dns.exception.DNSException:
        return results.failed(results.RESOLVES, name, results.INVALID_NAME,
                              '%s is not a valid DNS name' % name)
    return None


def _check_name(client, config, certificate_name, primary, instructions, now):
    wildcard = certificate_name.startswith('*.')
    base = certificate_name[2:] if wildcard else certificate_name
    resolution, addresses = _check_resolves(client, base, needs_address=not wildcard)
    checks = [resolution]
    scheme = FILE_METHODS.get(instructions.method)
    if scheme and resolution.ok:
        url = '%s://%s%s' % (scheme, base, instructions.file_name)
        checks.append(check_file(url, addresses, instructions.file_content, config))
    elif instructions.method == 'CNAME_CSR_HASH':
        record = _cname_record_for(certificate_name, primary, instructions.cname_name)
        if record:
            checks.append(_check_cname(client, record, instructions.cname_target))
    checks.append(check_caa(client, base, wildcard))
    checks.append(check_dnssec(client, base, config.trust_anchors, now))
    return checks


def _check_resolves(client, name, needs_address):
    """(CheckResult, addresses): IPv4 first, as the CA's fetch would try."""
    addresses = []
    for rdtype in ('A', 'AAAA'):
        lookup = client.lookup(name, rdtype)
        if lookup.rcode == dns.rcode.NXDOMAIN:
            return results.failed(results.RESOLVES, name, results.NAME_NOT_FOUND,
                                  '%s does not exist in DNS' % name), []
        if lookup.failed:
            return results.failed(results.RESOLVES, name, results.DNS_SERVER_FAILURE,
                                  'the DNS server %s answers %s for %s'
                                  % (lookup.server, lookup.rcode_text, name)), []
        addresses.extend(record.address for record in lookup.rrset or ())
    if addresses:
        return results.passed(results.RESOLVES, name,
                              '%s resolves to %s' % (name, ', '.join(addresses))), addresses
    if not needs_address:
        return results.passed(results.RESOLVES, name, '%s exists in DNS' % name), []
    return results.failed(results.RESOLVES, name, results.NAME_WITHOUT_ADDRESS,
                          '%s has no A or AAAA record' % name), []


def _cname_record_for(certificate_name, primary, primary_record):
    """The CNAME the CA looks up for this name, or None when another check already covers it.
    The CA climbs from the name to its parents, so a record on the bare name also serves www."""
    if certificate_name == primary:
        return primary_record
    base = certificate_name[2:] if certificate_name.startswith('*.') else certificate_name
    primary_base = primary[2:] if primary.startswith('*.') else primary
    if base == primary_base or base.endswith('.' + primary_base):
        return None
    return '%s.%s' % (primary_record.split('.', 1)[0], base)


def _check_cname(client, record, expected_target):
    lookup = client.lookup(record, 'CNAME')
    if lookup.failed:
        return results.failed(results.CNAME, record, results.DNS_SERVER_FAILURE,
                              'the DNS server %s answers %s for %s'
                              % (lookup.server, lookup.rcode_text, record))
    if not lookup.rrset:
        return results.failed(results.CNAME, record, results.CNAME_MISSING,
                              '%s has no CNAME record' % record)
    target = lookup.rrset[0].target.to_text(omit_final_dot=True).lower()
    if target != _normalise(expected_target):
        return results.failed(results.CNAME, record, results.CNAME_WRONG_TARGET,
                              '%s points to %s instead of %s' % (record, target, expected_target))
    return results.passed(results.CNAME, record, '%s points to %s' % (record, target))


def _normalise(name):
    return name.strip().lower().rstrip('.')
