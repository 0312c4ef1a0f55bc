from odoo import _, api, fields, models


class AccountAnalyticAccount(models.Model):
    """A customer's subscription to a hosting plan is an OCA contract made from the plan."""

    _inherit = 'account.analytic.account'

    hosting_plan_id = fields.Many2one('hosting.plan', string='Hosting Plan', index=True,
                                      ondelete='restrict')
    ssl_setup_invoiced = fields.Boolean(
        string='SSL Setup Fee Invoiced', readonly=True, copy=False,
        help='The SSL module setup fee went out with an invoice of this subscription.')
    deploy_target_id = fields.Many2one(
        'comodo.deploy.target', string='Web Server', ondelete='restrict',
        help='Where the certificates bought for this hosting are installed.')

    @api.onchange('hosting_plan_id')
    def _onchange_hosting_plan_id(self):
        if self.hosting_plan_id:
            self.contract_template_id = self.hosting_plan_id.contract_template_id
            self._onchange_contract_template_id()

    @api.model
    def create(self, vals):
        plan = self.env['hosting.plan'].browse(vals.get('hosting_plan_id'))
        if plan:
            vals.setdefault('contract_template_id', plan.contract_template_id.id)
            vals.setdefault('recurring_rule_type', plan.recurring_rule_type)
            vals.setdefault('recurring_interval', plan.recurring_interval)
            if not vals.get('recurring_invoice_line_ids'):
                # As the form's onchange does: the subscription starts with the plan's lines.
                vals['recurring_invoice_line_ids'] = [
                    (0, 0, line._prepare_subscription_line()) for line in plan.recurring_invoice_line_ids]
        return super(AccountAnalyticAccount, self).create(vals)

    def _is_running(self, date=None):
        self.ensure_one()
        date = date or fields.Date.context_today(self)
        return (self.active and self.recurring_invoices and self.date_start <= date
                and (not self.date_end or self.date_end >= date))

    @api.multi
    def _create_invoice(self, invoice=False):
        """The first invoice with the SSL module also carries the module's setup fee."""
        invoice = super(AccountAnalyticAccount, self)._create_invoice(invoice)
        plan = self.hosting_plan_id
        if plan.ssl_module and plan.ssl_setup_fee > 0 and not self.ssl_setup_invoiced:
            product = self.env.ref('comodo_ssl_reseller.product_product_ssl_module_setup')
            line = self.env['account.invoice.line'].new({
                'invoice_id': invoice.id, 'product_id': product.id, 'quantity': 1})
            line._onchange_product_id()
            values = line._convert_to_write(line._cache)
            values.update({'name': _('%s: SSL module setup') % plan.name, 'price_unit': plan.ssl_setup_fee,
                           'account_analytic_id': self.id})
            self.env['account.invoice.line'].create(values)
            invoice.compute_taxes()
            self.ssl_setup_invoiced = True
        return invoice
