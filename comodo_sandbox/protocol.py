"""The form API's wire format: reading form arguments, and encoding answers and errors.

Two encodings (comodo-api.md §1):
- TEXT: line 1 is the status; on an error line 2 is the message, otherwise positional values follow.
- URLENCODED: `errorCode=N&key=value...`; errors add `errorMessage` and, when one argument is to
  blame, `errorItem` naming it. Repeated keys (e.g. `caCertificate`) are allowed.
Every answer ends with a newline in TEXT, and never in URLENCODED.
"""
from urllib.parse import urlencode

TEXT = 'text'
URLENCODED = 'urlencoded'

# Integers beyond SQLite's 64-bit range can name nothing; they are invalid values like any other.
MAX_INTEGER = 2 ** 63 - 1


class ApiError(Exception):
    """A negative result code, answered in the call's encoding."""

    def __init__(self, code, message, item=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.item = item


def missing(name):
    return ApiError(-3, "The '%s' argument is missing!" % name, name)


def invalid(name, reason=''):
    message = "The value of the '%s' argument is invalid!" % name
    return ApiError(-4, message + (' ' + reason if reason else ''), name)


class Reply(object):
    """A successful answer: its status, its named fields (URLENCODED) and its lines after the
    status line (TEXT). Each action builds both, since the two layouts differ."""

    def __init__(self, status, fields=(), lines=()):
        self.status = status
        self.fields = list(fields)
        self.lines = list(lines)


def encode(outcome, encoding):
    """The body for a Reply or an ApiError."""
    if isinstance(outcome, ApiError):
        if encoding == TEXT:
            return '%d\n%s\n' % (outcome.code, outcome.message)
        pairs = [('errorCode', outcome.code), ('errorMessage', outcome.message)]
        if outcome.item:
            pairs.append(('errorItem', outcome.item))
        return urlencode(pairs)
    if encoding == TEXT:
        return '\n'.join([str(outcome.status)] + [str(line) for line in outcome.lines]) + '\n'
    return urlencode([('errorCode', outcome.status)] + outcome.fields)


class Form(object):
    """The arguments of one call. A blank value counts as absent; the first of repeated names wins."""

    def __init__(self, pairs):
        self._values = {}
        for name, value in pairs:
            self._values.setdefault(name, value.strip())

    def get(self, name):
        return self._values.get(name) or None

    def require(self, name):
        value = self.get(name)
        if value is None:
            raise missing(name)
        return value

    def integer(self, name, default=None, required=False):
        value = self.require(name) if required else self.get(name)
        if value is None:
            return default
        number = parse_integer(value)
        if number is None:
            raise invalid(name, 'An integer is expected.')
        return number

    def flag(self, name):
        """A Y/N argument; absent means N."""
        value = (self.get(name) or 'N').upper()
        if value not in ('Y', 'N'):
            raise invalid(name, 'Y or N is expected.')
        return value == 'Y'


def parse_integer(text):
    """The integer written in `text`, or None if it is not one SQLite can hold."""
    try:
        number = int(text)
    except (TypeError, ValueError):
        return None
    return number if -MAX_INTEGER <= number <= MAX_INTEGER else None
