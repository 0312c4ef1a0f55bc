"""The /products/ API: the action table, and the checks every call goes through before its action.

Order of checks: --latency wait, a fault planned through the admin endpoints (see faults.py), -1
(plain HTTP with --require-https), unknown action (-4), -17 (not POST), the body's type (-4), -16
(login), --fail-rate (-14), then the action itself. Any unexpected exception answers -14: a client
never sees a traceback or an HTTP error, unless a planned fault asks for one.
"""
import hmac
import logging
import time
import traceback
from collections import namedtuple
from urllib.parse import parse_qsl

from comodo_sandbox import collect, dcv, faults, order_changes, ordering, report, scenarios
from comodo_sandbox.protocol import TEXT, URLENCODED, ApiError, Form, encode, invalid, missing, parse_integer

log = logging.getLogger('comodo_sandbox')

FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded'
MAX_BODY_BYTES = 1024 * 1024

# formats: responseFormat value -> encoding; None when the action always answers in `default`.
Action = namedtuple('Action', 'handler formats default needs_login accepts_get')
TEXT_OR_URLENCODED = {'0': TEXT, '1': URLENCODED}


def _action(handler, formats=TEXT_OR_URLENCODED, default=TEXT, needs_login=True, accepts_get=False):
    return Action(handler, formats, default, needs_login, accepts_get)


ACTIONS = {
    'AutoApplySSL': _action(ordering.auto_apply_ssl),
    'AutoApplyOrder': _action(ordering.auto_apply_ssl),
    'AutoReplaceSSL': _action(ordering.auto_replace_ssl),
    'CollectSSL': _action(collect.collect_ssl),
    'AutoRevokeSSL': _action(order_changes.auto_revoke_ssl, formats=None, default=URLENCODED),
    'AutoRefund': _action(order_changes.auto_refund, formats=None, default=URLENCODED),
    'AutoUpdateDCV': _action(order_changes.auto_update_dcv, formats=None, default=URLENCODED),
    'ResendDCVEmail': _action(order_changes.resend_dcv_email, formats=None, default=URLENCODED),
    'WebHostReport': _action(report.web_host_report, formats=None, default=URLENCODED),
    # URL-encoded (responseFormat 1, the default); 2 (JSON) is not simulated.
    'GetMDCDomainDetails': _action(dcv.get_mdc_domain_details, formats={'1': URLENCODED}, default=URLENCODED),
    # Its text format is responseFormat=1 (the default); 2 (JSON) is not simulated.
    'GetDCVEmailAddressList': _action(dcv.get_dcv_email_address_list, formats={'1': TEXT}),
    # Text only (0); XML (1) and JSON (2) are not simulated. Needs no login and accepts GET.
    'DecodeCSR': _action(dcv.decode_csr, formats={'0': TEXT}, needs_login=False, accepts_get=True),
}

# What the HTTP layer hands over: `path` is the part after /products/, already percent-decoded.
ApiRequest = namedtuple('ApiRequest', 'method path query body content_type over_tls')


def action_name(path):
    """`!Name` for actions, `download/CollectSSL` (no `!`) for collection."""
    if path == 'download/CollectSSL':
        return 'CollectSSL'
    if path.startswith('!') and path[1:] != 'CollectSSL':
        return path[1:]
    return None


class Call(object):
    """One API call being answered: its arguments, the sandbox it runs in, and the order it names."""

    def __init__(self, app, form):
        self.app = app
        self.form = form
        self.order_number = None

    @property
    def lifecycle(self):
        return self.app.lifecycle

    @property
    def authority(self):
        return self.app.authority

    def wait_for_scenario(self, scenario):
        if scenario == scenarios.SLOW:
            time.sleep(self.app.settings.slow_latency / 1000.0)

    def enter_order(self, allow_serial_number=False):
        """The order named by orderNumber (or baseOrderNumber, certificateID, and for revocation
        serialNumber), counted as one more call for it; applies the slow and flaky scenarios."""
        form = self.form
        if form.get('orderNumber') or form.get('baseOrderNumber'):
            item = 'orderNumber' if form.get('orderNumber') else 'baseOrderNumber'
            reference = {'order_number': form.integer(item)}
        elif form.get('certificateID'):
            item, reference = 'certificateID', {'certificate_id': form.get('certificateID')}
        elif allow_serial_number and form.get('serialNumber'):
            item, reference = 'serialNumber', {'serial_number': form.get('serialNumber').replace(':', '')}
        else:
            raise missing('orderNumber')
        order = self.lifecycle.count_call(**reference)
        if order is None:
            raise invalid(item, 'No such order.')
        self.order_number = order.order_number
        self.wait_for_scenario(order.scenario)
        if order.scenario == scenarios.FLAKY and order.api_calls % 2 == 0:
            raise ApiError(-14, 'An unknown error occurred! Please try again.')
        return order


def answer(app, request):
    """(body, transport fault) answering one /products/ request. The HTTP status is 200, unless the
    transport fault (a planned `http500`, `garbled` or `drop`, else None) says otherwise."""
    started = time.time()
    time.sleep(app.settings.latency / 1000.0)
    name = action_name(request.path)
    action = ACTIONS.get(name)
    form = Form(_arguments(request))
    call = Call(app, form)
    encoding = action.default if action else (URLENCODED if form.get('responseFormat') == '1' else TEXT)
    fault = app.faults.take(name) if action else None
    if fault is not None and fault.kind == 'hang':
        time.sleep(fault.seconds)
    try:
        encoding = _encoding(action, form) if action else encoding
        if fault is not None and fault.kind == 'error' and not fault.after:
            raise fault.error()
        if fault is not None and fault.kind in faults.TRANSPORT_KINDS and not fault.after:
            outcome = None  # the call never reaches the CA
        else:
            outcome = _run(app, call, action, request)
        if fault is not None and fault.kind == 'error':
            raise fault.error()
    except ApiError as error:
        outcome = error
    except Exception as error:  # the client gets -14 ("unknown error"), the log the traceback
        log.error('internal error answering %s: %s\n%s', name, type(error).__name__,
                  ''.join(traceback.format_tb(error.__traceback__)))
        outcome = ApiError(-14, 'An unknown error occurred! Please try again.')
    code = outcome.code if isinstance(outcome, ApiError) else outcome.status if outcome else None
    order_number = call.order_number if call.order_number is not None else _order_number_sent(form)
    logged_name = name or request.path[:64]
    fault_kind = fault.kind if fault is not None else None
    app.store.record_call(logged_name, order_number, code, started, fault_kind)
    # Never the password, the CSR or a key: only the action, the order and the result.
    log.info('%s order=%s result=%s %dms%s', logged_name, order_number or '-', code,
             (time.time() - started) * 1000, ' fault=%s' % fault_kind if fault_kind else '')
    transport_fault = fault_kind if fault_kind in faults.TRANSPORT_KINDS else None
    return (encode(outcome, encoding) if outcome else ''), transport_fault


def _arguments(request):
    if request.method == 'POST':
        return parse_qsl((request.body or b'').decode('utf-8', 'replace'), keep_blank_values=True)
    return parse_qsl(request.query, keep_blank_values=True)


def _encoding(action, form):
    requested = form.get('responseFormat')
    if action.formats is None or requested is None:
        return action.default
    if requested not in action.formats:
        raise invalid('responseFormat', 'Use %s.' % ' or '.join(sorted(action.formats)))
    return action.formats[requested]


def _run(app, call, action, request):
    settings = app.settings
    if settings.require_https and not request.over_tls:
        raise ApiError(-1, 'Requests must be made over HTTPS!')
    if action is None:
        raise invalid('action', "Unknown action '%s': use /products/!Name, or /products/download/CollectSSL."
                      % request.path[:64])
    if request.method != 'POST' and not (action.accepts_get and request.method == 'GET'):
        raise ApiError(-17, 'Requests must use POST!')
    if request.method == 'POST':
        if request.body is None:
            raise invalid('body', 'The request is larger than %d bytes.' % MAX_BODY_BYTES)
        content_type = (request.content_type or FORM_CONTENT_TYPE).split(';')[0].strip().lower()
        if content_type != FORM_CONTENT_TYPE:
            raise invalid('body', 'The body must be %s.' % FORM_CONTENT_TYPE)
    if action.needs_login and not _login_matches(settings, call.form):
        raise ApiError(-16, 'Permission denied: incorrect login details, account locked, password expired '
                            'or source IP blocked!')
    if app.fails_randomly():
        raise ApiError(-14, 'An unknown error occurred! Please try again.')
    return action.handler(call)


def _login_matches(settings, form):
    return (hmac.compare_digest((form.get('loginName') or '').encode(), settings.login.encode()) and
            hmac.compare_digest((form.get('loginPassword') or '').encode(), settings.password.encode()))


def _order_number_sent(form):
    return parse_integer(form.get('orderNumber'))
