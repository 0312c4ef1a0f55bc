"""Testing a DNS server record before anything is published there: plain Python, no `odoo` import.

`check_server(server, zone)` proves, without changing the zone, that the server answers for `zone`
with authority and accepts the TSIG key for changes to it, and returns what it checked, one line
each. A failure is the DnsPublishError that publishing would meet there, with its one sentence."""
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.update

from .dns_publisher import CnamePublisher, absolute, text
from .errors import ZoneNotFound

# A name no one uses: the check's update holds only while nothing is there, and then removes the
# CNAME that is not there either, so the server accepts it and changes nothing.
PROBE_LABEL = '_comodo-connection-test'


def check_server(server, zone):
    """Lines saying what was proven; raises DnsPublishError (ZoneNotFound, NotAuthorised,
    UpdateRefused, DnsServerUnreachable, DnsServerSettingsInvalid, ...)."""
    key = server.tsig_key()
    publisher = CnamePublisher(server)
    wanted = absolute(zone)
    found = publisher.find_zone(zone)
    if found != wanted:
        raise ZoneNotFound('The DNS server %s is not authoritative for zone %s (its nearest zone is %s).' % (
            server.address, text(wanted), text(found) or '.'))
    lines = ['The DNS server %s answers for zone %s with authority (SOA serial %s).' % (
        server.address, text(wanted), soa_serial(publisher, wanted))]
    probe = dns.name.Name((PROBE_LABEL,)).concatenate(wanted)
    update = dns.update.UpdateMessage(wanted, keyring=key)
    update.absent(probe)
    update.delete(probe, dns.rdatatype.CNAME)
    publisher._send(update, wanted)
    lines.append('It accepts TSIG key %s (%s) for changes to zone %s: a signed update that changes '
                 'nothing was accepted.' % (server.key_name, server.key_algorithm, text(wanted)))
    return lines


def soa_serial(publisher, zone):
    answer = publisher._ask(zone, dns.rdatatype.SOA)
    rrset = answer.get_rrset(answer.answer, zone, dns.rdataclass.IN, dns.rdatatype.SOA)
    return rrset[0].serial if rrset else '?'
