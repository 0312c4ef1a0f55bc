"""Asking one DNS server (the one given with --dns-server) what a CA asks: a name's addresses, a CNAME,
a CAA record set, and whether a signed zone's answers carry valid signatures.

Only this module talks DNS (dnspython, imported when validating mode starts); the checks in
validation.py take any object with the same four methods, so they can be exercised without a server.
"""
import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype

TIMEOUT_SECONDS = 5


class DnsFailure(Exception):
    """The server did not answer, or answered SERVFAIL/REFUSED: never read as "no record" (a CA
    must not treat an unanswered CAA query as permission, CA/Browser Forum ballot SC-085)."""


class DnsLookup(object):

    def __init__(self, address, port, timeout=TIMEOUT_SECONDS):
        self.address = address
        self.port = port
        self.timeout = timeout

    def __repr__(self):
        return 'DnsLookup(%s:%d)' % (self.address, self.port)

    def addresses(self, name):
        """The IPv4 addresses `name` resolves to (through CNAMEs), [] if none or no such name."""
        return [rdata.address for rdata in self._answer(name, dns.rdatatype.A)]

    def cname(self, name):
        """The CNAME target of `name` (lower case, no trailing dot), or None."""
        answer = self._answer(name, dns.rdatatype.CNAME, follow=False)
        return answer[0].target.to_text(omit_final_dot=True).lower() if answer else None

    def caa(self, name):
        """The CAA records at `name` (through CNAMEs) as (flags, tag, value) tuples; [] if none."""
        return [(rdata.flags, rdata.tag.decode('ascii', 'replace').lower(),
                 rdata.value.decode('utf-8', 'replace'))
                for rdata in self._answer(name, dns.rdatatype.CAA)]

    def broken_signature(self, name, rdtype_text):
        """None when the zone of `name` is unsigned or the answer's signature verifies against the
        zone's DNSKEY set; else one sentence saying what is broken (an expired RRSIG, a missing one)."""
        rdtype = dns.rdatatype.from_text(rdtype_text)
        response = self._query(name, rdtype, want_dnssec=True)
        rrsets = [rrset for rrset in response.answer if rrset.rdtype != dns.rdatatype.RRSIG]
        if not rrsets:
            return None
        signatures = [rrset for rrset in response.answer if rrset.rdtype == dns.rdatatype.RRSIG]
        zone = _signer(signatures)
        if zone is None:
            return None if not self._zone_is_signed(name) else (
                'the signed zone returned %s %s without a signature' % (name, rdtype_text))
        keys = self._query(zone.to_text(), dns.rdatatype.DNSKEY, want_dnssec=True)
        key_set = [rrset for rrset in keys.answer if rrset.rdtype == dns.rdatatype.DNSKEY]
        if not key_set:
            return 'the zone %s signs its answers but publishes no DNSKEY' % zone.to_text(omit_final_dot=True)
        for rrset in rrsets:
            covering = [sig for sig in signatures if sig.covers == rrset.rdtype and sig.name == rrset.name]
            try:
                dns.dnssec.validate(rrset, covering[0], {zone: key_set[0]})
            except (dns.dnssec.ValidationFailure, IndexError) as error:
                return 'the DNSSEC signature of %s %s does not validate (%s)' % (
                    rrset.name.to_text(omit_final_dot=True), dns.rdatatype.to_text(rrset.rdtype),
                    error or 'no signature')
        return None

    def _zone_is_signed(self, name):
        labels = dns.name.from_text(name)
        while len(labels) > 1:
            response = self._query(labels.to_text(), dns.rdatatype.DNSKEY, want_dnssec=True)
            if any(rrset.rdtype == dns.rdatatype.DNSKEY for rrset in response.answer):
                return True
            if any(rrset.rdtype == dns.rdatatype.SOA for rrset in response.answer):
                return False
            labels = labels.parent()
        return False

    def _answer(self, name, rdtype, follow=True):
        """The answer's records of `rdtype`, after following CNAMEs in the answer section."""
        response = self._query(name, rdtype)
        if response.rcode() == dns.rcode.NXDOMAIN:
            return []
        records = []
        for rrset in response.answer:
            if rrset.rdtype == rdtype and (follow or rrset.name == dns.name.from_text(name)):
                records.extend(rrset)
        return records

    def _query(self, name, rdtype, want_dnssec=False):
        query = dns.message.make_query(name, rdtype, want_dnssec=want_dnssec)
        try:
            response = dns.query.udp(query, self.address, timeout=self.timeout, port=self.port)
            if response.flags & dns.flags.TC:
                response = dns.query.tcp(query, self.address, timeout=self.timeout, port=self.port)
        except (dns.exception.DNSException, OSError) as error:
            raise DnsFailure('the DNS server %s:%d did not answer for %s (%s)'
                             % (self.address, self.port, name, type(error).__name__))
        if response.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise DnsFailure('the DNS server %s:%d answered %s for %s'
                             % (self.address, self.port, dns.rcode.to_text(response.rcode()), name))
        return response


def _signer(signatures):
    for rrset in signatures:
        for signature in rrset:
            return signature.signer
    return None
