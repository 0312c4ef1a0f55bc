"""Asking one DNS server, with short time-outs, and following CNAME chains as a resolver would."""
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver

MAX_CNAME_HOPS = 8


class DnsServerSilent(Exception):
    """No configured DNS server answered: every later DNS check would only wait for the same."""

    def __init__(self, servers):
        super(DnsServerSilent, self).__init__(servers)
        self.servers = servers

    def sentence(self):
        if not self.servers:
            return 'no DNS server is configured on this machine'
        if len(self.servers) == 1:
            return 'the DNS server %s does not answer' % self.servers[0]
        return 'none of the DNS servers %s answers' % ', '.join(self.servers)


class Lookup(object):
    """The outcome of one lookup: rcode, the RRset wanted (None if absent), its RRSIGs, and the
    name it was found at after following CNAMEs."""

    def __init__(self, rcode, rrset=None, rrsigs=None, owner=None, server=''):
        self.rcode = rcode
        self.rrset = rrset
        self.rrsigs = rrsigs
        self.owner = owner
        self.server = server

    @property
    def failed(self):
        return self.rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN)

    @property
    def rcode_text(self):
        return dns.rcode.to_text(self.rcode)


class DnsClient(object):
    def __init__(self, config):
        self.timeout = config.dns_timeout
        if config.dns_server:
            self.servers = [(config.dns_server, config.dns_port)]
        else:
            self.servers = _system_servers()

    def describe_servers(self):
        return ['%s:%s' % server for server in self.servers]

    def ask(self, name, rdtype, dnssec=False):
        """The server's response to one query (EDNS with the DO bit when dnssec is set)."""
        query = dns.message.make_query(_name(name), rdtype, want_dnssec=dnssec)
        if dnssec:
            # Checking disabled: a validating resolver would hide a broken chain behind SERVFAIL;
            # this module validates itself, to name what is broken.
            query.flags |= dns.flags.CD
        for address, port in self.servers:
            try:
                response = dns.query.udp(query, address, port=port, timeout=self.timeout)
                if response.flags & dns.flags.TC:
                    response = dns.query.tcp(query, address, port=port, timeout=self.timeout)
                return response, '%s:%s' % (address, port)
            except (dns.exception.Timeout, dns.exception.FormError, dns.query.BadResponse, OSError):
                continue
        raise DnsServerSilent(self.describe_servers())

    def lookup(self, name, rdtype, dnssec=False):
        """Lookup of name/rdtype, CNAMEs followed (within the answer and by asking again)."""
        owner = _name(name)
        rdtype = dns.rdatatype.RdataType.make(rdtype)
        server = self.describe_servers()[0] if self.servers else ''
        for _hop in range(MAX_CNAME_HOPS):
            response, server = self.ask(owner, rdtype, dnssec)
            if response.rcode() != dns.rcode.NOERROR:
                return Lookup(response.rcode(), owner=owner, server=server)
            end, rrset, rrsigs = _follow_answer(response, owner, rdtype)
            if rrset is not None or end == owner:
                return Lookup(dns.rcode.NOERROR, rrset, rrsigs, end, server)
            # An authoritative server stops at a CNAME leading out of its zones: ask for its end.
            owner = end
        # A CNAME loop, or a chain longer than any resolver follows.
        return Lookup(dns.rcode.SERVFAIL, owner=owner, server=server)


def _follow_answer(response, owner, rdtype):
    """(last owner reached, RRset of rdtype there or None, its RRSIG RRset or None)."""
    for _hop in range(MAX_CNAME_HOPS):
        rrset = _find(response, owner, rdtype)
        if rrset is not None:
            return owner, rrset, _find(response, owner, dns.rdatatype.RRSIG, rdtype)
        cname = _find(response, owner, dns.rdatatype.CNAME)
        if cname is None or rdtype == dns.rdatatype.CNAME:
            return owner, None, None
        owner = cname[0].target
    return owner, None, None


def _find(response, owner, rdtype, covers=dns.rdatatype.NONE):
    try:
        return response.find_rrset(response.answer, owner, dns.rdataclass.IN, rdtype, covers)
    except KeyError:
        return None


def _name(name):
    return name if isinstance(name, dns.name.Name) else dns.name.from_text(name)


def _system_servers():
    try:
        return [(address, 53) for address in dns.resolver.Resolver().nameservers]
    except dns.resolver.NoResolverConfiguration:
        return []
