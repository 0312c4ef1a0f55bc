"""What every CA backend shares. The Odoo side uses only this interface:

place_order, collect, find_order, revoke, refund, check_login, dcv_emails, resend_dcv, update_dcv,
replace, report, report_all, report_statuses; a backend that lacks a call raises ConfigurationError
saying so.
"""


class CaBackend(object):
    """A client for one CA account, over one requests.Session that closes with the client."""

    # Whether find_order can recover an order placed by an attempt whose answer was lost.
    finds_lost_orders = True
    # Whether report_statuses answers for many orders in one call (else poll each with collect).
    reports_in_bulk = True

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self.session.close()
