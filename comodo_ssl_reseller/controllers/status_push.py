import logging
import re

from odoo import http
from odoo.http import request

from ..models.comodo_push_token import PUSH_PATH

_logger = logging.getLogger(__name__)

# The secret in the path of a push URL, as it appears in a request line.
PUSHED_TOKEN = re.compile(r'(%s)[^\s?#/"]*' % re.escape(PUSH_PATH))
MASK = '***'


class PushTokenLogFilter(logging.Filter):
    """Masks the secret of push URLs in the HTTP server's request log.

    Sectigo calls the URL it was given and adds no header of ours, so the secret has to stay in the
    path; the log line werkzeug writes for each request (to odoo.log) must not carry it.
    """

    def filter(self, record):
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # A record whose arguments do not fit its format: its handler reports that, not a filter.
            return True
        if PUSH_PATH in message:
            record.msg, record.args = PUSHED_TOKEN.sub(r'\g<1>' + MASK, message), ()
        return True


def _mask_push_tokens_in_the_request_log():
    request_log = logging.getLogger('werkzeug')
    if not any(isinstance(known, PushTokenLogFilter) for known in request_log.filters):
        request_log.addFilter(PushTokenLogFilter())


_mask_push_tokens_in_the_request_log()


class ComodoStatusPush(http.Controller):
    """Sectigo's certificate issuance push: a GET (orderNumber, certificateID, eventType) or a POST
    (the same with the certificate and chain) when an order changes status.

    The secret path token says the call is Sectigo's (its pushes carry no signature); what the call
    says is only a hint to ask the CA (CollectSSL, through the job queue). It answers at once, and
    the same push twice does nothing more. A token that is not a company's, whatever it holds, is
    answered 404.
    """

    @http.route('/comodo/push/<string:token>', type='http', auth='public', methods=['GET', 'POST'],
                csrf=False)
    def status_push(self, token, orderNumber=None, **pushed):
        company = request.env['comodo.push.token'].sudo()._company_for_token(token)
        if not company:
            # Answered here, not by raising NotFound: Odoo's fallback for an unrouted page looks the
            # path up in the database, and a NUL in it (a forged token) would fail that as a 500.
            return self._answer(404, 'not found')
        order_number = (orderNumber or '').strip()
        if not order_number.isdigit():
            return self._answer(400, 'orderNumber is missing')
        outcome = request.env['comodo.certificate.order'].sudo()._on_status_push(company, order_number)
        # Never the token (it is in the URL, not in these arguments).
        _logger.info('Comodo status push for CA order %s (event %s): %s', order_number,
                     pushed.get('eventType', '-'), outcome)
        return self._answer(200, outcome)

    @staticmethod
    def _answer(status, text):
        return http.Response(text + '\n', status=status, content_type='text/plain; charset=utf-8')
