"""sshd + nginx + Apache on loopback high ports, one SNI site per test domain."""
import base64
import datetime
import hashlib
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

SSHD = '/usr/sbin/sshd'
NGINX = '/usr/sbin/nginx'
APACHE = '/usr/sbin/apache2'
APACHE_MODULES = '/usr/lib/apache2/modules'
START_TIMEOUT = 20
SETTLED_HANDSHAKES = 5
LOOPBACK = '127.0.0.1'


def free_port():
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def wait_for_port(port, process, what):
    deadline = time.time() + START_TIMEOUT
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError('%s exited with %s before listening' % (what, process.returncode))
        try:
            socket.create_connection((LOOPBACK, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError('%s did not listen on %s:%s within %ss' % (what, LOOPBACK, port, START_TIMEOUT))


def self_signed_pair(common_name, issuer_name='Rig Original Certificate'):
    """(certificate PEM, key PEM): what a site served before anything was installed."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.utcnow()
    certificate = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
                   .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
                   .public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=30))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
                   .sign(key, hashes.SHA256()))
    return (certificate.public_bytes(serialization.Encoding.PEM).decode('ascii'),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode('ascii'))


def openssh_key_pair():
    """(private key in OpenSSH format, public key line)."""
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption()).decode('ascii')
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode('ascii')
    return private, public


def openssh_fingerprint(public_key_line):
    """ssh-keygen -l's SHA256:<base64 without padding> of an OpenSSH public key line."""
    digest = hashlib.sha256(base64.b64decode(public_key_line.split()[1])).digest()
    return 'SHA256:' + base64.b64encode(digest).decode('ascii').rstrip('=')


def write(path, text, mode=0o644):
    with open(path, 'w') as handle:
        handle.write(text)
    os.chmod(path, mode)


class WebServerRig(object):
    """Start with `start()`, stop with `stop()`. `add_site(domain)` gives nginx and Apache an SNI
    site for `domain` serving a self-signed 'original' certificate; `target_values(kind)` are the
    values of a deployment target that reaches them, its host key pinned."""

    def __init__(self, folder=None, ssh_port=None, nginx_port=None, apache_port=None):
        self.folder = folder or tempfile.mkdtemp(prefix='comodo-webservers-')
        self.user = os.environ.get('USER') or subprocess.check_output(['id', '-un']).decode().strip()
        self.client_key, self.client_public_key = openssh_key_pair()
        # The server's own key, known to the rig: what a person confirms before pinning it.
        self.host_key, host_public_key = openssh_key_pair()
        self.host_fingerprint = openssh_fingerprint(host_public_key)
        self.ssh_port = ssh_port or free_port()
        self.nginx_port = nginx_port or free_port()
        self.apache_port = apache_port or free_port()
        self._sshd = None
        self.sites = set()

    # -- paths ----------------------------------------------------------------------------------
    def path(self, *parts):
        return os.path.join(self.folder, *parts)

    def certificate_folder(self, kind):
        return self.path(kind, 'certs')

    def check_port(self, kind):
        return self.nginx_port if kind == 'nginx' else self.apache_port

    def commands(self, kind):
        """(config test, reload) naming the rig's own configuration files."""
        if kind == 'nginx':
            base = '%s -c %s' % (NGINX, self.path('nginx', 'nginx.conf'))
            return base + ' -t', base + ' -s reload'
        base = '%s -d %s -f %s' % (APACHE, self.path('apache'), self.path('apache', 'apache2.conf'))
        return base + ' -t', base + ' -k graceful'

    def target_values(self, kind):
        test_command, reload_command = self.commands(kind)
        return {
            'host': LOOPBACK, 'port': self.ssh_port, 'user': self.user,
            'private_key_pem': self.client_key, 'host_fingerprint': self.host_fingerprint, 'kind': kind,
            'certificate_folder': self.certificate_folder(kind),
            'test_command': test_command, 'reload_command': reload_command,
            'check_host': LOOPBACK, 'check_port': self.check_port(kind),
        }

    # -- life -----------------------------------------------------------------------------------
    def start(self):
        for kind in ('nginx', 'apache'):
            os.makedirs(self.certificate_folder(kind), exist_ok=True)
            os.makedirs(self.path(kind, 'sites'))
            os.makedirs(self.path(kind, 'logs'))
        # One default site each, so both start before any test adds its own.
        self._write_pair('nginx', 'default.rig.test')
        self._write_pair('apache', 'default.rig.test')
        self._write_nginx_conf()
        self._write_apache_conf()
        self._start_sshd()
        self._run(self.commands('nginx')[0].replace(' -t', ''), 'nginx')
        wait_for_port(self.nginx_port, None, 'nginx')
        self._run('%s -d %s -f %s -k start' % (APACHE, self.path('apache'), self.path('apache', 'apache2.conf')), 'apache')
        wait_for_port(self.apache_port, None, 'Apache')
        return self

    def stop(self):
        self._signal_pid(self.path('nginx', 'nginx.pid'))
        self._signal_pid(self.path('apache', 'apache2.pid'))
        if self._sshd is not None:
            self._sshd.terminate()
            self._sshd.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)

    def add_site(self, domain, subfolder=''):
        """nginx and Apache serve `domain` (SNI) with a self-signed original certificate; returns
        {kind: original certificate PEM}. The files are in `subfolder` of each server's certificate
        folder (a customer's own folder, e.g. customer-7), where the site's configuration names them."""
        originals = {}
        for kind in ('nginx', 'apache'):
            originals[kind] = self._write_pair(kind, domain, subfolder)
        write(self.path('nginx', 'sites', domain + '.conf'), NGINX_SITE % {
            'port': self.nginx_port, 'domain': domain,
            'certs': os.path.join(self.certificate_folder('nginx'), subfolder).rstrip('/')})
        write(self.path('apache', 'sites', domain + '.conf'), APACHE_SITE % {
            'port': self.apache_port, 'domain': domain,
            'certs': os.path.join(self.certificate_folder('apache'), subfolder).rstrip('/')})
        self.reload()
        for kind, certificate in originals.items():
            self._wait_until_served(kind, domain, certificate)
        self.sites.add(domain)
        return originals

    def reload(self, *kinds):
        """Reloads the servers named in `kinds` ('nginx', 'apache'), both if none is named."""
        for kind in kinds or ('nginx', 'apache'):
            self._run(self.commands(kind)[1], kind)

    def served_sha256(self, kind, domain, port=None):
        """SHA-256 of the leaf the server presents for `domain` (SNI) on its port or on `port`."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with socket.create_connection((LOOPBACK, port or self.check_port(kind)), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=domain) as tls:
                return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()

    def _wait_until_served(self, kind, domain, certificate_pem):
        """After a reload the old workers answer for a moment: wait until the new site's
        certificate is served several times in a row, so tests start from a settled server."""
        der = x509.load_pem_x509_certificate(certificate_pem.encode()).public_bytes(serialization.Encoding.DER)
        expected = hashlib.sha256(der).hexdigest()
        deadline = time.time() + START_TIMEOUT
        in_a_row = 0
        while in_a_row < SETTLED_HANDSHAKES:
            if time.time() > deadline:
                raise RuntimeError('%s did not serve %s within %ss' % (kind, domain, START_TIMEOUT))
            in_a_row = in_a_row + 1 if self.served_sha256(kind, domain) == expected else 0
            time.sleep(0.05)

    def file_mode(self, kind, name):
        return os.stat(os.path.join(self.certificate_folder(kind), name)).st_mode & 0o777

    def read(self, kind, name):
        with open(os.path.join(self.certificate_folder(kind), name)) as handle:
            return handle.read()

    def sshd_log(self):
        with open(self.path('sshd.log')) as handle:
            return handle.read()

    # -- helpers --------------------------------------------------------------------------------
    def _write_pair(self, kind, domain, subfolder=''):
        certificate, key = self_signed_pair(domain)
        folder = os.path.join(self.certificate_folder(kind), subfolder)
        os.makedirs(folder, exist_ok=True)
        write(os.path.join(folder, domain + '.fullchain.pem'), certificate)
        write(os.path.join(folder, domain + '.key'), key, 0o600)
        return certificate

    def _write_nginx_conf(self):
        write(self.path('nginx', 'nginx.conf'), NGINX_CONF % {
            'folder': self.path('nginx'), 'port': self.nginx_port,
            'certs': self.certificate_folder('nginx')})

    def _write_apache_conf(self):
        write(self.path('apache', 'apache2.conf'), APACHE_CONF % {
            'folder': self.path('apache'), 'port': self.apache_port, 'modules': APACHE_MODULES,
            'certs': self.certificate_folder('apache')})

    def _start_sshd(self):
        write(self.path('ssh_host_ed25519_key'), self.host_key, 0o600)
        write(self.path('authorized_keys'), self.client_public_key + '\n', 0o600)
        write(self.path('sshd_config'), SSHD_CONF % {
            'port': self.ssh_port, 'folder': self.folder, 'user': self.user})
        # sshd insists on its privilege-separation folder even when it lets in only its own user.
        os.makedirs('/run/sshd', mode=0o755, exist_ok=True)
        log = open(self.path('sshd.log'), 'w')
        self._sshd = subprocess.Popen([SSHD, '-D', '-e', '-f', self.path('sshd_config')],
                                      stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for_port(self.ssh_port, self._sshd, 'sshd')

    def _run(self, command, what):
        result = subprocess.run(command, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if result.returncode != 0:
            raise RuntimeError('%s: %r failed: %s' % (what, command, result.stdout.decode(errors='replace')))

    def _signal_pid(self, pid_file):
        try:
            with open(pid_file) as handle:
                pid = int(handle.read().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, 15)
        except ProcessLookupError:
            return
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


SSHD_CONF = """\
Port %(port)s
ListenAddress 127.0.0.1
HostKey %(folder)s/ssh_host_ed25519_key
PidFile %(folder)s/sshd.pid
AuthorizedKeysFile %(folder)s/authorized_keys
AllowUsers %(user)s
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp -u 0022
LogLevel INFO
"""

NGINX_CONF = """\
pid %(folder)s/nginx.pid;
error_log %(folder)s/logs/error.log;
worker_processes 1;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %(folder)s/tmp_body;
    proxy_temp_path %(folder)s/tmp_proxy;
    fastcgi_temp_path %(folder)s/tmp_fastcgi;
    uwsgi_temp_path %(folder)s/tmp_uwsgi;
    scgi_temp_path %(folder)s/tmp_scgi;
    server {
        listen 127.0.0.1:%(port)s ssl default_server;
        server_name default.rig.test;
        ssl_certificate %(certs)s/default.rig.test.fullchain.pem;
        ssl_certificate_key %(certs)s/default.rig.test.key;
        return 200 "default\\n";
    }
    include %(folder)s/sites/*.conf;
}
"""

NGINX_SITE = """\
server {
    listen 127.0.0.1:%(port)s ssl;
    server_name %(domain)s;
    ssl_certificate %(certs)s/%(domain)s.fullchain.pem;
    ssl_certificate_key %(certs)s/%(domain)s.key;
    return 200 "%(domain)s\\n";
}
"""

APACHE_CONF = """\
ServerRoot %(folder)s
ServerName default.rig.test
PidFile %(folder)s/apache2.pid
DefaultRuntimeDir %(folder)s
Mutex file:%(folder)s default
ErrorLog %(folder)s/logs/error.log
LogLevel warn
LoadModule mpm_event_module %(modules)s/mod_mpm_event.so
LoadModule authz_core_module %(modules)s/mod_authz_core.so
LoadModule socache_shmcb_module %(modules)s/mod_socache_shmcb.so
LoadModule ssl_module %(modules)s/mod_ssl.so
User www-data
Group www-data
StartServers 1
ServerLimit 1
ThreadsPerChild 4
MaxRequestWorkers 4
Listen 127.0.0.1:%(port)s
SSLSessionCache none
DocumentRoot %(folder)s
<VirtualHost 127.0.0.1:%(port)s>
    ServerName default.rig.test
    SSLEngine on
    SSLCertificateFile %(certs)s/default.rig.test.fullchain.pem
    SSLCertificateKeyFile %(certs)s/default.rig.test.key
</VirtualHost>
IncludeOptional %(folder)s/sites/*.conf
"""

APACHE_SITE = """\
<VirtualHost 127.0.0.1:%(port)s>
    ServerName %(domain)s
    SSLEngine on
    SSLCertificateFile %(certs)s/%(domain)s.fullchain.pem
    SSLCertificateKeyFile %(certs)s/%(domain)s.key
</VirtualHost>
"""

_shared = None


def shared_rig():
    """The test process's rig, started on first use."""
    global _shared
    if _shared is None:
        _shared = WebServerRig().start()
    return _shared


def stop_shared_rig():
    global _shared
    if _shared is not None:
        _shared.stop()
        _shared = None
