"""11.0.1.5.0: the issued mail says whether we install the certificate on the customer's site (and
why not), instead of always telling the customer to install it. Mail templates are noupdate data,
which an update never reloads: the stock template (its body still has the old words) takes the
data file's new body; a template a company rewrote is kept. Running it again changes nothing."""
import os

from lxml import etree

from odoo import SUPERUSER_ID, api

ISSUED_TEMPLATE = 'comodo_ssl_reseller.mail_template_certificate_issued'
OLD_WORDS = 'and install them on your web server. The page says how'
DATA_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         'data', 'mail_template_data.xml')


def data_file_body(xml_id):
    """The body_html of the template `xml_id` (without module) as the data file gives it."""
    field = etree.parse(DATA_FILE).find("//record[@id='%s']/field[@name='body_html']" % xml_id)
    return ''.join(etree.tostring(child, encoding='unicode') for child in field)


def migrate(cr, version):
    if not version:
        return
    template = api.Environment(cr, SUPERUSER_ID, {}).ref(ISSUED_TEMPLATE, raise_if_not_found=False)
    if template and OLD_WORDS in (template.body_html or ''):
        template.body_html = data_file_body(ISSUED_TEMPLATE.split('.')[1])
