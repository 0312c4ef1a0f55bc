"""Debian's bind9 (`named`) on a loopback high port: authoritative only, its zones changed by
RFC 2136 updates signed with a TSIG key made for this run and refused without it."""
import base64
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import dns.dnssec
import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.update

NAMED = '/usr/sbin/named'
LOOPBACK = '127.0.0.1'
START_TIMEOUT = 30
QUERY_TIMEOUT = 5
TTL = 60
KEY_NAME = 'dns-rig-key.'
KEY_ALGORITHM = 'hmac-sha256'
# named drops root to this user (Debian's bind9 package makes it); run as anyone else it stays who it is.
NAMED_USER = 'bind'

# Unsigned zones the tests make their names in.
TEST_ZONES = ('example.test',)
# DNSSEC: the signed parent (its keys are the validator's trust anchor) and three children: signed
# with its DS in the parent, signed under a DS that matches none of its keys, and unsigned (no DS).
SIGNED_PARENT = 'dnssec.test'
SIGNED_ZONE = 'signed.dnssec.test'
BROKEN_ZONE = 'broken.dnssec.test'
INSECURE_ZONE = 'insecure.dnssec.test'
SIGNED_ZONES = (SIGNED_PARENT, SIGNED_ZONE, BROKEN_ZONE)
DNSSEC_ZONES = SIGNED_ZONES + (INSECURE_ZONE,)
NAME_SERVER = 'ns.%s' % SIGNED_PARENT


class DnsRigError(RuntimeError):
    """The rig's server did not start or refused the rig's own change."""


def free_port():
    """A port free for both UDP and TCP on the loopback address."""
    while True:
        with socket.socket() as tcp:
            tcp.bind((LOOPBACK, 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((LOOPBACK, port))
                except OSError:
                    continue
            return port


def absolute(name):
    return dns.name.from_text(name)


def write(path, text, mode=0o644):
    with open(path, 'w') as handle:
        handle.write(text)
    os.chmod(path, mode)


class DnsRig(object):
    """`start()` / `stop()`. Holds TEST_ZONES, the DNSSEC zones and `extra_zones` (each with an
    A record per name in `addresses`: {name: address}). `server_values()` is what a DNS server
    record holds to reach it; `set_records` / `delete_name` change a name with the run's key."""

    def __init__(self, folder=None, port=None, extra_zones=(), addresses=None):
        self.folder = folder
        self.host = LOOPBACK
        self.port = port or free_port()
        self.key_name = KEY_NAME
        self.key_algorithm = KEY_ALGORITHM
        self.key_secret = base64.b64encode(os.urandom(32)).decode('ascii')
        self.extra_zones = tuple(extra_zones)
        self.addresses = dict(addresses or {})
        self._named = None

    # -- what others need to reach it -----------------------------------------------------------
    @property
    def zones(self):
        return TEST_ZONES + DNSSEC_ZONES + self.extra_zones

    def server_values(self):
        """A DNS server as the hosting company records it: address, port and the TSIG key."""
        return {'host': self.host, 'port': self.port, 'key_name': self.key_name,
                'key_algorithm': self.key_algorithm, 'key_secret': self.key_secret}

    def tsig_key(self):
        return dns.tsig.Key(self.key_name, self.key_secret, self.key_algorithm)

    def new_name(self, zone=TEST_ZONES[0]):
        """A name no other test uses, in `zone`."""
        return 't-%s.%s' % (uuid.uuid4().hex[:12], zone)

    def path(self, *parts):
        return os.path.join(self.folder, *parts)

    # -- life -----------------------------------------------------------------------------------
    def start(self):
        if not os.path.exists(NAMED):
            raise DnsRigError('%s is missing: run `make webservers` (it installs the bind9 package).' % NAMED)
        self.folder = self.folder or tempfile.mkdtemp(prefix='comodo-dns-')
        for sub in ('zones', 'keys'):
            os.makedirs(self.path(sub), exist_ok=True)
        for zone in self.zones:
            write(self.path('zones', zone + '.db'), self._zone_text(zone))
        write(self.path('named.conf'), self._named_conf(), 0o640)
        command = [NAMED, '-f', '-4', '-n', '1', '-c', self.path('named.conf')]
        if os.geteuid() == 0:
            self._hand_folder_to(NAMED_USER)
            command += ['-u', NAMED_USER]
        log = open(self.path('named.out'), 'w')
        self._named = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        try:
            self._wait_until_serving()
            self._publish_dnssec_delegations()
        except Exception:
            self.stop()
            raise
        return self

    def stop(self):
        if self._named is not None and self._named.poll() is None:
            self._named.terminate()
            try:
                self._named.wait(15)
            except subprocess.TimeoutExpired:
                self._named.kill()
                self._named.wait(5)
        self._named = None
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def log_text(self):
        with open(self.path('named.log')) as handle:
            return handle.read()

    # -- queries and changes --------------------------------------------------------------------
    def query(self, name, rdtype, timeout=QUERY_TIMEOUT):
        """The server's answer message to `rdtype` at `name` (asking for DNSSEC records too)."""
        message = dns.message.make_query(name, rdtype, want_dnssec=True)
        return dns.query.tcp(message, self.host, timeout=timeout, port=self.port)

    def records(self, name, rdtype):
        """The values of `rdtype` at `name` as text (an empty list when there are none)."""
        answer = self.query(name, rdtype)
        rrset = answer.get_rrset(answer.answer, absolute(name), dns.rdataclass.IN,
                                 dns.rdatatype.from_text(rdtype))
        return sorted(rdata.to_text() for rdata in rrset) if rrset else []

    def set_records(self, name, rdtype, values, ttl=TTL, zone=None):
        """`name` holds exactly `values` (text, e.g. '0 issue "sectigo.com"') of `rdtype`, in
        `zone` (by default the rig's zone that holds `name`; a DS goes in the parent's)."""
        update = self._update(name, zone)
        update.replace(absolute(name), ttl, rdtype, *values)
        self._send(update)

    def set_address(self, name, address=LOOPBACK):
        self.set_records(name, 'A', [address])

    def set_caa(self, name, *values):
        """e.g. set_caa(name, '0 issue "sectigo.com"', '0 issuewild ";"')."""
        self.set_records(name, 'CAA', values)

    def delete_name(self, name):
        """Every record at `name`."""
        update = self._update(name)
        update.delete(absolute(name))
        self._send(update)

    def zone_of(self, name):
        """The rig's zone holding `name`: the longest zone name it ends with."""
        candidates = [zone for zone in self.zones
                      if absolute(name).is_subdomain(absolute(zone))]
        if not candidates:
            raise DnsRigError('%s is in none of the rig\'s zones (%s)' % (name, ', '.join(self.zones)))
        return max(candidates, key=len)

    def trust_anchor(self):
        """The DNSKEY RRset of SIGNED_PARENT: what a validator trusts to check the chain below it."""
        answer = self.query(SIGNED_PARENT, 'DNSKEY')
        return answer.find_rrset(answer.answer, absolute(SIGNED_PARENT), dns.rdataclass.IN,
                                 dns.rdatatype.DNSKEY)

    def _update(self, name, zone=None):
        return dns.update.UpdateMessage(zone or self.zone_of(name), keyring=self.tsig_key())

    def _send(self, update):
        response = dns.query.tcp(update, self.host, timeout=QUERY_TIMEOUT, port=self.port)
        if response.rcode() != dns.rcode.NOERROR:
            raise DnsRigError('the rig refused its own update (%s): %s' % (
                dns.rcode.to_text(response.rcode()), update.to_text()))

    # -- start-up -------------------------------------------------------------------------------
    def _hand_folder_to(self, user):
        entry = pwd.getpwnam(user)
        for folder, dirs, files in os.walk(self.folder):
            os.chown(folder, entry.pw_uid, entry.pw_gid)
            for name in files:
                os.chown(os.path.join(folder, name), entry.pw_uid, entry.pw_gid)

    def _wait_until_serving(self):
        """Every zone answers authoritatively, and every signed zone is signed (named signs after
        loading, in the background)."""
        deadline = time.time() + START_TIMEOUT
        pending = list(self.zones)
        while pending:
            if self._named.poll() is not None:
                raise DnsRigError('named exited with %s: %s' % (self._named.returncode, self._output()))
            if time.time() > deadline:
                raise DnsRigError('named did not serve %s within %ss: %s' % (
                    ', '.join(pending), START_TIMEOUT, self._output()))
            pending = [zone for zone in pending if not self._serves(zone)]
            if pending:
                time.sleep(0.2)

    def _serves(self, zone):
        try:
            answer = self.query(zone, 'SOA' if zone not in SIGNED_ZONES else 'DNSKEY', timeout=1)
        except (OSError, dns.exception.DNSException):
            return False
        if zone not in SIGNED_ZONES:
            return answer.rcode() == dns.rcode.NOERROR and bool(answer.answer)
        return any(rrset.rdtype == dns.rdatatype.RRSIG for rrset in answer.answer)

    def _publish_dnssec_delegations(self):
        """The parent holds the signed child's DS, and for the broken child the DS of a key it
        does not have (what a registrar left behind after the zone's keys changed)."""
        self.set_records(SIGNED_ZONE, 'DS', [self._ds_of(SIGNED_ZONE).to_text()], zone=SIGNED_PARENT)
        stale_key = dns.dnssec.make_dnskey(self._unused_public_key(), dns.dnssec.Algorithm.ECDSAP256SHA256,
                                           flags=257)
        stale_ds = dns.dnssec.make_ds(absolute(BROKEN_ZONE), stale_key, 'SHA256')
        self.set_records(BROKEN_ZONE, 'DS', [stale_ds.to_text()], zone=SIGNED_PARENT)
        self._wait_until_signed(SIGNED_ZONE, 'DS')
        self._wait_until_signed(BROKEN_ZONE, 'DS')

    def _ds_of(self, zone):
        answer = self.query(zone, 'DNSKEY')
        keys = answer.find_rrset(answer.answer, absolute(zone), dns.rdataclass.IN, dns.rdatatype.DNSKEY)
        secure_entry = [key for key in keys if key.flags & 0x0001]
        return dns.dnssec.make_ds(absolute(zone), secure_entry[0], 'SHA256')

    @staticmethod
    def _unused_public_key():
        from cryptography.hazmat.primitives.asymmetric import ec
        return ec.generate_private_key(ec.SECP256R1()).public_key()

    def _wait_until_signed(self, name, rdtype):
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            answer = self.query(name, rdtype)
            if any(rrset.rdtype == dns.rdatatype.RRSIG for rrset in answer.answer):
                return
            time.sleep(0.1)
        raise DnsRigError('named did not sign %s %s within %ss' % (name, rdtype, START_TIMEOUT))

    def _output(self):
        texts = []
        for name in ('named.out', 'named.log'):
            try:
                with open(self.path(name)) as handle:
                    texts.append(handle.read()[-3000:])
            except OSError:
                pass
        return '\n'.join(texts)

    # -- configuration --------------------------------------------------------------------------
    def _named_conf(self):
        zones = ''.join(ZONE_CONF % {
            'zone': zone, 'key': self.key_name,
            'policy': '    dnssec-policy "rig";\n' if zone in SIGNED_ZONES else ''} for zone in self.zones)
        return NAMED_CONF % {'folder': self.folder, 'port': self.port, 'key': self.key_name,
                             'algorithm': self.key_algorithm, 'secret': self.key_secret} + zones

    def _zone_text(self, zone):
        lines = [ZONE_HEAD % {'zone': zone, 'ns': NAME_SERVER, 'ttl': TTL}]
        if zone == SIGNED_PARENT:
            lines.append('ns A %s' % LOOPBACK)
            for child in (SIGNED_ZONE, BROKEN_ZONE, INSECURE_ZONE):
                lines.append('%s. NS %s.' % (child, NAME_SERVER))
        for name, address in sorted(self.addresses.items()):
            if self.zone_of(name) == zone:
                lines.append('%s. A %s' % (name, address))
        return '\n'.join(lines) + '\n'


NAMED_CONF = """\
options {
    directory "%(folder)s";
    pid-file "%(folder)s/named.pid";
    session-keyfile "%(folder)s/session.key";
    managed-keys-directory "%(folder)s/keys";
    key-directory "%(folder)s/keys";
    listen-on port %(port)s { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    allow-transfer { none; };
    notify no;
    dnssec-validation no;
};
// No rndc: the rig changes zones by dynamic update only.
controls { };
logging {
    channel rig { file "%(folder)s/named.log"; severity info; print-time yes; };
    category default { rig; };
    category update { rig; };
    category update-security { rig; };
    category dnssec { rig; };
};
key "%(key)s" {
    algorithm %(algorithm)s;
    secret "%(secret)s";
};
dnssec-policy "rig" {
    keys { csk lifetime unlimited algorithm ecdsap256sha256; };
};
"""

ZONE_CONF = """\
zone "%(zone)s" {
    type primary;
    file "zones/%(zone)s.db";
    allow-update { key "%(key)s"; };
%(policy)s};
"""

ZONE_HEAD = """\
$ORIGIN %(zone)s.
$TTL %(ttl)s
@ SOA %(ns)s. hostmaster.%(zone)s. 1 3600 600 86400 %(ttl)s
@ NS %(ns)s."""

_shared = None


def shared_dns_rig():
    """The test process's DNS server, started on first use."""
    global _shared
    if _shared is None:
        _shared = DnsRig().start()
    return _shared


def stop_shared_dns_rig():
    global _shared
    if _shared is not None:
        _shared.stop()
        _shared = None
