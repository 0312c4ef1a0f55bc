"""Fetching the validation file as the CA does: one GET to port 80 (or 443), no redirect followed."""
import http.client
import socket
import ssl
from urllib.parse import urlsplit

from . import results

MAX_BODY = 64 * 1024
USER_AGENT = 'comodo-ssl-reseller-preflight'


def check_file(url, addresses, expected_body, config):
    """CheckResult of fetching `url` from the first of `addresses` that accepts the connection."""
    parts = urlsplit(url)
    standard_port = 443 if parts.scheme == 'https' else 80
    port = config.http_port(standard_port)
    try:
        status, location, body = _fetch(parts, addresses, port, config.http_timeout)
    except socket.timeout:
        return results.failed(results.FILE, parts.hostname, results.FILE_UNREACHABLE,
                               '%s does not answer within %s seconds' % (url, _seconds(config.http_timeout)))
    except (OSError, http.client.HTTPException) as error:
        return results.failed(results.FILE, parts.hostname, results.FILE_UNREACHABLE,
                              '%s cannot be fetched: %s' % (url, _reason(error, addresses, standard_port)))
    if 300 <= status < 400:
        return results.failed(results.FILE, parts.hostname, results.FILE_REDIRECT,
                              '%s answers %s to %s: Sectigo does not follow redirects'
                              % (url, status, location or 'another address'))
    if status != 200:
        return results.failed(results.FILE, parts.hostname, results.FILE_STATUS,
                              '%s answers %s instead of 200' % (url, status))
    if not same_body(body, expected_body):
        return results.failed(results.FILE, parts.hostname, results.FILE_WRONG_BODY,
                              '%s answers 200 but not with the expected validation text' % url)
    return results.passed(results.FILE, parts.hostname, '%s serves the validation file' % url)


def same_body(body, expected_body):
    """The body as the CA compares it. Whether Sectigo forgives a final newline or CRLF line ends
    is not documented; a file saved by a text editor has both, and the published examples show
    the CA accepting them, so only those differences are forgiven."""
    text = body.decode('utf-8', 'replace').replace('\r\n', '\n').rstrip('\n')
    return text == expected_body.rstrip('\n')


def _fetch(parts, addresses, port, timeout):
    """(status, Location header, body up to MAX_BODY) from the first address that connects."""
    last_error = OSError('the name has no address')
    for address in addresses:
        try:
            connection = _connect(parts, address, port, timeout)
        except (socket.timeout, ssl.SSLError):
            raise  # a server that is silent or speaks no TLS is the answer; other addresses would wait too
        except OSError as error:
            last_error = error
            continue
        try:
            path = parts.path + ('?' + parts.query if parts.query else '')
            connection.request('GET', path, headers={'Host': parts.hostname, 'User-Agent': USER_AGENT,
                                                     'Accept': '*/*'})
            response = connection.getresponse()
            return response.status, response.getheader('Location'), response.read(MAX_BODY)
        finally:
            connection.close()
    raise last_error


def _connect(parts, address, port, timeout):
    raw = socket.create_connection((address, port), timeout=timeout)
    if parts.scheme == 'https':
        # The CA checks the file, not the certificate in front of it (the site may be waiting for
        # this very certificate): no verification, but the name is sent for SNI.
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:
            raw = context.wrap_socket(raw, server_hostname=parts.hostname)
        except Exception:
            raw.close()
            raise
    connection = http.client.HTTPConnection(address, port, timeout=timeout)
    connection.sock = raw
    return connection


def _reason(error, addresses, standard_port):
    if isinstance(error, ConnectionRefusedError):
        return 'nothing listens on port %s of %s' % (standard_port, ', '.join(addresses))
    if isinstance(error, ssl.SSLError):
        return 'the TLS handshake fails (%s)' % (error.reason or error)
    return str(error) or error.__class__.__name__


def _seconds(value):
    return ('%g' % value)
