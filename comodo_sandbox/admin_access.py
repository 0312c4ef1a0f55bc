"""Who may use the admin pages: the holder of the admin token, and never another web site.

The token is made at the first start, kept in the data folder (`admin-token`, readable by its owner
only) and printed at every start. Then:
- scripts and tests send it in the X-Sandbox-Admin-Token header;
- a browser logs in once at /admin/login with it and carries a cookie (HttpOnly, SameSite=Strict,
  path /admin);
- a POST from another site is refused: an Origin header must name this host, and a POST that only
  the cookie authenticates must also carry the page's csrf_token field. (A custom header cannot be
  sent by another site without a CORS preflight, which the sandbox never answers.)
"""
import hashlib
import hmac
import html
import json
import os
import secrets
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

HEADER = 'X-Sandbox-Admin-Token'
COOKIE = 'sandbox_admin'
TOKEN_FILE = 'admin-token'
CSRF_FIELD = 'csrf_token'
LOGIN_PATH = '/admin/login'
SAFE_METHODS = ('GET', 'HEAD')

HTML_TYPE = 'text/html; charset=utf-8'
JSON_TYPE = 'application/json'


def load_or_create_token(data_dir):
    """The token kept in `data_dir`, made (and kept, mode 0600) the first time."""
    path = os.path.join(data_dir, TOKEN_FILE)
    if os.path.exists(path):
        with open(path) as kept:
            token = kept.read().strip()
        if token:
            return token
    token = secrets.token_urlsafe(24)
    # Created with its mode (no moment at which another user could open it), under a name of this
    # process's own, then renamed into place whole.
    written = '%s.%d.new' % (path, os.getpid())
    descriptor = os.open(written, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, 'w') as new:
        new.write(token + '\n')
    os.replace(written, path)
    return token


def csrf_token(token):
    """What the admin page's forms carry: tied to the token, useless without the cookie."""
    return hmac.new(token.encode(), b'sandbox admin form', hashlib.sha256).hexdigest()


def _same(expected, given):
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode('utf-8', 'replace'))


def _cookie(headers):
    try:
        morsel = SimpleCookie(headers.get('Cookie') or '').get(COOKIE)
    except CookieError:
        return None
    return morsel.value if morsel else None


def _cross_site(method, headers):
    """True for a request another web site made the browser send."""
    if method in SAFE_METHODS:
        return False
    if (headers.get('Sec-Fetch-Site') or '') == 'cross-site':
        return True
    origin = headers.get('Origin')
    return origin is not None and urlsplit(origin).netloc != (headers.get('Host') or '')


def refusal(token, method, path, headers, form):
    """None when the request may go ahead, else the (status, type, body, headers) that refuses it."""
    if _cross_site(method, headers):
        return 403, JSON_TYPE, _error('cross-site requests are refused'), {}
    if _same(token, headers.get(HEADER)):
        return None
    if _same(token, _cookie(headers)):
        if method in SAFE_METHODS or _same(csrf_token(token), form.get(CSRF_FIELD)):
            return None
        return 403, JSON_TYPE, _error('this form lacks its %s: reload the admin page' % CSRF_FIELD), {}
    if method in SAFE_METHODS and path in ('/admin', '/admin/'):
        return login_page(401, '')
    return 401, JSON_TYPE, _error('the admin token is required: send it in the %s header, or log in at %s'
                                  % (HEADER, LOGIN_PATH)), {}


def login(token, method, headers, form, secure):
    """GET: the form asking for the token. POST: the cookie, if the token is right."""
    if method in SAFE_METHODS:
        return login_page(200, '')
    if _cross_site(method, headers):
        return 403, JSON_TYPE, _error('cross-site requests are refused'), {}
    if not _same(token, form.get('token')):
        return login_page(401, 'That is not the admin token.')
    cookie = '%s=%s; Path=/admin; HttpOnly; SameSite=Strict%s' % (COOKIE, token, '; Secure' if secure else '')
    return 303, 'text/plain; charset=utf-8', b'', {'Location': '/admin/', 'Set-Cookie': cookie}


def _error(message):
    return json.dumps({'error': message}).encode()


_LOGIN_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Comodo sandbox CA: admin login</title></head>
<body style="font-family: sans-serif; margin: 2em;">
<h1>Comodo sandbox CA</h1>
<p>The admin pages need the admin token the sandbox printed when it started (also in the file
<code>admin-token</code> of its data folder).</p>
<p style="color: #a00;">{message}</p>
<form method="post" action="/admin/login">
<label>Admin token <input type="password" name="token" autofocus></label>
<button>Log in</button>
</form>
</body></html>
"""


def login_page(status, message):
    return status, HTML_TYPE, _LOGIN_PAGE.format(message=html.escape(message)).encode(), {}
