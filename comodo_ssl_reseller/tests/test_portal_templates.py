from lxml import etree

from odoo.tests.common import TransactionCase

OUTPUT_DIRECTIVES = ('t-esc', 't-raw')


class TestQwebTemplates(TransactionCase):
    """Odoo 11's QWeb leaves out an element whose t-esc or t-raw value is None or False, tag and
    all: `<textarea t-esc="form.get('csr')"/>` vanished from the buy form while the value was empty.
    The addon's templates write every value inside its element (`<p><t t-esc="..."/></p>`)."""

    def test_no_element_carries_its_own_output(self):
        data = self.env['ir.model.data'].search([('module', '=', 'comodo_ssl_reseller'),
                                                 ('model', '=', 'ir.ui.view')])
        views = self.env['ir.ui.view'].browse(data.mapped('res_id')).filtered(lambda view: view.type == 'qweb')
        self.assertIn(self.env.ref('comodo_ssl_reseller.portal_certificate_buy'), views)
        offending = []
        for view in views:
            for element in etree.fromstring(view.arch_db).iter(tag=etree.Element):
                for directive in OUTPUT_DIRECTIVES:
                    if element.tag != 't' and directive in element.attrib:
                        offending.append('%s: <%s %s="%s">' % (view.xml_id, element.tag, directive,
                                                               element.attrib[directive]))
        self.assertFalse(offending, 'write these values inside their element:\n' + '\n'.join(offending))
