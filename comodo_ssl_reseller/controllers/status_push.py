import logging

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)


class ComodoStatusPush(http.Controller):
    """Sectigo's certificate issuance push: a GET (orderNumber, certificateID, eventType) or a POST
    (the same with the certificate and chain) when an order changes status.

    The secret path token says the call is Sectigo's (its pushes carry no signature); what the call
    says is only a hint to ask the CA (CollectSSL, through the job queue). It answers at once, and
    the same push twice does nothing more.
    """

    @http.route('/comodo/push/<string:token>', type='http', auth='public', methods=['GET', 'POST'],
                csrf=False)
    def status_push(self, token, orderNumber=None, **pushed):
        company = request.env['comodo.push.token'].sudo()._company_for_token(token)
        if not company:
            raise NotFound()
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
