"""Check validation on the customer's certificate page: the pre-flight run now, each name's result
said in the customer's words (a POST with Odoo's CSRF token, on the customer's own order only)."""
from odoo import _, http
from odoo.exceptions import UserError
from odoo.http import request

from .portal import CertificatePortal


class PreflightPortal(CertificatePortal):

    @http.route(['/my/certificates/<int:order_id>/dcv/check'], type='http', auth='user', website=True,
                methods=['POST'])
    def portal_certificate_check_validation(self, order_id, **kw):
        order, refusal = self._owned_order_or_refusal(order_id)
        if refusal:
            return refusal
        try:
            # It asks DNS servers and web sites for the customer: counted as the CA calls are.
            request.env['comodo.portal.ca.call']._reserve(self._customer(), 'check validation')
        except UserError as error:
            return self._failed(order, error, _('check the validation'))
        results = order._check_validation_now(self._customer())
        failures = [customer for _name, ok, _staff, customer in results if not ok]
        if failures:
            return self._certificate_page(order, error=' '.join(failures))
        return self._certificate_page(order, notice=' '.join(customer for _name, _ok, _staff, customer in results))
