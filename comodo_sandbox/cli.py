"""Command line: options, start-up, and a clean stop on SIGTERM/SIGINT."""
import argparse
import logging
import signal
import ssl
import sys
import threading

from comodo_sandbox import admin_access
from comodo_sandbox.app import SandboxApp
from comodo_sandbox.clock import parse_time
from comodo_sandbox.server import SandboxServer


def _fraction(text):
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError('expected a number from 0 to 1')
    return value


def _moment(text):
    try:
        return parse_time(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error))


def _non_negative(kind):
    def parse(text):
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError('expected a number >= 0')
        return value
    return parse


def _address_and_port(text):
    host, separator, port = text.rpartition(':')
    if not separator or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError('expected ADDRESS:PORT, e.g. 127.0.0.1:5353')
    return host.strip('[]'), int(port)


def _port_map(text):
    """`80=18080,443=18443` -> {80: 18080, 443: 18443}."""
    ports = {}
    for pair in text.split(','):
        wanted, separator, used = pair.strip().partition('=')
        if not separator or not wanted.isdigit() or not used.isdigit():
            raise argparse.ArgumentTypeError('expected PORT=PORT pairs, e.g. 80=18080,443=18443')
        ports[int(wanted)] = int(used)
    return ports


def build_parser():
    parser = argparse.ArgumentParser(
        prog='python -m comodo_sandbox',
        description='A local fake Comodo/Sectigo reseller CA speaking the form API under /products/ '
                    'and the SOAP EPKIManagerSSL API under /ws/.')
    parser.add_argument('--host', default='127.0.0.1', help='address to listen on (default 127.0.0.1)')
    parser.add_argument('--port', type=_non_negative(int), default=8090, help='0 picks a free port (default 8090)')
    parser.add_argument('--data', default='./.sandbox-data', help='folder for the CA and the orders (default ./.sandbox-data)')
    parser.add_argument('--login', default='demo', help='the accepted loginName (default demo)')
    parser.add_argument('--password', default='demo', help='the accepted loginPassword (default demo)')
    parser.add_argument('--issue-after', type=_non_negative(float), default=60.0, metavar='SECONDS',
                        help='seconds from an order to its decision (default 60)')
    parser.add_argument('--latency', type=_non_negative(int), default=0, metavar='MS',
                        help='delay added to every API call (default 0)')
    parser.add_argument('--slow-latency', type=_non_negative(int), default=5000, metavar='MS',
                        help='extra delay for every call about a slow scenario order (default 5000)')
    parser.add_argument('--fail-rate', type=_fraction, default=0.0, metavar='FLOAT',
                        help='share of API calls answering -14 at random, 0..1 (default 0)')
    parser.add_argument('--seed', type=int, default=None, help='seed for --fail-rate, for repeatable runs')
    parser.add_argument('--push-url', default=None, metavar='URL',
                        help='call this URL (GET) whenever an order is decided, as Sectigo\'s '
                             'certificate issuance push does')
    parser.add_argument('--now', type=_moment, default=None, metavar='TIME',
                        help='start the clock at this Unix time or date (2026-12-02); it keeps running '
                             '(default: real time; POST /admin/clock moves it later)')
    parser.add_argument('--admin-token', default=None, metavar='TOKEN',
                        help='the token the admin pages ask for (default: one made at the first start '
                             'and kept in DATA/admin-token); printed at start')
    parser.add_argument('--tls', action='store_true', help='serve HTTPS with a certificate from the sandbox CA')
    parser.add_argument('--require-https', action='store_true', help='answer -1 to API calls over plain HTTP')
    parser.add_argument('--validate', action='store_true',
                        help='validating mode: orders of the normal scenario are issued only once every '
                             'name passes the checks a CA makes (CAA, file or CNAME; needs --dns-server)')
    parser.add_argument('--dns-server', type=_address_and_port, default=None, metavar='ADDRESS:PORT',
                        help='the DNS server validating mode asks for addresses, CNAME and CAA records')
    parser.add_argument('--port-map', type=_port_map, default={}, metavar='80=PORT,443=PORT',
                        help='for tests only: fetch validation files from these ports instead of 80/443')
    parser.add_argument('--recheck-after', type=_non_negative(float), default=60.0, metavar='SECONDS',
                        help='validating mode: seconds (of the sandbox clock) between the checks of a '
                             'pending order (default 60)')
    return parser


def main(argv=None):
    parser = build_parser()
    settings = parser.parse_args(argv)
    if settings.validate and settings.dns_server is None:
        parser.error('--validate needs --dns-server ADDRESS:PORT')
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format='%(asctime)s %(message)s')
    app = SandboxApp(settings)
    ssl_context = None
    if settings.tls:
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_context.load_cert_chain(*app.authority.write_server_credentials(_server_names(settings.host)))
    server = SandboxServer(app, (settings.host, settings.port), ssl_context)

    def stop(_signal_number, _frame):
        # shutdown() waits for serve_forever() to return, so it must run outside the main thread.
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    scheme = 'https' if settings.tls else 'http'
    print('comodo-sandbox listening on %s://%s:%d/products/' % (scheme, host, port), flush=True)
    print('comodo-sandbox admin token: %s (log in at %s://%s:%d/admin/, or send it in the %s header)'
          % (app.admin_token, scheme, host, port, admin_access.HEADER), flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        app.close()
        logging.getLogger('comodo_sandbox').info('comodo-sandbox stopped')
    return 0


def _server_names(host):
    names = ['127.0.0.1', 'localhost']
    if host not in names and host not in ('0.0.0.0', '::', ''):
        names.append(host)
    return names
