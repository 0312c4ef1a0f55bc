"""CAA as RFC 8659 reads it, for Sectigo: the nearest CAA record set up the tree decides."""
import dns.name
import dns.rcode

from . import results

# The issuer domain names Sectigo accepts in `issue` / `issuewild` (its CPS; the notes' CAA section).
SECTIGO_IDENTIFIERS = frozenset(['sectigo.com', 'comodoca.com', 'comodo.com', 'usertrust.com',
                                 'trust-provider.com'])
KNOWN_TAGS = frozenset(['issue', 'issuewild', 'iodef', 'contactemail', 'contactphone'])
CRITICAL_FLAG = 128


def check_caa(client, name, wildcard):
    """CheckResult for `name` (the base name for a wildcard): climb from the name to its top-level
    domain; the first name holding CAA records decides. A failed lookup never counts as permission."""
    below = None
    for candidate in _climb(name):
        lookup = client.lookup(candidate, 'CAA')
        if below is not None and lookup.rcode == dns.rcode.REFUSED:
            # An authoritative-only server (the hosting company's own) refuses the names above the
            # zones it holds. Above those is usually only the registry, which sets no CAA; say where
            # the climb stopped, since the CA's own resolver goes on.
            return results.passed(results.CAA, name, 'no CAA record restricts %s up to %s (the DNS '
                                  'server %s does not answer for %s)' % (
                                      name, _text(below), lookup.server, _text(candidate)))
        if lookup.failed:
            return results.failed(
                results.CAA, name, results.DNS_SERVER_FAILURE,
                'the CAA lookup for %s fails (%s from %s), and the CA never takes a failed lookup '
                'as permission' % (_text(candidate), lookup.rcode_text, lookup.server))
        if lookup.rrset:
            return judge_caa_records(name, _text(candidate), lookup.rrset, wildcard)
        below = candidate
    return results.passed(results.CAA, name, 'no CAA record restricts %s' % name)


def judge_caa_records(name, holder, records, wildcard):
    """The CheckResult of the CAA record set found at `holder` for a certificate naming `name`."""
    for record in records:
        tag = _tag(record)
        if record.flags & CRITICAL_FLAG and tag not in KNOWN_TAGS:
            return results.failed(
                results.CAA, name, results.CAA_CRITICAL_UNKNOWN,
                'CAA on %s has the critical property "%s", which no CA knows, so it forbids every '
                'certificate' % (holder, tag))
    issue = [_issuer(record) for record in records if _tag(record) == 'issue']
    wild = [_issuer(record) for record in records if _tag(record) == 'issuewild']
    # RFC 8659 4.3: issuewild, when present, replaces issue for wildcard certificates.
    relevant, tag = (wild, 'issuewild') if wildcard and wild else (issue, 'issue')
    if not relevant:
        return results.passed(results.CAA, name, 'CAA on %s does not restrict who issues' % holder)
    if SECTIGO_IDENTIFIERS.intersection(relevant):
        return results.passed(results.CAA, name, 'CAA on %s allows Sectigo' % holder)
    allowed = sorted(set(issuer for issuer in relevant if issuer))
    kind = ' wildcard certificates (issuewild)' if tag == 'issuewild' else ''
    if not allowed:
        return results.failed(results.CAA, name, results.CAA_FORBIDS,
                              'CAA on %s forbids every CA to issue%s' % (holder, kind or ' certificates'))
    return results.failed(results.CAA, name, results.CAA_FORBIDS,
                          'CAA on %s allows only %s%s' % (
                              holder, ' and '.join(allowed), kind and ' to issue' + kind))


def _climb(name):
    """name, its parent, ..., down to the top-level domain (the root holds no CAA)."""
    current = dns.name.from_text(name)
    while len(current.labels) > 1:
        yield current
        current = current.parent()


def _tag(record):
    return record.tag.decode('ascii', 'replace').lower()


def _issuer(record):
    """The issuer domain of an issue/issuewild value ('' for ';': no CA). Parameters after ';'
    (accounturi, validationmethods) concern ACME accounts and methods, not Sectigo's identity."""
    return record.value.decode('ascii', 'replace').split(';', 1)[0].strip().lower()


def _text(name):
    return name.to_text(omit_final_dot=True)
