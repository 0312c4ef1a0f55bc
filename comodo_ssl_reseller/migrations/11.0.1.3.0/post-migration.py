"""11.0.1.3.0: the reissue's "validate again" mail became "domain validation needed", sent for first
orders and reissues alike; the old template is deleted, unless something still uses it."""
from odoo import SUPERUSER_ID, api

OBSOLETE_TEMPLATE = 'comodo_ssl_reseller.mail_template_certificate_revalidate'


def delete_obsolete_template(env):
    template = env.ref(OBSOLETE_TEMPLATE, raise_if_not_found=False)
    if template and not env['ir.actions.server'].search_count([('template_id', '=', template.id)]):
        template.unlink()


def migrate(cr, version):
    if version:
        delete_obsolete_template(api.Environment(cr, SUPERUSER_ID, {}))
