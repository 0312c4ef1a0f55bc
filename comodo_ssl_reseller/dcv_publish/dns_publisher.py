"""The validation CNAME, by RFC 2136 dynamic update signed with TSIG (dnspython), on the hosting
company's DNS server; the zone found as certbot-dns-rfc2136 finds it, by SOA queries up the name
accepting only an authoritative answer."""
import binascii
import socket
from collections import namedtuple

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.update

from .errors import (DnsServerSettingsInvalid, DnsServerUnreachable, NotAuthorised, RecordNotServed,
                     UpdateFailed, UpdateRefused, ZoneNotFound)
from .proofs import CnameReceipt

TSIG_ALGORITHMS = ('hmac-sha256', 'hmac-sha512')
TIMEOUT = 10
# Short, so that a record replaced by a later order's is seen soon by the CA's resolvers.
RECORD_TTL = 300


class DnsServer(namedtuple('DnsServer', ['host', 'port', 'key_name', 'key_secret', 'key_algorithm',
                                         'timeout'])):
    """The hosting company's DNS server as recorded: address, port, TSIG key name, secret
    (base64) and algorithm (TSIG_ALGORITHMS)."""
    __slots__ = ()

    def __new__(cls, host, port=53, key_name=None, key_secret=None, key_algorithm='hmac-sha256',
                timeout=TIMEOUT):
        return super(DnsServer, cls).__new__(cls, host, int(port), key_name, key_secret, key_algorithm,
                                             timeout)

    def __repr__(self):
        # The secret never reaches a log or a traceback through this object.
        return 'DnsServer(%s:%s, key %s)' % (self.host, self.port, self.key_name)

    @property
    def address(self):
        return '%s:%s' % (self.host, self.port)

    def tsig_key(self):
        if self.key_algorithm not in TSIG_ALGORITHMS:
            raise DnsServerSettingsInvalid('The TSIG algorithm %r is not one of %s.' % (
                self.key_algorithm, ', '.join(TSIG_ALGORITHMS)))
        if not self.key_name or not self.key_secret:
            raise DnsServerSettingsInvalid('The DNS server %s has no TSIG key name or secret.' % self.address)
        try:
            return dns.tsig.Key(self.key_name, self.key_secret, self.key_algorithm)
        except (binascii.Error, ValueError, dns.exception.DNSException):
            raise DnsServerSettingsInvalid('The TSIG secret of key %s is not valid base64.' % self.key_name)


def absolute(name):
    return dns.name.from_text(name)


def text(name):
    return name.to_text(omit_final_dot=True)


class CnamePublisher(object):
    """`publish(CnameProof) -> CnameReceipt`, `cleanup(CnameReceipt)` on `server` (a DnsServer)."""

    def __init__(self, server):
        self.server = server

    def publish(self, proof):
        """Adds the CNAME (a CNAME is alone at its name: the server replaces another order's target
        there) and checks that the server then serves it. Exactly this record already there is left
        to whoever added it."""
        key = self.server.tsig_key()
        name, target = absolute(proof.name), absolute(proof.target)
        zone = self.find_zone(proof.name)
        if target in self.cname_targets(proof.name):
            return CnameReceipt(text(zone), text(name), text(target), False)
        update = dns.update.UpdateMessage(zone, keyring=key)
        update.add(name, RECORD_TTL, dns.rdatatype.CNAME, target.to_text())
        self._send(update, zone)
        if target not in self.cname_targets(proof.name):
            raise RecordNotServed('The DNS server %s accepted %s CNAME %s but does not serve it: the name '
                                  'holds other records, which a CNAME may not join.' % (
                                      self.server.address, text(name), text(target)))
        return CnameReceipt(text(zone), text(name), text(target), True)

    def cleanup(self, receipt):
        """Deletes exactly the record the publication added: the name keeps any other target."""
        if not receipt.added:
            return
        update = dns.update.UpdateMessage(receipt.zone, keyring=self.server.tsig_key())
        update.delete(absolute(receipt.name), dns.rdatatype.CNAME, absolute(receipt.target).to_text())
        self._send(update, absolute(receipt.zone))

    def find_zone(self, name):
        """The zone holding `name` on this server: the nearest enclosing name whose SOA the server
        answers with authority."""
        candidate = absolute(name)
        while True:
            answer = self._ask(candidate, dns.rdatatype.SOA)
            if (answer.rcode() == dns.rcode.NOERROR and answer.flags & dns.flags.AA
                    and answer.get_rrset(answer.answer, candidate, dns.rdataclass.IN, dns.rdatatype.SOA)):
                return candidate
            if candidate == dns.name.root:
                raise ZoneNotFound('The DNS server %s holds no zone for %s.' % (self.server.address, name))
            candidate = candidate.parent()

    def cname_targets(self, name):
        """The CNAME targets the server answers with authority at `name`."""
        answer = self._ask(absolute(name), dns.rdatatype.CNAME)
        rrset = answer.get_rrset(answer.answer, absolute(name), dns.rdataclass.IN, dns.rdatatype.CNAME)
        return [rdata.target for rdata in rrset] if rrset else []

    # -- the wire ---------------------------------------------------------------------------------
    def _ask(self, name, rdtype):
        return self._exchange(dns.message.make_query(name, rdtype))

    def _send(self, update, zone):
        try:
            response = self._exchange(update)
        except dns.tsig.PeerError as error:
            raise NotAuthorised('The DNS server %s did not accept the TSIG key %s (%s): its name, '
                                'algorithm or secret differs from the server\'s, or the clocks differ.' % (
                                    self.server.address, self.server.key_name, tsig_error_name(error)))
        rcode = response.rcode()
        if rcode == dns.rcode.NOERROR:
            return
        if rcode == dns.rcode.REFUSED:
            raise UpdateRefused('The DNS server %s refused to let key %s change zone %s.' % (
                self.server.address, self.server.key_name, text(zone)))
        if rcode == dns.rcode.NOTAUTH:
            raise NotAuthorised('The DNS server %s is not authoritative for zone %s or did not accept key %s.'
                                % (self.server.address, text(zone), self.server.key_name))
        failure = UpdateFailed('The DNS server %s answered %s to the update of zone %s.' % (
            self.server.address, dns.rcode.to_text(rcode), text(zone)))
        # SERVFAIL is the server's own trouble (a zone still loading, a full disk); the rest say
        # the update itself is wrong for it and will be answered the same way again.
        failure.transient = rcode == dns.rcode.SERVFAIL
        raise failure

    def _exchange(self, message):
        try:
            return dns.query.tcp(message, self.server.host, timeout=self.server.timeout, port=self.server.port)
        except dns.exception.Timeout:
            raise DnsServerUnreachable('The DNS server %s did not answer within %s seconds.' % (
                self.server.address, self.server.timeout))
        except (socket.error, EOFError) as error:
            raise DnsServerUnreachable('The DNS server %s could not be reached: %s.' % (
                self.server.address, getattr(error, 'strerror', None) or error or type(error).__name__))


def tsig_error_name(error):
    return {dns.tsig.PeerBadKey: 'BADKEY', dns.tsig.PeerBadSignature: 'BADSIG',
            dns.tsig.PeerBadTime: 'BADTIME', dns.tsig.PeerBadTruncation: 'BADTRUNC'}.get(type(error), 'TSIG error')
