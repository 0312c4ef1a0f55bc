"""SQLite persistence for orders and for the log of API calls: every change is committed at once, so a
restart (or a kill) with the same data folder loses nothing."""
import dataclasses
import json
import sqlite3
import threading
from typing import Optional

# Order statuses. An order's certificate is only ever in one of these.
PENDING = 'pending'
UNPAID = 'unpaid'
ISSUED = 'issued'
REJECTED = 'rejected'
REVOKED = 'revoked'

FIRST_ORDER_NUMBER = 1000001
# Columns added after the first release, with their SQL types: a data folder made before them gets
# them on start, so `--data` survives an upgrade of the sandbox.
# Columns added after the first release, by table: a data folder made before them gets them at start.
_ADDED_COLUMNS = (('orders', 'refunded_at', 'REAL'), ('calls', 'fault', 'TEXT'), ('orders', 'term_started_at', 'REAL'),
                  ('orders', 'validates', 'INTEGER'))
# Certificate IDs are kept far from order numbers, so a client that mixes the two up is caught.
CERTIFICATE_ID_OFFSET = 7000000000
_NUMBERS_PER_QUERY = 500


@dataclasses.dataclass
class Order:
    product: int
    days: int                       # the term ordered: reissues are free until it ends
    validity_days: int              # the longest lifetime asked (the term, capped at 397); the
                                    # issue date's limit and the term's end may cut it shorter
    total_cost: str
    common_name: str
    domains: list                   # the certificate's SANs, primary domain included
    csr_pem: str
    server_software: int
    dcv: list                       # one {"domain", "method", "email"} per domain
    scenario: str
    unique_value: str = ''
    foreign_order_number: str = ''
    order_number: Optional[int] = None
    certificate_id: str = ''
    status: str = PENDING
    placed_at: float = 0.0
    due_at: Optional[float] = None  # None: decided only by hand
    decided_at: Optional[float] = None
    certificate_pem: str = ''
    serial_number: str = ''         # upper-case hex
    not_before: Optional[int] = None
    not_after: Optional[int] = None
    api_calls: int = 0              # calls naming this order, the apply included (for "flaky")
    dcv_resends: int = 0
    revocation_reason: str = ''
    revocation_code: Optional[int] = None
    refunded_at: Optional[float] = None  # set by !AutoRefund: the charge went back to the reseller
    term_started_at: Optional[float] = None  # the first issue: the term runs `days` from there
    # Validating mode: decided by checking each name (validation.py), `due_at` being the next check.
    validates: bool = False


_JSON_FIELDS = ('domains', 'dcv')
_FIELDS = [field.name for field in dataclasses.fields(Order)]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    order_number INTEGER PRIMARY KEY, certificate_id TEXT UNIQUE, product INTEGER, days INTEGER,
    validity_days INTEGER, total_cost TEXT, common_name TEXT, domains TEXT, csr_pem TEXT,
    server_software INTEGER, dcv TEXT, scenario TEXT, unique_value TEXT, foreign_order_number TEXT,
    status TEXT, placed_at REAL, due_at REAL, decided_at REAL, certificate_pem TEXT,
    serial_number TEXT, not_before INTEGER, not_after INTEGER, api_calls INTEGER,
    dcv_resends INTEGER, revocation_reason TEXT, revocation_code INTEGER, refunded_at REAL,
    term_started_at REAL, validates INTEGER
);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT, action TEXT, order_number INTEGER, error_code INTEGER,
    at REAL, fault TEXT
);
"""


class Store(object):
    """One SQLite connection shared by the server's threads behind a lock."""

    def __init__(self, path):
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(_SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self):
        with self._db:
            for table, name, sql_type in _ADDED_COLUMNS:
                existing = {row['name'] for row in self._db.execute('PRAGMA table_info(%s)' % table)}
                if name not in existing:
                    self._db.execute('ALTER TABLE %s ADD COLUMN %s %s' % (table, name, sql_type))

    def close(self):
        with self._lock:
            self._db.close()

    def insert(self, order):
        """Stores a new order, giving it the next order number and its certificate ID."""
        with self._lock, self._db:
            (last,) = self._db.execute('SELECT MAX(order_number) FROM orders').fetchone()
            order.order_number = (last or FIRST_ORDER_NUMBER - 1) + 1
            order.certificate_id = str(order.order_number + CERTIFICATE_ID_OFFSET)
            row = _to_row(order)
            self._db.execute('INSERT INTO orders (%s) VALUES (%s)' % (
                ', '.join(row), ', '.join('?' * len(row))), list(row.values()))
        return order

    def update(self, order):
        row = _to_row(order)
        with self._lock, self._db:
            self._db.execute('UPDATE orders SET %s WHERE order_number = ?' % ', '.join(
                '%s = ?' % name for name in row), list(row.values()) + [order.order_number])

    def find(self, order_number=None, certificate_id=None, serial_number=None):
        """The order with this number, certificate ID or serial number (hex), or None."""
        if order_number is not None:
            where, value = 'order_number = ?', order_number
        elif certificate_id is not None:
            where, value = 'certificate_id = ?', certificate_id
        else:
            where, value = 'serial_number = ?', serial_number.upper()
        with self._lock:
            row = self._db.execute('SELECT * FROM orders WHERE ' + where, (value,)).fetchone()
        return _from_row(row) if row else None

    def find_numbered(self, order_numbers):
        """The orders with these numbers, by number; numbers nobody placed are left out."""
        numbers = sorted(set(order_numbers))
        rows = []
        with self._lock:
            # In slices: older SQLite builds take at most 999 parameters per statement.
            for start in range(0, len(numbers), _NUMBERS_PER_QUERY):
                chunk = numbers[start:start + _NUMBERS_PER_QUERY]
                rows += self._db.execute('SELECT * FROM orders WHERE order_number IN (%s) ORDER BY order_number'
                                         % ', '.join('?' * len(chunk)), chunk).fetchall()
        return [_from_row(row) for row in rows]

    def all_orders(self):
        with self._lock:
            rows = self._db.execute('SELECT * FROM orders ORDER BY order_number').fetchall()
        return [_from_row(row) for row in rows]

    def record_call(self, action, order_number, error_code, at, fault=None):
        """`error_code` is None when a planned fault kept the call from running; `fault` names it."""
        with self._lock, self._db:
            self._db.execute('INSERT INTO calls (action, order_number, error_code, at, fault) VALUES (?, ?, ?, ?, ?)',
                             (action, order_number, error_code, at, fault))

    def calls(self):
        """Every call; `fault` is only there for the calls a planned fault hit."""
        with self._lock:
            rows = self._db.execute(
                'SELECT action, order_number, error_code, at, fault FROM calls ORDER BY id').fetchall()
        calls = []
        for row in rows:
            call = {'action': row['action'], 'orderNumber': row['order_number'],
                    'errorCode': row['error_code'], 'at': row['at']}
            if row['fault']:
                call['fault'] = row['fault']
            calls.append(call)
        return calls

    def call_counts(self):
        """{action: number of calls received}, planned faults included."""
        with self._lock:
            rows = self._db.execute('SELECT action, COUNT(*) FROM calls GROUP BY action').fetchall()
        return {action: count for action, count in rows}

    def reset_calls(self):
        with self._lock, self._db:
            return self._db.execute('DELETE FROM calls').rowcount


def _to_row(order):
    row = dataclasses.asdict(order)
    for name in _JSON_FIELDS:
        row[name] = json.dumps(row[name])
    return row


def _from_row(row):
    values = {name: row[name] for name in _FIELDS}
    for name in _JSON_FIELDS:
        values[name] = json.loads(values[name])
    values['validates'] = bool(values['validates'])
    return Order(**values)
