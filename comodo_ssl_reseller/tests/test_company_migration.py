"""The 11.0.1.4.0 migration gives the keys, poll runs and portal calls of a database made before it
their company, on tables as 11.0.1.3.0 left them (without the column)."""
from .common import ComodoCase, load_migration, unique_domain

TABLES = ('comodo_certificate_key', 'comodo_poll_run', 'comodo_portal_ca_call')


class TestCompanyMigration(ComodoCase):

    def _company_column(self, table, record_id):
        self.env.cr.execute('SELECT company_id FROM %s WHERE id = %%s' % table, (record_id,))
        return self.env.cr.fetchone()[0]

    def test_existing_records_get_their_company(self):
        second = self.env['res.company'].create({'name': 'Second Hosting Company'})
        order = self.env['comodo.certificate.order'].create({
            'partner_id': self.customer.id, 'company_id': second.id, 'term_id': self.term.id,
            'domain': unique_domain('never'), 'dcv_method': 'CNAME_CSR_HASH'})
        order._prepare_key_material()
        key = self.env['comodo.certificate.key'].search([('order_id', '=', order.id)])
        polled_second = self.env['comodo.poll.run'].create({'company_id': self.company.id})
        order.poll_run_id = polled_second
        polled_none = self.env['comodo.poll.run'].create({'company_id': second.id})
        portal_customer = self.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Customer of the second company', 'login': 'migration-portal', 'company_id': second.id,
            'company_ids': [(6, 0, [second.id])], 'groups_id': [(6, 0, [self.env.ref('base.group_portal').id])]})
        call = self.env['comodo.portal.ca.call'].create({
            'partner_id': portal_customer.partner_id.id, 'action': 'revoke', 'company_id': self.company.id})
        for table in TABLES:
            self.env.cr.execute('ALTER TABLE %s DROP COLUMN company_id' % table)

        load_migration('11.0.1.4.0', 'pre-company-rules').migrate(self.env.cr, '11.0.1.3.0')

        self.env.cr.execute('SELECT min(id) FROM res_company')
        first_company = self.env.cr.fetchone()[0]
        self.assertEqual(self._company_column('comodo_certificate_key', key.id), second.id, "its order's")
        self.assertEqual(self._company_column('comodo_poll_run', polled_second.id), second.id,
                         "the company of the orders it polled")
        self.assertEqual(self._company_column('comodo_poll_run', polled_none.id), first_company,
                         'polled nothing: the first company')
        self.assertEqual(self._company_column('comodo_portal_ca_call', call.id), second.id,
                         "its customer's portal user's")
