"""Many orders' statuses at once from WebHostReport rows (one row per order), read row by row.

A row that cannot be read costs only its own order: that order is UNRECOGNISED, and an order the
report does not list is MISSING; the caller asks CollectSSL about those, so nothing is lost.
"""
import logging
import re
from collections import OrderedDict

from .results import ReportedStatus, ReportStatus

_logger = logging.getLogger(__name__)

# The certificate's status text in a report row, lower-cased. The notes confirm only "Issued"; the
# others are CollectSSL's meanings in the words the sandbox and the clients we know of use. A text
# not in here (a status Sectigo adds later, "caacheckfailed", ...) is UNRECOGNISED, never guessed.
STATUS_BY_TEXT = {
    'issued': ReportStatus.ISSUED,
    'rejected': ReportStatus.REJECTED,
    'revoked': ReportStatus.REVOKED,
    'pending': ReportStatus.PENDING,
    'awaiting payment': ReportStatus.AWAITING_PAYMENT,
}

# The keys that make up an order's validation state (per order, then per certificate). Their
# values are not documented: they are compared as sent, never interpreted.
ORDER_VALIDATION_KEYS = ('validationStatus',)
CERTIFICATE_VALIDATION_KEYS = ('csrStatus', 'dcvStatus', 'ovCallBackStatus', 'organizationValidationStatus',
                               'freeDVUPStatus', 'evClickThroughStatus', 'brandValStatus')

_ORDER_NUMBER = re.compile(r'^\d+$')


def order_numbers(numbers):
    """The order numbers as the report names them (str), each once, in the order given.

    ValueError for one that is not a number: it would break the comma list the CA reads.
    """
    cleaned = OrderedDict()
    for number in numbers:
        text = str(number).strip()
        if not _ORDER_NUMBER.match(text):
            raise ValueError('%r is not a CA order number' % (number,))
        cleaned[text] = True
    return list(cleaned)


def answered(rows, asked):
    """The asked order numbers that these report rows list."""
    return {_row_number(row) for row in rows} & set(asked)


def statuses(asked, rows):
    """OrderedDict {order number: ReportedStatus} for every asked number, in the order asked."""
    rows_by_number = {}
    asked_set = set(asked)
    for row in rows:
        number = _row_number(row)
        if number in asked_set:
            rows_by_number.setdefault(number, []).append(row)
        else:
            _logger.info('WebHostReport listed order %r, which was not asked for: ignored', row.order_number)
    result = OrderedDict()
    for number in asked:
        number_rows = rows_by_number.get(number)
        result[number] = _status_of(number, number_rows) if number_rows else _missing(number)
    problems = [status for status in result.values() if status.problem]
    if problems:
        _logger.warning('WebHostReport: %d of %d orders not read from the report (%s first: %s)',
                        len(problems), len(result), problems[0].order_number, problems[0].problem)
    return result


def _status_of(number, rows):
    texts = [_status_text(row) for row in rows]
    if None in texts:
        return _unrecognised(number, None, 'the report lists it without a status')
    known = {STATUS_BY_TEXT.get(text.strip().lower()) for text in texts}
    shown = ', '.join(sorted(set(texts)))
    if None in known:
        return _unrecognised(number, shown, 'the report gives it the unknown status %r' % shown)
    if len(known) > 1:
        return _unrecognised(number, shown, 'the report lists it with different statuses: %s' % shown)
    return ReportedStatus(order_number=number, status=known.pop(), validation=_validation(rows[0]),
                          ca_status=texts[0], problem=None)


def _status_text(row):
    """The certificate's status (the order's if no certificate states one), or None. Several
    certificates that disagree come back joined, and so unknown."""
    texts = sorted({certificate.status.strip() for certificate in row.certificates
                    if (certificate.status or '').strip()})
    if texts:
        return ' / '.join(texts)
    return (row.order_status or '').strip() or None


def _validation(row):
    """"key=value; ..." of the row's validation keys in a fixed order, or None if it has none."""
    pairs = [(key, row.fields.get(key)) for key in ORDER_VALIDATION_KEYS]
    certificate = row.certificates[0].fields if row.certificates else {}
    pairs += [(key, certificate.get(key)) for key in CERTIFICATE_VALIDATION_KEYS]
    shown = ['%s=%s' % (key, value.strip()) for key, value in pairs if (value or '').strip()]
    return '; '.join(shown) or None


def _row_number(row):
    return (row.order_number or '').strip()


def _unrecognised(number, ca_status, problem):
    return ReportedStatus(order_number=number, status=ReportStatus.UNRECOGNISED, validation=None,
                          ca_status=ca_status, problem=problem)


def _missing(number):
    return ReportedStatus(order_number=number, status=ReportStatus.MISSING, validation=None, ca_status=None,
                          problem='the report does not list it')
