"""Where a name's zone is signed, the chain of trust from a configured anchor down to its records
must validate (ballot SC-085: a broken chain blocks issuance)."""
import datetime
import time

import dns.dnssec
import dns.name
import dns.rdatatype
import dns.rrset

from . import results


class ChainBroken(Exception):
    def __init__(self, code, sentence):
        super(ChainBroken, self).__init__(sentence)
        self.code = code
        self.sentence = sentence


def check_dnssec(client, name, trust_anchors, now=None):
    """CheckResult: passes when the name's zone is unsigned (no DS leads to it) or when each link
    from the trust anchor to the name's records validates; else names the broken link."""
    now = time.time() if now is None else now
    target = dns.name.from_text(name)
    zone = _zone_of(client, target)
    if zone is None:
        # Nothing answers for the name's zone: the resolution check already says so.
        return results.passed(results.DNSSEC, name, 'no DNS server says which zone holds %s, so '
                              'its DNSSEC chain is not checked' % name, results.DNSSEC_NOT_CHECKED)
    anchor = _nearest_anchor(zone, trust_anchors)
    if anchor is None:
        return results.passed(results.DNSSEC, name,
                              'no DNSSEC trust anchor covers %s, so its chain is not checked' % name,
                              results.DNSSEC_NOT_CHECKED)
    anchor_name, anchor_records = anchor
    try:
        keys = _trusted_keys(client, anchor_name, anchor_records, 'the trust anchor', now)
        for child in _zones_between(client, anchor_name, zone):
            keys = _descend(client, keys, child, now)
            if keys is None:
                return results.passed(results.DNSSEC, name, 'the zone %s is not signed' % _text(child),
                                      results.DNSSEC_NOT_SIGNED)
        _check_records(client, keys, target, zone, now)
    except ChainBroken as broken:
        return results.failed(results.DNSSEC, name, broken.code,
                              'the DNSSEC chain of %s is broken: %s' % (name, broken.sentence))
    return results.passed(results.DNSSEC, name, 'the DNSSEC chain of %s validates' % name)


def _zone_of(client, name):
    """The apex of the zone holding `name`: the nearest name up the tree with an SOA record."""
    candidate = name
    while True:
        if _is_apex(client, candidate):
            return candidate
        if candidate == dns.name.root:
            return None
        candidate = candidate.parent()


def _nearest_anchor(zone, trust_anchors):
    """(anchor zone, its DS/DNSKEY records) of the deepest anchor above or at `zone`, or None."""
    covering = [anchor for anchor in trust_anchors.items() if zone.is_subdomain(anchor[0])]
    return max(covering, key=lambda anchor: len(anchor[0])) if covering else None


def _zones_between(client, anchor, zone):
    """The zone apexes below `anchor` down to `zone`, top first (names that are no apex skipped)."""
    names = []
    current = zone
    while current != anchor:
        names.append(current)
        current = current.parent()
    apexes = []
    for candidate in reversed(names):
        if candidate == zone or _is_apex(client, candidate):
            apexes.append(candidate)
    return apexes


def _is_apex(client, name):
    lookup = client.lookup(name, 'SOA')
    return lookup.rrset is not None and lookup.owner == name


def _descend(client, parent_keys, child, now):
    """The child's validated DNSKEY set, or None when its parent publishes no DS (unsigned)."""
    lookup = _signed_lookup(client, child, 'DS')
    if lookup.rrset is None:
        # An insecure delegation. A full validator would also check the parent's signed denial
        # (NSEC/NSEC3); the CA's resolver does, but a forged denial is not what a pre-flight looks for.
        return None
    parent = child.parent()
    _validate(lookup, parent_keys, 'the DS record of %s' % _text(child), now)
    return _trusted_keys(client, child, list(lookup.rrset), 'the DS record in %s' % _text(parent), now)


def _trusted_keys(client, zone, ds_records, vouched_by, now):
    """{zone: DNSKEY RRset}, once a key that one of ds_records (DS, or DNSKEY anchors) names
    signs the zone's DNSKEY set."""
    lookup = _signed_lookup(client, zone, 'DNSKEY')
    if lookup.rrset is None:
        raise ChainBroken(results.DNSSEC_NO_DNSKEY, '%s publishes no DNSKEY record although %s '
                          'says it is signed' % (_text(zone), vouched_by))
    matching = [key for key in lookup.rrset if any(_matches(zone, key, ds) for ds in ds_records)]
    if not matching:
        raise ChainBroken(results.DNSSEC_STALE_DS, '%s matches none of the keys of %s (a stale DS '
                          'record)' % (vouched_by, _text(zone)))
    # Only a key the DS vouches for may sign the key set itself.
    vouched = dns.rrset.from_rdata_list(zone, lookup.rrset.ttl, matching)
    _validate(lookup, {zone: vouched}, 'the DNSKEY set of %s' % _text(zone), now)
    return {zone: lookup.rrset}


def _check_records(client, keys, target, zone, now):
    """The records the CA reads at the name (its address, else the zone's SOA) carry valid signatures."""
    for rdtype in ('A', 'AAAA'):
        lookup = _signed_lookup(client, target, rdtype)
        if lookup.rrset is not None:
            break
    else:
        lookup = _signed_lookup(client, zone, 'SOA')
    if lookup.rrset is None or not lookup.owner.is_subdomain(zone):
        # A CNAME led into another zone: that zone's chain is checked when its name is validated.
        return
    what = 'the %s record of %s' % (dns.rdatatype.to_text(lookup.rrset.rdtype), _text(lookup.owner))
    _validate(lookup, keys, what, now)


def _signed_lookup(client, name, rdtype):
    """A lookup with its signatures; a server failure breaks the chain as surely as a bad key."""
    lookup = client.lookup(name, rdtype, dnssec=True)
    if lookup.failed:
        raise ChainBroken(results.DNS_SERVER_FAILURE, 'the DNS server %s answers %s for the %s '
                          'records of %s' % (lookup.server, lookup.rcode_text, rdtype, _text(name)))
    return lookup


def _validate(lookup, keys, what, now):
    """Raise ChainBroken naming why no RRSIG over lookup.rrset validates with `keys`."""
    if not lookup.rrsigs:
        raise ChainBroken(results.DNSSEC_UNSIGNED_RECORDS, '%s carries no signature' % what)
    reasons = []
    for rrsig in lookup.rrsigs:
        try:
            dns.dnssec.validate_rrsig(lookup.rrset, rrsig, keys, now=now)
            return
        except dns.dnssec.ValidationFailure as failure:
            reasons.append((str(failure), rrsig))
    for reason, rrsig in reasons:
        if reason == 'expired':
            raise ChainBroken(results.DNSSEC_EXPIRED, 'the signature on %s expired on %s'
                              % (what, _date(rrsig.expiration)))
    for reason, rrsig in reasons:
        if reason == 'not yet valid':
            raise ChainBroken(results.DNSSEC_EXPIRED, 'the signature on %s is valid only from %s'
                              % (what, _date(rrsig.inception)))
    raise ChainBroken(results.DNSSEC_BAD_SIGNATURE,
                      'the signature on %s does not verify with the zone\'s keys' % what)


def _matches(zone, key, anchor):
    """The DNSKEY `key` is the one a DS (or DNSKEY trust anchor) names."""
    if anchor.rdtype == dns.rdatatype.DNSKEY:
        return key == anchor
    ds = anchor
    try:
        return dns.dnssec.make_ds(zone, key, ds.digest_type) == ds
    except (dns.dnssec.UnsupportedAlgorithm, ValueError):
        return False


def _date(timestamp):
    return datetime.datetime.utcfromtimestamp(timestamp).strftime('%Y-%m-%d %H:%M UTC')


def _text(name):
    return name.to_text(omit_final_dot=True)
