from odoo import _, api, fields, models
from odoo.addons import decimal_precision as dp
from odoo.exceptions import ValidationError


class HostingPlan(models.Model):
    """A hosting plan: what customers on it pay (an OCA contract template) and may do with SSL.

    The recurring part — fee lines, recurrence, journal — is an `account.analytic.contract`
    (delegation), so OCA contract invoices the plans; a customer's subscription is a contract made
    from it. The plan adds H-Sphere's "E-Commerce options": the SSL module and Comodo SSL flags,
    the SSL module's fees, and certificate prices of its own.
    """

    _name = 'hosting.plan'
    _description = 'Hosting Plan'
    _inherits = {'account.analytic.contract': 'contract_template_id'}
    _order = 'name'

    contract_template_id = fields.Many2one(
        'account.analytic.contract', string='Contract Template', required=True, ondelete='cascade',
        auto_join=True)
    active = fields.Boolean(default=True)
    ssl_module = fields.Boolean(
        string='SSL Module',
        help='Customers on this plan may use SSL at all. Without it they can do nothing with SSL, '
             'including buying Comodo certificates.')
    comodo_ssl = fields.Boolean(
        string='Comodo SSL',
        help='Customers on this plan may buy Comodo certificates. Needs the SSL module.')
    ssl_setup_fee = fields.Float(
        string='SSL Module Setup Fee', digits=dp.get_precision('Product Price'),
        help='Invoiced once, with the first invoice of a subscription that has the SSL module.')
    ssl_recurring_fee = fields.Float(
        string='SSL Module Recurring Fee', digits=dp.get_precision('Product Price'),
        help="Invoiced with each of the plan's recurring invoices while it has the SSL module.")
    certificate_billing = fields.Boolean(
        string='Bill Certificates', default=True,
        help='Off: customers on this plan get their certificates free.')
    certificate_price_ids = fields.One2many(
        'hosting.plan.certificate.price', 'plan_id', string='Certificate Prices',
        help='Prices for customers on this plan, instead of the reseller prices.')
    subscription_ids = fields.One2many(
        'account.analytic.account', 'hosting_plan_id', string='Subscriptions')
    subscription_count = fields.Integer(compute='_compute_subscription_count')

    @api.depends('subscription_ids')
    def _compute_subscription_count(self):
        for plan in self:
            plan.subscription_count = len(plan.subscription_ids)

    @api.constrains('ssl_module', 'comodo_ssl')
    def _check_comodo_ssl_needs_ssl_module(self):
        for plan in self:
            if plan.comodo_ssl and not plan.ssl_module:
                raise ValidationError(_(
                    'Plan %s: Comodo SSL needs the SSL module. Without it customers can do nothing '
                    'with SSL, including buying Comodo certificates.') % plan.name)

    @api.constrains('ssl_setup_fee', 'ssl_recurring_fee')
    def _check_fees(self):
        for plan in self:
            if plan.ssl_setup_fee < 0 or plan.ssl_recurring_fee < 0:
                raise ValidationError(_('Plan %s: fees cannot be negative.') % plan.name)

    @api.onchange('ssl_module')
    def _onchange_ssl_module(self):
        if not self.ssl_module and self.comodo_ssl:
            self.comodo_ssl = False
            return {'warning': {
                'title': _('Comodo SSL turned off'),
                'message': _('Comodo SSL needs the SSL module: it is off too now.'),
            }}

    @api.model
    def create(self, vals):
        plan = super(HostingPlan, self).create(vals)
        plan._sync_ssl_module_lines()
        return plan

    @api.multi
    def write(self, vals):
        result = super(HostingPlan, self).write(vals)
        if {'ssl_module', 'ssl_recurring_fee'} & set(vals):
            self._sync_ssl_module_lines()
        return result

    def _sync_ssl_module_lines(self):
        """The SSL module's recurring fee is a line of the plan and of each subscription to it.

        Turning the module off, or its fee to zero, removes the line everywhere; the next invoices
        follow.
        """
        product = self.env.ref('comodo_ssl_reseller.product_product_ssl_module')
        for plan in self:
            wanted = plan.ssl_module and plan.ssl_recurring_fee > 0
            # Subscriptions are the customers' contracts: a plan manager changes them through the
            # plan, without needing accounting rights on every contract.
            holders = [plan.contract_template_id] + list(plan.sudo().subscription_ids)
            for holder in holders:
                line = holder.recurring_invoice_line_ids.filtered(lambda l: l.product_id == product)
                if not wanted:
                    line.unlink()
                elif line:
                    line.write({'automatic_price': False, 'specific_price': plan.ssl_recurring_fee})
                else:
                    holder.write({'recurring_invoice_line_ids': [(0, 0, {
                        'product_id': product.id,
                        'name': product.name,
                        'quantity': 1,
                        'uom_id': product.uom_id.id,
                        'automatic_price': False,
                        'specific_price': plan.ssl_recurring_fee,
                    })]})

    @api.multi
    def action_view_subscriptions(self):
        action = self.env.ref('contract.action_account_analytic_overdue_all').read()[0]
        # OCA contract calls them Contracts; to a hosting company they are its customers' subscriptions.
        action['name'] = action['display_name'] = _('Subscriptions')
        action['domain'] = [('hosting_plan_id', 'in', self.ids)]
        action['context'] = {'default_hosting_plan_id': self[:1].id, 'default_recurring_invoices': True}
        return action

    def _certificate_price(self, term):
        """What a customer on this plan pays for a certificate term."""
        self.ensure_one()
        if not self.certificate_billing:
            return 0.0
        override = self.certificate_price_ids.filtered(lambda price: price.term_id == term)
        return override[0].price if override else term.reseller_price
