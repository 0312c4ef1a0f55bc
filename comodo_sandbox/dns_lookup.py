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

from comodo_sandbox.validation import DnsFailure

TIMEOUT_SECONDS = 5


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
        """None when the zone of `name` is unsigned or the answer validates up the chain of trust the
        server holds; else one sentence saying what is broken (an expired RRSIG, a DS in the parent
        that matches none of the zone's keys). With no root trust anchor on a loopback server, the
        highest signed zone whose parent the server does not hold is the anchor (the sandbox's choice)."""
        response = self._query(name, dns.rdatatype.from_text(rdtype_text), want_dnssec=True)
        rrsets = [rrset for rrset in response.answer if rrset.rdtype != dns.rdatatype.RRSIG]
        if not rrsets:
            return None
        signatures = [rrset for rrset in response.answer if rrset.rdtype == dns.rdatatype.RRSIG]
        signer = _signer(signatures)
        if signer is None:
            zone = self._zone_of(name)
            return ('the signed zone %s answered %s %s without a signature' % (_text(zone), name, rdtype_text)
                    if self._keys(zone) is not None else None)
        keys = self._keys(signer)
        if keys is None:
            return 'the zone %s signs its answers but publishes no DNSKEY' % _text(signer)
        return _unverified(rrsets, signatures, signer, keys) or self._broken_chain(signer, keys)

    def _broken_chain(self, zone, keys):
        """Walks up from `zone` through the DS records its parents hold."""
        while True:
            response = self._query(zone.to_text(), dns.rdatatype.DS, want_dnssec=True)
            ds_sets = [rrset for rrset in response.answer if rrset.rdtype == dns.rdatatype.DS]
            if not ds_sets:
                return None
            if not any(_matches(zone, key, ds) for key in keys for ds in ds_sets[0]):
                return 'the DS of %s in its parent zone matches none of its keys' % _text(zone)
            signatures = [rrset for rrset in response.answer if rrset.rdtype == dns.rdatatype.RRSIG]
            parent = _signer(signatures)
            parent_keys = self._keys(parent) if parent is not None else None
            if parent_keys is None:
                return 'the DS of %s is not signed by its parent zone' % _text(zone)
            problem = _unverified(ds_sets, signatures, parent, parent_keys)
            if problem:
                return problem
            zone, keys = parent, parent_keys

    def _keys(self, zone):
        """The zone's DNSKEY RRset, or None if it has none."""
        response = self._query(zone.to_text() if isinstance(zone, dns.name.Name) else zone,
                               dns.rdatatype.DNSKEY, want_dnssec=True)
        key_sets = [rrset for rrset in response.answer if rrset.rdtype == dns.rdatatype.DNSKEY]
        return key_sets[0] if key_sets else None

    def _zone_of(self, name):
        """The apex of the zone holding `name`, from the SOA the server answers or names."""
        response = self._query(name, dns.rdatatype.SOA)
        for rrset in response.answer + response.authority:
            if rrset.rdtype == dns.rdatatype.SOA:
                return rrset.name
        return dns.name.from_text(name)

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
        """The server's answer. The configured server is the sandbox's whole DNS: an authoritative-only
        server REFUSES names in no zone of its own (a CAA walk reaching `test.`, a DS asked above the
        top zone), which therefore have no records. No answer, SERVFAIL and the rest are failures."""
        query = dns.message.make_query(name, rdtype, want_dnssec=want_dnssec)
        try:
            response = dns.query.udp(query, self.address, timeout=self.timeout, port=self.port)
            if response.flags & dns.flags.TC:
                response = dns.query.tcp(query, self.address, timeout=self.timeout, port=self.port)
        except (dns.exception.DNSException, OSError) as error:
            raise DnsFailure('the DNS server %s:%d did not answer for %s (%s)'
                             % (self.address, self.port, name, type(error).__name__))
        if response.rcode() == dns.rcode.REFUSED:
            return dns.message.make_response(query)
        if response.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise DnsFailure('the DNS server %s:%d answered %s for %s'
                             % (self.address, self.port, dns.rcode.to_text(response.rcode()), name))
        return response


def _unverified(rrsets, signatures, signer, keys):
    """None if each RRset's RRSIG verifies against `keys` (now, by real time: the DNS world does not
    follow the sandbox's clock); else why not."""
    for rrset in rrsets:
        covering = [sig for sig in signatures if sig.covers == rrset.rdtype and sig.name == rrset.name]
        if not covering:
            return '%s %s carries no signature' % (_text(rrset.name), dns.rdatatype.to_text(rrset.rdtype))
        try:
            dns.dnssec.validate(rrset, covering[0], {signer: keys})
        except dns.dnssec.ValidationFailure as failure:
            return 'the DNSSEC signature of %s %s does not validate (%s)' % (
                _text(rrset.name), dns.rdatatype.to_text(rrset.rdtype), failure)
    return None


def _matches(zone, key, ds):
    try:
        return dns.dnssec.make_ds(zone, key, ds.digest_type) == ds
    except (dns.dnssec.UnsupportedAlgorithm, ValueError):
        return False


def _text(name):
    return name.to_text(omit_final_dot=True)


def _signer(signatures):
    for rrset in signatures:
        for signature in rrset:
            return signature.signer
    return None
