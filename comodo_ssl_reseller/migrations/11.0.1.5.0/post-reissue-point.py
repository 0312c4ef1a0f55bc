"""11.0.1.5.0: a certificate is reissued two thirds into its life, no longer a fixed number of days
before it expires; the company's reissue days now only keep a reissue from starting later than that
many days before expiry. The old default, 30, would now replace every 47-day certificate halfway:
companies that kept it take the new default, 7; a company that chose another number keeps it.
Running it again changes nothing."""
import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

OLD_DEFAULT_DAYS = 30
NEW_DEFAULT_DAYS = 7


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    # Through the ORM: each order's reissue point is computed again from the new days.
    companies = env['res.company'].search([('comodo_reissue_days', '=', OLD_DEFAULT_DAYS)])
    companies.write({'comodo_reissue_days': NEW_DEFAULT_DAYS})
    _logger.info('%d companies take the new default of %d reissue days', len(companies), NEW_DEFAULT_DAYS)
