import json

from lxml import etree

from odoo.tests.common import TransactionCase


class TestBackOfficeViews(TransactionCase):
    """What the certificate order's form shows, as the web client reads it from the view."""

    def test_waiting_since_shows_only_while_the_ca_is_waited_for(self):
        arch = self.env['comodo.certificate.order'].fields_view_get(view_type='form')['arch']
        field = etree.fromstring(arch).xpath("//field[@name='waiting_since']")[0]
        invisible = json.loads(field.get('modifiers'))['invisible']
        self.assertEqual(invisible, [['state', 'not in', ['pending', 'timeout']]])
