"""The validation CNAME published on a real bind9 (dns_rig) by RFC 2136 update signed with TSIG, and
removed afterwards; each failure a typed exception with one plain sentence."""
import base64
import os
import socket
import threading

import dns.rdatatype
import pytest

from comodo_client import build_csr, dcv_instructions, generate_private_key
from dcv_publish import (CnameProof, CnamePublisher, CnameReceipt, DnsServer, DnsServerSettingsInvalid,
                         DnsServerUnreachable, NotAuthorised, RecordNotServed, UpdateRefused, ZoneNotFound)
from dns_rig import LOCKED_ZONE, SIGNED_ZONE


def new_csr(domain):
    return build_csr(generate_private_key(), [domain])


def cname_proof(csr, domain, unique_value=None):
    return CnameProof.from_instructions(dcv_instructions(csr, 'CNAME_CSR_HASH', domain, unique_value))


def publisher(dns_rig, **overrides):
    values = dict(dns_rig.server_values(), timeout=5)
    values.update(overrides)
    return CnamePublisher(DnsServer(**values))


def served(dns_rig, name):
    return dns_rig.records(name, 'CNAME')


def test_publish_adds_the_record_the_ca_looks_up_and_cleanup_deletes_it(dns_rig, dns_name):
    csr = new_csr(dns_name)
    proof = cname_proof(csr, dns_name, 'Order42')
    md5 = dcv_instructions(csr, 'CNAME_CSR_HASH', dns_name).cname_name.split('.')[0][1:]
    assert proof.name == '_%s.%s' % (md5, dns_name)
    assert proof.target.endswith('.Order42.sectigo.com')

    receipt = publisher(dns_rig).publish(proof)

    assert receipt == CnameReceipt('example.test', proof.name, proof.target, True)
    assert served(dns_rig, proof.name) == [proof.target + '.']
    # The receipt survives a trip through JSON (the order keeps it until the CA has decided).
    publisher(dns_rig).cleanup(CnameReceipt.from_dict(receipt.to_dict()))
    assert served(dns_rig, proof.name) == []


def test_wildcard_record_goes_on_the_base_name(dns_rig, dns_name):
    proof = cname_proof(new_csr('*.' + dns_name), '*.' + dns_name)
    assert proof.name.endswith('.' + dns_name) and '*' not in proof.name

    receipt = publisher(dns_rig).publish(proof)
    assert served(dns_rig, proof.name) == [proof.target + '.']
    publisher(dns_rig).cleanup(receipt)
    assert served(dns_rig, proof.name) == []


def test_zone_is_the_nearest_one_the_server_answers_for_with_authority(dns_rig):
    """The name is in signed.dnssec.test, delegated from dnssec.test on the same server: the record
    goes in the child zone, where it is signed like the rest of it."""
    domain = dns_rig.new_name(SIGNED_ZONE)
    proof = cname_proof(new_csr(domain), domain)

    receipt = publisher(dns_rig).publish(proof)

    assert receipt.zone == SIGNED_ZONE
    answer = dns_rig.query(proof.name, 'CNAME')
    assert [rrset.rdtype for rrset in answer.answer] == [dns.rdatatype.CNAME, dns.rdatatype.RRSIG]
    publisher(dns_rig).cleanup(receipt)
    assert served(dns_rig, proof.name) == []


def test_two_orders_for_one_name_with_different_keys_keep_each_others_record(dns_rig, dns_name):
    first, second = cname_proof(new_csr(dns_name), dns_name), cname_proof(new_csr(dns_name), dns_name)
    assert first.name != second.name

    first_receipt = publisher(dns_rig).publish(first)
    second_receipt = publisher(dns_rig).publish(second)
    publisher(dns_rig).cleanup(first_receipt)

    assert served(dns_rig, first.name) == []
    assert served(dns_rig, second.name) == [second.target + '.']
    publisher(dns_rig).cleanup(second_receipt)
    assert served(dns_rig, second.name) == []


def test_an_order_that_replaced_the_target_keeps_it_when_the_earlier_one_cleans_up(dns_rig, dns_name):
    """Same CSR, two orders (their uniqueValues differ): one name, and a CNAME holds one target, so
    the later order's replaces the earlier's; the earlier cleanup deletes only its own target."""
    csr = new_csr(dns_name)
    earlier, later = cname_proof(csr, dns_name, 'First1'), cname_proof(csr, dns_name, 'Second2')
    assert earlier.name == later.name and earlier.target != later.target

    earlier_receipt = publisher(dns_rig).publish(earlier)
    later_receipt = publisher(dns_rig).publish(later)
    assert served(dns_rig, later.name) == [later.target + '.']

    publisher(dns_rig).cleanup(earlier_receipt)
    assert served(dns_rig, later.name) == [later.target + '.']
    publisher(dns_rig).cleanup(later_receipt)
    assert served(dns_rig, later.name) == []


def test_the_same_record_already_there_is_left_to_whoever_added_it(dns_rig, dns_name):
    proof = cname_proof(new_csr(dns_name), dns_name)
    owner = publisher(dns_rig).publish(proof)

    again = publisher(dns_rig).publish(proof)
    assert again.added is False
    publisher(dns_rig).cleanup(again)
    assert served(dns_rig, proof.name) == [proof.target + '.']
    publisher(dns_rig).cleanup(owner)
    assert served(dns_rig, proof.name) == []


def test_a_name_holding_other_records_is_said(dns_rig, dns_name):
    proof = cname_proof(new_csr(dns_name), dns_name)
    dns_rig.set_records(proof.name, 'TXT', ['"left by hand"'])
    try:
        with pytest.raises(RecordNotServed) as raised:
            publisher(dns_rig).publish(proof)
        assert 'holds other records' in raised.value.message
    finally:
        dns_rig.delete_name(proof.name)


def test_wrong_tsig_secret_is_not_authorised_and_changes_nothing(dns_rig, dns_name):
    proof = cname_proof(new_csr(dns_name), dns_name)
    stranger = base64.b64encode(os.urandom(32)).decode()

    with pytest.raises(NotAuthorised) as raised:
        publisher(dns_rig, key_secret=stranger).publish(proof)

    assert raised.value.message == (
        'The DNS server 127.0.0.1:%d did not accept the TSIG key dns-rig-key. (BADSIG): its name, '
        'algorithm or secret differs from the server\'s, or the clocks differ.' % dns_rig.port)
    assert stranger not in raised.value.message
    assert not raised.value.transient
    assert served(dns_rig, proof.name) == []


def test_unknown_key_name_and_wrong_algorithm_are_not_authorised(dns_rig, dns_name):
    proof = cname_proof(new_csr(dns_name), dns_name)
    with pytest.raises(NotAuthorised, match=r'\(BADKEY\)'):
        publisher(dns_rig, key_name='someone-else.').publish(proof)
    with pytest.raises(NotAuthorised):
        publisher(dns_rig, key_algorithm='hmac-sha512').publish(proof)
    assert served(dns_rig, proof.name) == []


def test_cleanup_with_a_wrong_key_is_not_authorised_and_keeps_the_record(dns_rig, dns_name):
    proof = cname_proof(new_csr(dns_name), dns_name)
    receipt = publisher(dns_rig).publish(proof)

    with pytest.raises(NotAuthorised):
        publisher(dns_rig, key_secret=base64.b64encode(os.urandom(32)).decode()).cleanup(receipt)
    assert served(dns_rig, proof.name) == [proof.target + '.']
    publisher(dns_rig).cleanup(receipt)


def test_zone_the_key_may_not_change_is_refused(dns_rig):
    domain = dns_rig.new_name(LOCKED_ZONE)
    with pytest.raises(UpdateRefused) as raised:
        publisher(dns_rig).publish(cname_proof(new_csr(domain), domain))
    assert raised.value.message == ('The DNS server 127.0.0.1:%d refused to let key dns-rig-key. change '
                                    'zone locked.test.' % dns_rig.port)


def test_name_in_no_zone_of_the_server(dns_rig):
    with pytest.raises(ZoneNotFound) as raised:
        publisher(dns_rig).publish(CnameProof('_abc.www.example.net', 'x.sectigo.com'))
    assert raised.value.message == ('The DNS server 127.0.0.1:%d holds no zone for _abc.www.example.net.'
                                    % dns_rig.port)


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(5)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except socket.timeout:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(5)
    for connection in accepted:
        connection.close()
    listener.close()


def test_server_that_does_not_answer(dns_rig, silent_server):
    server = publisher(dns_rig, port=silent_server, timeout=1)
    with pytest.raises(DnsServerUnreachable) as raised:
        server.publish(CnameProof('_abc.' + dns_rig.new_name(), 'x.sectigo.com'))
    assert raised.value.message == 'The DNS server 127.0.0.1:%d did not answer within 1 seconds.' % silent_server
    assert raised.value.transient


def test_server_that_refuses_the_connection(dns_rig):
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(DnsServerUnreachable) as raised:
        publisher(dns_rig, port=closed_port).cleanup(CnameReceipt('example.test', '_a.example.test', 'x.sectigo.com', True))
    assert raised.value.message == 'The DNS server 127.0.0.1:%d could not be reached: Connection refused.' % closed_port


@pytest.mark.parametrize('changes, sentence', [
    ({'key_algorithm': 'hmac-md5'}, "The TSIG algorithm 'hmac-md5' is not one of hmac-sha256, hmac-sha512."),
    ({'key_secret': 'not base64!'}, 'The TSIG secret of key dns-rig-key. is not valid base64.'),
    ({'key_secret': ''}, 'The DNS server 127.0.0.1:{port} has no TSIG key name or secret.'),
])
def test_settings_that_cannot_work_are_said_before_anything_is_sent(dns_rig, changes, sentence):
    with pytest.raises(DnsServerSettingsInvalid) as raised:
        publisher(dns_rig, **changes).publish(CnameProof('_abc.' + dns_rig.new_name(), 'x.sectigo.com'))
    assert raised.value.message == sentence.format(port=dns_rig.port)


def test_server_repr_never_shows_the_secret(dns_rig):
    server = DnsServer(**dns_rig.server_values())
    assert dns_rig.key_secret not in repr(server) and dns_rig.key_secret not in str(server)


@pytest.mark.parametrize('method', ['EMAIL', 'HTTP_CSR_HASH'])
def test_instructions_of_another_method_make_no_cname_proof(method):
    csr = new_csr('www.example.test')
    with pytest.raises(ValueError, match='%s validation has no CNAME to publish' % method):
        CnameProof.from_instructions(dcv_instructions(csr, method, 'www.example.test'))
