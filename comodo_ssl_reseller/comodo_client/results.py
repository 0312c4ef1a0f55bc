"""Typed results of the client's calls: plain namedtuples, so they compare, print and pickle."""
from collections import namedtuple


class OrderStatus(object):
    """Where an order stands, as CollectSSL tells it."""

    PENDING = 'pending'
    ISSUED = 'issued'
    REJECTED = 'rejected'
    REVOKED = 'revoked'
    AWAITING_PAYMENT = 'awaiting_payment'


# CollectSSL status codes that are answers, not errors. 1 means issued but not
# attached to this response; 0 means "not decided yet, poll later".
COLLECT_STATUS_BY_CODE = {
    2: OrderStatus.ISSUED,
    1: OrderStatus.ISSUED,
    0: OrderStatus.PENDING,
    -22: OrderStatus.AWAITING_PAYMENT,
    -20: OrderStatus.REJECTED,
    -21: OrderStatus.REVOKED,
}

class ReportStatus(OrderStatus):
    """Where WebHostReport says an order stands: OrderStatus's values, plus two that send the caller
    back to that order's CollectSSL."""

    UNRECOGNISED = 'unrecognised'   # the report lists the order, but its row cannot be read
    MISSING = 'missing'             # the report does not list the order at all


PlacedOrder = namedtuple('PlacedOrder', [
    'order_number',     # str
    'certificate_id',   # str, or None when the CA did not send one
    'total_cost',       # str as the CA wrote it (no currency); None when it stated none (reissue)
    'paid',             # False when the CA answered 1: placed, but payment is still required
    'ca_code',          # int, 0 or 1
    'unique_value',     # the uniqueValue the CA echoed, else the one we sent, else None
])

CollectResult = namedtuple('CollectResult', [
    'status',           # an OrderStatus constant
    'ca_code',          # int, the CA's status code
    'message',          # str: the CA's error or status text, '' when none
    'certificate_pem',  # str or None
    'chain_pem',        # list of PEM str, intermediate(s) first and root last
    'not_before',       # naive UTC datetime or None
    'not_after',        # naive UTC datetime or None
    'serial_number',    # upper-case hex str without separators, or None
    'fqdn',             # str or None
])

ReportEntry = namedtuple('ReportEntry', [
    'order_number',          # str
    'order_status',          # str as the CA wrote it, or None
    'date_time',             # naive UTC datetime of the order, or None
    'foreign_order_number',  # str or None (only if the CA sends it back)
    'certificates',          # list of ReportCertificate
    'fields',                # dict of every per-order key as sent, without its "N_" prefix
])

ReportCertificate = namedtuple('ReportCertificate', [
    'certificate_id',      # str or None
    'domain',              # str or None
    'status',              # str as the CA wrote it, or None
    'not_before',          # naive UTC datetime or None
    'not_after',           # naive UTC datetime or None
    'serial_number',       # upper-case hex str or None
    'fields',              # dict of every per-certificate key as sent, without its "N_M_" prefix
])

CsrInfo = namedtuple('CsrInfo', [
    'common_name',      # str or None
    'domains',          # list: CN then SANs, lower-case, deduplicated
    'key_type',         # 'rsa', 'ec', 'dsa', 'ed25519', 'ed448' or 'unknown'
    'key_size',         # int bits (the curve size for EC), or None
    'signature_valid',  # bool
])

DcvInstructions = namedtuple('DcvInstructions', [
    'method',           # one of DCV_METHODS
    'file_name',        # path of the file from the web root, or None
    'file_content',     # str or None
    'file_urls',        # list of URLs the CA will fetch (empty unless HTTP(S)_CSR_HASH)
    'cname_name',       # DNS name of the CNAME record, or None
    'cname_target',     # target of the CNAME record, or None
])

ReportedStatus = namedtuple('ReportedStatus', [
    'order_number',     # str, as asked
    'status',           # a ReportStatus constant
    'validation',       # str: the validation state as the CA reported it ("key=value; ..."), to
                        # compare with the last poll's; None when the row reports none
    'ca_status',        # str: the status text the CA wrote, or None
    'problem',          # str: why the status is UNRECOGNISED or MISSING, else None
])
