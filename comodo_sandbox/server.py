"""The HTTP layer: routes /products/ to the API and /admin to the admin pages, over HTTP or HTTPS."""
import logging
import socket
import ssl
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from comodo_sandbox import admin, api, faults, soap

log = logging.getLogger('comodo_sandbox')

API_PREFIX = '/products/'


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app, address, ssl_context=None):
        self.app = app
        super().__init__(address, SandboxRequestHandler)
        if ssl_context is not None:
            # The handshake runs in each request's thread (see SandboxRequestHandler.handle), so a client
            # that connects and says nothing cannot block the accepting loop.
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def handle_error(self, request, client_address):
        # Broken connections and the like: one line, no traceback.
        log.info('connection from %s:%s failed', *client_address[:2])


class SandboxRequestHandler(BaseHTTPRequestHandler):
    server_version = 'ComodoSandbox/1.0'
    timeout = 60

    def handle(self):
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (ssl.SSLError, OSError) as error:
                log.info('TLS handshake with %s failed: %s', self.client_address[0], type(error).__name__)
                return
        super().handle()

    def do_GET(self):
        self._dispatch('GET')

    def do_POST(self):
        self._dispatch('POST')

    def do_PUT(self):
        self._dispatch('PUT')

    def do_DELETE(self):
        self._dispatch('DELETE')

    def do_PATCH(self):
        self._dispatch('PATCH')

    def log_message(self, format, *args):
        """Silenced: the request line may carry a CSR (DecodeCSR by GET); api.answer logs each call."""

    def _dispatch(self, method):
        url = urlsplit(self.path)
        path = unquote(url.path)
        body = self._read_body()
        if path.startswith(API_PREFIX):
            request = api.ApiRequest(method, path[len(API_PREFIX):], url.query, body,
                                     self.headers.get('Content-Type'), isinstance(self.connection, ssl.SSLSocket))
            text, transport_fault = api.answer(self.server.app, request)
            if transport_fault == 'drop':
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            elif transport_fault == 'http500':
                self._send(500, 'text/html; charset=utf-8', faults.HTTP_500_BODY, {})
            elif transport_fault == 'garbled':
                self._send(200, 'text/plain; charset=utf-8', faults.GARBLED_BODY, {})
            else:
                self._send(200, 'text/plain; charset=utf-8', text.encode('utf-8'), {})
        elif path == soap.PATH:
            status, content_type, content = soap.handle(
                self.server.app, method, url.query, body, self.headers, isinstance(self.connection, ssl.SSLSocket))
            self._send(status, content_type, content, {})
        elif path == '/admin' or path.startswith('/admin/'):
            status, content_type, content, headers = admin.handle(
                self.server.app, method, path, self.headers, body, isinstance(self.connection, ssl.SSLSocket))
            log.info('admin %s %s -> %d', method, path, status)
            self._send(status, content_type, content, headers)
        elif path == '/':
            self._send(303, 'text/plain; charset=utf-8', b'', {'Location': '/admin/'})
        else:
            self._send(404, 'text/plain; charset=utf-8', b'Not found\n', {})

    def _read_body(self):
        """The request body; None if it is too large to read (the connection is then closed)."""
        try:
            length = int(self.headers.get('Content-Length') or 0)
        except ValueError:
            length = 0
        if length > api.MAX_BODY_BYTES:
            self.close_connection = True
            return None
        return self.rfile.read(length) if length > 0 else b''

    def _send(self, status, content_type, content, headers):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(content)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(content)
