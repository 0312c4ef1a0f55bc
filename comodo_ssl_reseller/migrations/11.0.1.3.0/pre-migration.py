"""11.0.1.3.0: every customer mail links to the certificate's page and says what happens next.

Mail templates are noupdate data: an update never rewrites one that exists, so the renewal reminder
would keep its old text (no link). It is deleted here and the update creates it again from the
module; a reminder edited by hand is replaced too, which the release notes say.
"""
from odoo import SUPERUSER_ID, api

RELOADED_TEMPLATES = ('comodo_ssl_reseller.mail_template_renewal_reminder',)


def delete_templates_to_reload(env):
    for xmlid in RELOADED_TEMPLATES:
        template = env.ref(xmlid, raise_if_not_found=False)
        if template:
            template.unlink()


def migrate(cr, version):
    if version:
        delete_templates_to_reload(api.Environment(cr, SUPERUSER_ID, {}))
