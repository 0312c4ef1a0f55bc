"""Name-based sites on the rig's nginx that serve a document root each over plain HTTP and HTTPS, on
two ports of their own standing for a customer's ports 80 and 443: what a CA fetches
`/.well-known/pki-validation/` files from (a CA's or pre-flight's port map sends 80 and 443 here)."""
import os
import shutil
import ssl
import tempfile
import time
import warnings

import requests
import urllib3

from .rig import LOOPBACK, START_TIMEOUT, free_port, wait_for_port, write

SETTLED_ANSWERS = 3
# Every answer of a site names it, so a reload can be waited for without a file in its document root.
SITE_HEADER = 'X-Rig-Site'
PROBE_PATH = '/.rig-site-probe'


class DocumentRootSites(object):
    """`add(domain)` makes nginx serve `domain`'s document root on `http_port` and `https_port` (TLS
    with the domain's certificate from the rig's nginx certificate folder, the same files `add_site`
    and an installer use); a name without a site answers 404 there. `remove(domain)` takes the site
    away; `close()` takes every site away and deletes the document roots this object made."""

    def __init__(self, rig, http_port=None, https_port=None, folder=None):
        self.rig = rig
        self.http_port = http_port or free_port()
        self.https_port = https_port or free_port()
        self._own_folder = folder is None
        self.folder = folder or tempfile.mkdtemp(prefix='comodo-document-roots-')
        # nginx's workers are not root when the rig runs as root: document roots must be readable.
        make_readable_folder(self.folder)
        os.chmod(self.folder, 0o755)
        self.roots = {}
        certificates = rig.certificate_folder('nginx')
        self._write_config('default', DEFAULT_SITE % {
            'http_port': self.http_port, 'https_port': self.https_port,
            'certificate': os.path.join(certificates, 'default.rig.test.fullchain.pem'),
            'key': os.path.join(certificates, 'default.rig.test.key')})
        self.rig.reload('nginx')
        for port in (self.http_port, self.https_port):
            wait_for_port(port, None, 'nginx')

    @property
    def port_map(self):
        """{80: port, 443: port}: where a CA's fetch of the customer's ports goes (a new dict each
        time, for callers that change theirs)."""
        return {80: self.http_port, 443: self.https_port}

    @property
    def port_map_option(self):
        """The port map as the sandbox CA's --port-map value."""
        return ','.join('%d=%d' % pair for pair in sorted(self.port_map.items()))

    def add(self, domain, files=None, redirects=(), document_root=None, subfolder=''):
        """Serves `domain` from its document root holding `files` ({URL path: text}); every path
        under a prefix in `redirects` answers 301 to the same URL in https, as on a site that sends
        HTTP to HTTPS. The document root is `document_root` (made if missing) or a new folder under
        `folder`. The certificate is the domain's pair in `subfolder` of the nginx certificate
        folder, where `add_site` and an installer put it (a self-signed one if there is none yet).
        Returns the document root."""
        root = document_root or os.path.join(self.folder, domain)
        make_readable_folder(root)
        for path, text in (files or {}).items():
            self.publish(domain, path, text, root)
        certificates = os.path.join(self.rig.certificate_folder('nginx'), subfolder).rstrip('/')
        if not os.path.exists(os.path.join(certificates, domain + '.fullchain.pem')):
            self.rig._write_pair('nginx', domain, subfolder)
        self._write_config(domain, SITE % {
            'http_port': self.http_port, 'https_port': self.https_port, 'domain': domain, 'root': root,
            'certificate': os.path.join(certificates, domain + '.fullchain.pem'),
            'key': os.path.join(certificates, domain + '.key'), 'header': SITE_HEADER,
            'redirects': ''.join(REDIRECT % {'prefix': prefix} for prefix in redirects)})
        self.rig.reload('nginx')
        self.roots[domain] = root
        self._wait_until(domain, served=True)
        return root

    def remove(self, domain):
        """nginx no longer serves `domain` here (its document root stays)."""
        os.remove(self._config_path(domain))
        del self.roots[domain]
        self.rig.reload('nginx')
        self._wait_until(domain, served=False)

    def publish(self, domain, path, text, root=None):
        """Writes `text` at URL `path` of `domain`'s document root, readable by nginx."""
        target = (root or self.roots[domain]) + path
        make_readable_folder(os.path.dirname(target))
        write(target, text)

    def fetch(self, domain, path, scheme='http'):
        """GET `path` from `domain` here (Host and SNI are the domain), no redirect followed."""
        session = requests.Session()
        session.mount('https://', _SniAdapter(domain))
        port = self.http_port if scheme == 'http' else self.https_port
        try:
            with warnings.catch_warnings():
                # The rig's certificates are self-signed: what is served, not who signed it, counts.
                warnings.simplefilter('ignore', urllib3.exceptions.InsecureRequestWarning)
                return session.get('%s://%s:%d%s' % (scheme, LOOPBACK, port, path), headers={'Host': domain},
                                   allow_redirects=False, verify=False, timeout=10)
        finally:
            session.close()

    def close(self):
        """Takes the sites away (unless the rig stopped first, its configuration with it)."""
        if os.path.isdir(self.rig.path('nginx', 'sites')):
            for domain in list(self.roots):
                os.remove(self._config_path(domain))
            os.remove(self._config_path('default'))
            self.rig.reload('nginx')
        self.roots.clear()
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    # -- helpers --------------------------------------------------------------------------------
    def _config_path(self, name):
        return self.rig.path('nginx', 'sites', 'document-root-%d-%s.conf' % (self.http_port, name))

    def _write_config(self, name, text):
        write(self._config_path(name), text)

    def _wait_until(self, domain, served):
        """After a reload the old workers answer for a moment: wait until both ports answer as the
        new configuration says, several times in a row."""
        deadline = time.time() + START_TIMEOUT
        in_a_row = 0
        while in_a_row < SETTLED_ANSWERS:
            if time.time() > deadline:
                raise RuntimeError('nginx did not %s %s on ports %d and %d within %ss' % (
                    'serve' if served else 'stop serving', domain, self.http_port, self.https_port,
                    START_TIMEOUT))
            in_a_row = in_a_row + 1 if all(self._answers_as_site(domain, scheme) == served
                                           for scheme in ('http', 'https')) else 0
            time.sleep(0.05)

    def _answers_as_site(self, domain, scheme):
        try:
            return self.fetch(domain, PROBE_PATH, scheme).headers.get(SITE_HEADER) == domain
        except requests.RequestException:
            return None


class _SniAdapter(requests.adapters.HTTPAdapter):
    """Sends `domain` as the TLS server name while connecting to the loopback address."""

    def __init__(self, domain):
        self.domain = domain
        super(_SniAdapter, self).__init__()

    def init_poolmanager(self, *args, **kwargs):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        kwargs.update(ssl_context=context, server_hostname=self.domain)
        super(_SniAdapter, self).init_poolmanager(*args, **kwargs)


def make_readable_folder(path):
    """`path` and the folders made for it are 0755 (nginx's workers may be another user)."""
    missing = []
    while not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for folder in reversed(missing):
        os.mkdir(folder)
        os.chmod(folder, 0o755)


DEFAULT_SITE = """\
server {
    listen 127.0.0.1:%(http_port)s default_server;
    listen 127.0.0.1:%(https_port)s ssl default_server;
    ssl_certificate %(certificate)s;
    ssl_certificate_key %(key)s;
    return 404;
}
"""

SITE = """\
server {
    listen 127.0.0.1:%(http_port)s;
    listen 127.0.0.1:%(https_port)s ssl;
    server_name %(domain)s;
    ssl_certificate %(certificate)s;
    ssl_certificate_key %(key)s;
    root %(root)s;
    default_type text/plain;
    add_header %(header)s $server_name always;
%(redirects)s}
"""

REDIRECT = """\
    location ^~ %(prefix)s { return 301 https://$host$request_uri; }
"""
