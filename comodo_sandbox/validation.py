"""Validating mode: the checks a CA makes before it issues, for one name of an order at a time.

- the name's CAA records, read up the tree (RFC 8659): Sectigo may issue when no CAA record applies
  or an `issue` (`issuewild` for a wildcard, when the set has any) names one of its identifiers; an
  unknown tag flagged critical forbids issuance;
- HTTP_CSR_HASH / HTTPS_CSR_HASH: the name resolved through the configured DNS server, the file
  `/.well-known/pki-validation/<MD5>.txt` fetched from that address on port 80 / 443 (or where the
  test-only port map sends them) with the name as Host and SNI; a 2xx answer, never a redirect, and
  exactly the expected body;
- CNAME_CSR_HASH: `_<md5>.<name>` (then each parent, labels removed from the left) a CNAME to
  `<sha256[:32]>.<sha256[32:]>[.<uniqueValue>].sectigo.com`;
- where the zone is signed, the answers' signatures must validate (CA/Browser Forum ballot SC-085);
- EMAIL: never passes by itself (the approver clicks a link: the admin page's Approve), and from
  2028-03-15 not at all (ballot SC-090).

Each check gives a NameCheck: passed, and one sentence saying why not. The expected values come from
the CSR's DER here, computed on their own (no code shared with the addon's client).
"""
import hashlib
import http.client
import socket
import ssl
from collections import namedtuple

from comodo_sandbox import csr_checks, domains
from comodo_sandbox.clock import parse_time
from comodo_sandbox.protocol import invalid

VALIDATED = 'Validated'
NOT_VALIDATED = 'Not Validated'

# CAA issuer-domain names that let Sectigo issue (ca-rules-2026.md, CAA).
SECTIGO_CAA_IDENTIFIERS = frozenset(['sectigo.com', 'comodoca.com', 'comodo.com', 'usertrust.com',
                                     'trust-provider.com'])
KNOWN_CAA_TAGS = frozenset(['issue', 'issuewild', 'iodef', 'issuemail', 'issuevmc', 'contactemail',
                            'contactphone'])
CRITICAL_FLAG = 128
# The second line of the file and the last labels of the CNAME target: current docs say sectigo.com,
# older integrations comodoca.com, and both are seen accepted (ca-rules-2026.md).
BRAND_DOMAINS = ('sectigo.com', 'comodoca.com')
# SC-090: email to constructed addresses is forbidden from this day (UTC).
EMAIL_VALIDATION_ENDS = '2028-03-15'
EMAIL_VALIDATION_ENDS_AT = parse_time(EMAIL_VALIDATION_ENDS)
FILE_PATH = '/.well-known/pki-validation/%s.txt'
SCHEMES = {'HTTP_CSR_HASH': ('http', 80), 'HTTPS_CSR_HASH': ('https', 443)}
HTTP_TIMEOUT_SECONDS = 10
MAX_FILE_BYTES = 64 * 1024

NameCheck = namedtuple('NameCheck', 'passed reason')
CAA_REFUSAL = 'CAA on %s %s'


class DnsFailure(Exception):
    """The DNS server did not answer, or answered SERVFAIL (or another error): never read as "no
    record" (a CA must not treat an unanswered CAA query as permission, CA/Browser Forum ballot
    SC-085), but as a failed check to try again."""


PASSED = NameCheck(True, '')


def csr_hashes(csr_text):
    """(MD5, SHA-256) of the CSR's DER bytes, upper-case hex (as DecodeCSR answers)."""
    der = csr_checks.decode_der(csr_text)
    return hashlib.md5(der).hexdigest().upper(), hashlib.sha256(der).hexdigest().upper()


def is_caa_refusal(check):
    return not check.passed and check.reason.startswith(CAA_REFUSAL.split('%')[0])


def email_validation_ended(now):
    return now >= EMAIL_VALIDATION_ENDS_AT


def refuse_ended_email(app, entries, item):
    """-4 for an EMAIL entry asked of a validating sandbox from 2028-03-15 by its clock (the timer
    modes keep taking email, for the tests written before the cut-off)."""
    if (app.validating and email_validation_ended(app.clock())
            and any(entry['method'] == 'EMAIL' for entry in entries)):
        raise invalid(item, 'Email validation ended on %s (CA/Browser Forum ballot SC-090): use '
                            'HTTP_CSR_HASH, HTTPS_CSR_HASH or CNAME_CSR_HASH.' % EMAIL_VALIDATION_ENDS)


class Validator(object):
    """`dns` answers addresses/cname/caa/broken_signature (dns_lookup.DnsLookup); `port_map` maps the
    ports a CA uses (80, 443) to the ones a test's unprivileged servers listen on."""

    def __init__(self, dns, port_map=None, timeout=HTTP_TIMEOUT_SECONDS):
        self.dns = dns
        self.port_map = dict(port_map or {})
        self.timeout = timeout

    def check(self, name, method, csr_pem, unique_value, now):
        """The NameCheck of one name of an order. A DNS server that does not answer is a failure
        like any other (the order stays pending and is checked again)."""
        try:
            caa = self._caa(name)
            return caa if not caa.passed else self._proof(name, method, csr_pem, unique_value or '', now)
        except DnsFailure as failure:
            return NameCheck(False, 'DNS: %s' % failure)

    def _proof(self, name, method, csr_pem, unique_value, now):
        if method == 'EMAIL':
            if email_validation_ended(now):
                return NameCheck(False, 'email validation ended on %s' % EMAIL_VALIDATION_ENDS)
            return NameCheck(False, 'waiting for the approver to follow the emailed link')
        md5, sha256 = csr_hashes(csr_pem)
        if method == 'CNAME_CSR_HASH':
            return self._cname(domains.without_wildcard(name), md5.lower(), sha256.lower(), unique_value)
        return self._file(name, SCHEMES[method], md5, sha256.lower(), unique_value)

    # -- CAA ------------------------------------------------------------------------------------
    def _caa(self, name):
        wildcard = name.startswith('*.')
        for candidate in _climb(domains.without_wildcard(name)):
            records = self.dns.caa(candidate)
            if records:
                refusal = caa_refusal(records, wildcard)
                if refusal:
                    return NameCheck(False, CAA_REFUSAL % (candidate, refusal))
                return self._signed(candidate, 'CAA')
        return PASSED

    # -- file -----------------------------------------------------------------------------------
    def _file(self, name, scheme_port, md5, sha256, unique_value):
        scheme, port = scheme_port
        addresses = self.dns.addresses(name)
        if not addresses:
            return NameCheck(False, '%s does not resolve' % name)
        signed = self._signed(name, 'A')
        if not signed.passed:
            return signed
        url = '%s://%s%s' % (scheme, name, FILE_PATH % md5)
        try:
            status, location, body = fetch(scheme, addresses[0], self.port_map.get(port, port), name,
                                           FILE_PATH % md5, self.timeout)
        except (OSError, http.client.HTTPException) as error:
            return NameCheck(False, '%s could not be fetched from %s (%s)' % (url, addresses[0], error))
        if 300 <= status < 400:
            return NameCheck(False, '%s answers %d to %s: redirects are not followed'
                             % (url, status, location or '(no Location)'))
        if not 200 <= status < 300:
            return NameCheck(False, '%s answers %d' % (url, status))
        if not file_body_matches(body, sha256, unique_value):
            return NameCheck(False, '%s does not hold the expected content' % url)
        return PASSED

    # -- CNAME ----------------------------------------------------------------------------------
    def _cname(self, name, md5, sha256, unique_value):
        expected = cname_targets(sha256, unique_value)
        found = []
        for candidate in _climb(name, stop_at_registrable=True):
            record = '_%s.%s' % (md5, candidate)
            target = self.dns.cname(record)
            if target in expected:
                return self._signed(record, 'CNAME')
            if target:
                found.append('%s points to %s' % (record, target))
        if found:
            return NameCheck(False, '%s, not %s' % ('; '.join(found), expected[0]))
        return NameCheck(False, 'no CNAME _%s.%s to %s' % (md5, name, expected[0]))

    def _signed(self, name, rdtype):
        broken = self.dns.broken_signature(name, rdtype)
        return NameCheck(False, 'DNSSEC: %s' % broken) if broken else PASSED


def caa_refusal(records, wildcard):
    """None if this CAA record set lets Sectigo issue; else why not (a few words)."""
    unknown_critical = [tag for flags, tag, _value in records
                        if flags & CRITICAL_FLAG and tag not in KNOWN_CAA_TAGS]
    if unknown_critical:
        return 'has the unknown critical tag %s' % unknown_critical[0]
    tag = 'issue'
    if wildcard and any(record_tag == 'issuewild' for _flags, record_tag, _value in records):
        tag = 'issuewild'
    values = [value for _flags, record_tag, value in records if record_tag == tag]
    if not values:
        return None
    issuers = [value.split(';')[0].strip().lower() for value in values]
    if any(issuer in SECTIGO_CAA_IDENTIFIERS for issuer in issuers):
        return None
    named = sorted(issuer for issuer in issuers if issuer)
    return ('allows only %s (%s)' % (', '.join(named), tag) if named
            else 'forbids every CA (%s ";")' % tag)


def file_body_matches(body, sha256, unique_value):
    """The file's lines must be the SHA-256, a brand domain and (only when the order has one) the
    uniqueValue, nothing else. The sandbox's reading of "exactly": the hex compares in any case (it is
    a number), one final line end (an editor adds it) and CRLF line ends are tolerated; anything more
    (another line, spaces, a BOM) fails."""
    try:
        text = body.decode('ascii')
    except UnicodeDecodeError:
        return False
    text = text.replace('\r\n', '\n')
    if text.endswith('\n'):
        text = text[:-1]
    lines = text.split('\n')
    expected_count = 3 if unique_value else 2
    return (len(lines) == expected_count and lines[0].lower() == sha256 and lines[0].strip() == lines[0]
            and lines[1] in BRAND_DOMAINS and (not unique_value or lines[2] == unique_value))


def cname_targets(sha256, unique_value):
    middle = '%s.%s.%s' % (sha256[:32], sha256[32:], (unique_value.lower() + '.') if unique_value else '')
    return [middle + brand for brand in BRAND_DOMAINS]


def fetch(scheme, address, port, host_name, path, timeout):
    """(status, Location header, body) of one GET, redirects never followed. HTTPS sends the name as
    SNI and does not verify the server's certificate: a site being validated usually serves a
    self-signed or expired one, which is why it needs a certificate."""
    if scheme == 'https':
        connection = _SniHttpsConnection(address, port, host_name, timeout)
    else:
        connection = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        connection.request('GET', path, headers={'Host': host_name, 'User-Agent': 'comodo-sandbox-dcv'})
        response = connection.getresponse()
        return response.status, response.getheader('Location'), response.read(MAX_FILE_BYTES + 1)
    finally:
        connection.close()


class _SniHttpsConnection(http.client.HTTPSConnection):
    """Connects to `address` but names `host_name` in the TLS handshake (SNI)."""

    def __init__(self, address, port, host_name, timeout):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        super().__init__(address, port, timeout=timeout, context=context)
        self._sni_name = host_name
        self._tls_context = context

    def connect(self):
        raw = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._tls_context.wrap_socket(raw, server_hostname=self._sni_name)


def _climb(name, stop_at_registrable=False):
    """`name`, then each parent (labels removed from the left) up to the TLD, or up to the
    registrable domain."""
    labels = name.split('.')
    last = len(labels) - len(domains.registrable_domain(name).split('.')) if stop_at_registrable else len(labels) - 1
    return ['.'.join(labels[start:]) for start in range(0, last + 1)]
