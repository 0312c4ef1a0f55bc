"""Sites on the rig's nginx that serve a document root over plain HTTP and HTTPS on two ports of their
own, as a customer's web server serves `/.well-known/pki-validation/` to a CA (which the sandbox's
--port-map sends to these ports instead of 80 and 443)."""
import os
import shutil
import socket
import tempfile
import time

import requests

from webserver_rig.rig import free_port, write

READY_FILE = '/dcv-site-ready.txt'
SETTLED_ANSWERS = 5
START_TIMEOUT = 20


class DcvWebSites(object):

    def __init__(self, rig):
        self.rig = rig
        self.http_port = free_port()
        self.https_port = free_port()
        # nginx's workers run as another user when the rig runs as root: the roots must be readable.
        self.folder = tempfile.mkdtemp(prefix='comodo-dcv-roots-')
        os.chmod(self.folder, 0o755)
        self.domains = []

    @property
    def port_map(self):
        """The sandbox's --port-map value."""
        return '80=%d,443=%d' % (self.http_port, self.https_port)

    def document_root(self, domain):
        return os.path.join(self.folder, domain)

    def serve(self, domain, redirects=()):
        """nginx serves `domain`'s document root on both ports (HTTPS with the rig's self-signed
        certificate for it); every path under a prefix in `redirects` answers 301 to the same URL in
        https (the file is still there, as on a site that sends all of HTTP to HTTPS)."""
        self.rig.add_site(domain)
        root = self.document_root(domain)
        os.makedirs(os.path.join(root, '.well-known', 'pki-validation'), exist_ok=True)
        for folder in (root, os.path.join(root, '.well-known'), os.path.join(root, '.well-known', 'pki-validation')):
            os.chmod(folder, 0o755)
        write(root + READY_FILE, domain)
        certificates = self.rig.certificate_folder('nginx')
        redirect_blocks = ''.join('    location ^~ %s { return 301 https://%s$request_uri; }\n' % (prefix, domain)
                                  for prefix in redirects)
        write(self.rig.path('nginx', 'sites', 'dcv-%s.conf' % domain), SITE % {
            'http_port': self.http_port, 'https_port': self.https_port, 'domain': domain, 'root': root,
            'certificate': os.path.join(certificates, domain + '.fullchain.pem'),
            'key': os.path.join(certificates, domain + '.key'), 'redirects': redirect_blocks})
        self.rig.reload()
        self._wait_until_served(domain)
        self.domains.append(domain)

    def publish(self, domain, path, body):
        """Writes the file at `path` (URL path) under `domain`'s document root."""
        target = self.document_root(domain) + path
        write(target, body)

    def remove(self, domain, path):
        os.remove(self.document_root(domain) + path)

    def close(self):
        """Removes the sites (unless the rig has already stopped: the session's end stops it first)."""
        if os.path.isdir(self.rig.path('nginx', 'sites')):
            for domain in self.domains:
                os.remove(self.rig.path('nginx', 'sites', 'dcv-%s.conf' % domain))
            if self.domains:
                self.rig.reload()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _wait_until_served(self, domain):
        deadline = time.time() + START_TIMEOUT
        in_a_row = 0
        while in_a_row < SETTLED_ANSWERS:
            if time.time() > deadline:
                raise RuntimeError('nginx did not serve %s on port %d within %ss' % (domain, self.http_port, START_TIMEOUT))
            try:
                answer = requests.get('http://127.0.0.1:%d%s' % (self.http_port, READY_FILE),
                                      headers={'Host': domain}, timeout=5)
                served = answer.status_code == 200 and answer.text == domain
            except (requests.RequestException, socket.error):
                served = False
            in_a_row = in_a_row + 1 if served else 0
            time.sleep(0.05)


SITE = """\
server {
    listen 127.0.0.1:%(http_port)s;
    listen 127.0.0.1:%(https_port)s ssl;
    server_name %(domain)s;
    ssl_certificate %(certificate)s;
    ssl_certificate_key %(key)s;
    root %(root)s;
    default_type text/plain;
%(redirects)s}
"""
