"""The tests' DNS server (dns_rig): a real bind9 that answers, takes updates signed with the run's
TSIG key, refuses every other update, and serves a DNSSEC chain that validates and one that does not."""
import base64
import os

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.update
import pytest

from dns_rig import BROKEN_ZONE, INSECURE_ZONE, SIGNED_PARENT, SIGNED_ZONE


def send(dns_rig, update):
    return dns.query.tcp(update, dns_rig.host, timeout=5, port=dns_rig.port)


def rrset(answer, name, rdtype, covers=dns.rdatatype.NONE):
    return answer.get_rrset(answer.answer, dns.name.from_text(name), dns.rdataclass.IN,
                            dns.rdatatype.from_text(rdtype) if isinstance(rdtype, str) else rdtype,
                            covers)


def validated(answer, name, rdtype, keys):
    """dnspython's RRSIG check of `rdtype` at `name` against `keys` (a DNSKEY RRset)."""
    dns.dnssec.validate(rrset(answer, name, rdtype), rrset(answer, name, dns.rdatatype.RRSIG,
                                                           dns.rdatatype.from_text(rdtype)),
                        {keys.name: keys})


def test_answers_authoritatively_over_udp_and_tcp(dns_rig, dns_name):
    dns_rig.set_address(dns_name, '127.0.0.1')
    query = dns.message.make_query(dns_name, 'A')
    for transport in (dns.query.udp, dns.query.tcp):
        answer = transport(query, dns_rig.host, timeout=5, port=dns_rig.port)
        assert answer.flags & dns.flags.AA
        assert [rdata.address for rdata in rrset(answer, dns_name, 'A')] == ['127.0.0.1']


def test_update_signed_with_the_run_key_is_applied(dns_rig, dns_name):
    update = dns.update.UpdateMessage('example.test', keyring=dns_rig.tsig_key())
    update.add(dns.name.from_text(dns_name), 60, 'CAA', '0 issue "sectigo.com"')

    assert send(dns_rig, update).rcode() == dns.rcode.NOERROR
    assert dns_rig.records(dns_name, 'CAA') == ['0 issue "sectigo.com"']


def test_unsigned_update_is_refused(dns_rig, dns_name):
    update = dns.update.UpdateMessage('example.test')
    update.add(dns.name.from_text(dns_name), 60, 'A', '192.0.2.1')

    assert send(dns_rig, update).rcode() == dns.rcode.REFUSED
    assert dns_rig.records(dns_name, 'A') == []


def test_update_signed_with_another_key_is_refused(dns_rig, dns_name):
    stranger = dns.tsig.Key(dns_rig.key_name, base64.b64encode(os.urandom(32)).decode(), 'hmac-sha256')
    update = dns.update.UpdateMessage('example.test', keyring=stranger)
    update.add(dns.name.from_text(dns_name), 60, 'A', '192.0.2.1')

    # The server cannot verify the signature and says so unsigned, which dnspython refuses to trust.
    with pytest.raises(dns.tsig.PeerBadSignature):
        send(dns_rig, update)
    assert dns_rig.records(dns_name, 'A') == []


def test_each_run_has_its_own_key(dns_rig):
    from dns_rig import DnsRig
    assert DnsRig().key_secret != dns_rig.key_secret
    assert len(base64.b64decode(dns_rig.key_secret)) == 32
    assert dns_rig.server_values() == {
        'host': '127.0.0.1', 'port': dns_rig.port, 'key_name': 'dns-rig-key.',
        'key_algorithm': 'hmac-sha256', 'key_secret': dns_rig.key_secret}


def test_set_records_replaces_and_delete_name_empties(dns_rig, dns_name):
    dns_rig.set_caa(dns_name, '0 issue "letsencrypt.org"', '0 iodef "mailto:x@example.test"')
    dns_rig.set_caa(dns_name, '0 issue "sectigo.com"')
    dns_rig.set_address(dns_name)
    assert dns_rig.records(dns_name, 'CAA') == ['0 issue "sectigo.com"']

    dns_rig.delete_name(dns_name)
    assert dns_rig.records(dns_name, 'CAA') == dns_rig.records(dns_name, 'A') == []


def test_signed_zone_chains_to_the_trust_anchor(dns_rig):
    """parent DNSKEY (trusted) signs the child's DS, which matches the child's DNSKEY, which signs
    the child's records."""
    anchor = dns_rig.trust_anchor()
    delegation = dns_rig.query(SIGNED_ZONE, 'DS')
    validated(delegation, SIGNED_ZONE, 'DS', anchor)
    child = dns_rig.query(SIGNED_ZONE, 'DNSKEY')
    child_keys = rrset(child, SIGNED_ZONE, 'DNSKEY')
    [ds] = rrset(delegation, SIGNED_ZONE, 'DS')
    assert any(dns.dnssec.make_ds(SIGNED_ZONE + '.', key, 'SHA256') == ds for key in child_keys)
    validated(child, SIGNED_ZONE, 'DNSKEY', child_keys)
    validated(dns_rig.query(SIGNED_ZONE, 'SOA'), SIGNED_ZONE, 'SOA', child_keys)


def test_broken_zone_is_signed_under_a_ds_matching_none_of_its_keys(dns_rig):
    anchor = dns_rig.trust_anchor()
    delegation = dns_rig.query(BROKEN_ZONE, 'DS')
    validated(delegation, BROKEN_ZONE, 'DS', anchor)
    child = dns_rig.query(BROKEN_ZONE, 'DNSKEY')
    child_keys = rrset(child, BROKEN_ZONE, 'DNSKEY')
    validated(child, BROKEN_ZONE, 'DNSKEY', child_keys)
    [ds] = rrset(delegation, BROKEN_ZONE, 'DS')
    assert not any(dns.dnssec.make_ds(BROKEN_ZONE + '.', key, 'SHA256') == ds for key in child_keys)


def test_insecure_zone_is_delegated_without_ds(dns_rig):
    delegation = dns_rig.query(INSECURE_ZONE, 'DS')
    assert delegation.rcode() == dns.rcode.NOERROR and not delegation.answer
    # The parent proves the absence with a signed NSEC that names no DS.
    nsec = delegation.get_rrset(delegation.authority, dns.name.from_text(INSECURE_ZONE),
                                dns.rdataclass.IN, dns.rdatatype.NSEC)
    types = nsec[0].to_text().split()[1:]
    assert 'NS' in types and 'DS' not in types
    assert dns_rig.query(INSECURE_ZONE, 'DNSKEY').answer == []


def test_parent_is_the_trust_anchor(dns_rig):
    anchor = dns_rig.trust_anchor()
    assert anchor.name == dns.name.from_text(SIGNED_PARENT)
    validated(dns_rig.query(SIGNED_PARENT, 'DNSKEY'), SIGNED_PARENT, 'DNSKEY', anchor)
