"""The portal's chatter routes, closed to tokens for certificate orders.

Odoo's portal lets whoever holds a record's access token post on it, anonymously in the name of
the record's customer, and read its messages. Certificate orders have no share token (customers log
in), so a token names nothing there: such calls are answered 404, never an error page.
"""
from werkzeug.exceptions import NotFound

from odoo import http

from odoo.addons.portal.controllers.mail import PortalChatter

TOKENLESS_MODELS = ('comodo.certificate.order',)


class CertificateChatter(PortalChatter):

    @http.route()
    def portal_chatter_post(self, res_model, res_id, message, **kw):
        self._refuse_token(res_model, kw)
        return super(CertificateChatter, self).portal_chatter_post(res_model, res_id, message, **kw)

    @http.route()
    def portal_message_fetch(self, res_model, res_id, domain=False, limit=10, offset=0, **kw):
        self._refuse_token(res_model, kw)
        return super(CertificateChatter, self).portal_message_fetch(res_model, res_id, domain=domain, limit=limit,
                                                                    offset=offset, **kw)

    @staticmethod
    def _refuse_token(res_model, kw):
        if res_model in TOKENLESS_MODELS and kw.get('token'):
            raise NotFound()
