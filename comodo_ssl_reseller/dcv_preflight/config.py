"""How the pre-flight reaches DNS and the web: which DNS server, which time-outs, which trust anchors."""
import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

# The root zone's key-signing keys as IANA publishes them (root-anchors.xml): KSK-2017 and KSK-2024,
# which signs the root since the 2026 roll-over. Both stay until IANA retires KSK-2017.
ROOT_TRUST_ANCHORS = {
    '.': (
        '20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D',
        '38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16',
    ),
}


class PreflightConfig(object):
    """dns_server: address of the DNS server to ask (None: the system resolver's servers, as in
    production), dns_port its port. dns_timeout and http_timeout are per query/request, in seconds:
    short, because a check that waits long only delays the answer it will give anyway.
    trust_anchors: {zone: (DS or DNSKEY record, as rdata or text, ...)} that DNSSEC chains must
    lead to (default: the root's).
    http_ports: {80: 18080, 443: 18443} sends the CA's standard ports elsewhere; only tests need it,
    since a real CA connects to 80 and 443 and nothing else."""

    def __init__(self, dns_server=None, dns_port=53, dns_timeout=2.0, http_timeout=5.0,
                 trust_anchors=None, http_ports=None):
        self.dns_server = dns_server
        self.dns_port = dns_port
        self.dns_timeout = dns_timeout
        self.http_timeout = http_timeout
        self.trust_anchors = parse_trust_anchors(ROOT_TRUST_ANCHORS if trust_anchors is None
                                                 else trust_anchors)
        self.http_ports = dict(http_ports or {})

    def http_port(self, standard_port):
        return self.http_ports.get(standard_port, standard_port)


def parse_trust_anchors(trust_anchors):
    """{zone name: [DS or DNSKEY rdata]}; ValueError naming the entry that is neither."""
    return {dns.name.from_text(zone): [_anchor_record(zone, record) for record in records]
            for zone, records in trust_anchors.items()}


def _anchor_record(zone, record):
    if not isinstance(record, str):
        return record
    for rdtype in (dns.rdatatype.DS, dns.rdatatype.DNSKEY):
        try:
            return dns.rdata.from_text(dns.rdataclass.IN, rdtype, record)
        except (dns.exception.DNSException, ValueError):
            continue
    raise ValueError('The trust anchor %r for %s is neither a DS nor a DNSKEY record.' % (record, zone))
