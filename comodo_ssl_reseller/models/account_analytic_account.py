from odoo import _, api, fields, models
from odoo.exceptions import AccessError

# Who may set what on a customer's subscription, and the reason a refusal gives. The plan sets what
# the customer pays for hosting and certificates (a free plan gives certificates away): a price
# decision, which a hosting billing product leaves to sales managers, and to SSL managers, who
# configure the plans. The web server is where the customer's private keys are written as root:
# only those who run the servers choose it (deployment administrators, which system administrators
# are, and SSL managers, who point hosted domains at servers too).
HOSTING_FIELD_GROUPS = {
    'hosting_plan_id': (('sales_team.group_sale_manager', 'comodo_ssl_reseller.group_ssl_manager'),
                        'the plan sets what the customer pays; sales managers and SSL managers choose it.'),
    'deploy_target_id': (('comodo_ssl_reseller.group_deploy_admin', 'comodo_ssl_reseller.group_ssl_manager'),
                         'certificates and their private keys are installed there; deployment '
                         'administrators and SSL managers choose it.'),
}


class AccountAnalyticAccount(models.Model):
    """A customer's subscription to a hosting plan is an OCA contract made from the plan."""

    _inherit = 'account.analytic.account'

    def _default_hosting_today(self):
        return self.env.user.company_id._hosting_today()

    # The company's date, the one its plans are judged running by (res.company._hosting_today).
    date_start = fields.Date(default=_default_hosting_today)
    recurring_next_date = fields.Date(default=_default_hosting_today)
    hosting_plan_id = fields.Many2one('hosting.plan', string='Hosting Plan', index=True,
                                      ondelete='restrict')
    ssl_setup_invoiced = fields.Boolean(
        string='SSL Setup Fee Invoiced', readonly=True, copy=False,
        help='The SSL module setup fee went out with an invoice of this subscription.')
    deploy_target_id = fields.Many2one(
        'comodo.deploy.target', string='Web Server', ondelete='restrict',
        help='Where the certificates bought for this hosting are installed.')

    @api.multi
    def name_get(self):
        """Odoo adds the customer to the name: a subscription named after its customer says it once."""
        names = dict(super(AccountAnalyticAccount, self).name_get())
        for account in self:
            customer = ' - %s' % account.partner_id.commercial_partner_id.name
            if account.partner_id and names[account.id].endswith(customer * 2):
                names[account.id] = names[account.id][:-len(customer)]
        return [(account.id, names[account.id]) for account in self]

    def _check_may_set_hosting(self, vals):
        """Refuse setting a subscription's plan or web server to users who may not choose them (on
        create: any value; on write: a change)."""
        for name, (groups, reason) in HOSTING_FIELD_GROUPS.items():
            if name not in vals or any(self.env.user.has_group(group) for group in groups):
                continue
            if self.filtered(lambda record: record[name].id != (vals[name] or False)) or (not self and vals[name]):
                raise AccessError(_('You may not set the %s of a subscription: %s')
                                  % (self._fields[name].string, reason))

    @api.onchange('hosting_plan_id')
    def _onchange_hosting_plan_id(self):
        if self.hosting_plan_id:
            self.contract_template_id = self.hosting_plan_id.contract_template_id
            self._onchange_contract_template_id()

    @api.model
    def create(self, vals):
        self.browse()._check_may_set_hosting(vals)
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

    @api.multi
    def write(self, vals):
        self._check_may_set_hosting(vals)
        return super(AccountAnalyticAccount, self).write(vals)

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
