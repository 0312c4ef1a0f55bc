from odoo import _, api, fields, models


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    comodo_order_ids = fields.One2many('comodo.certificate.order', 'sale_order_id', string='Certificate Orders')
    comodo_order_count = fields.Integer(compute='_compute_comodo_order_count', string='Certificates')

    @api.depends('comodo_order_ids')
    def _compute_comodo_order_count(self):
        for sale in self:
            sale.comodo_order_count = len(sale.comodo_order_ids)

    @api.multi
    def action_confirm(self):
        certificate_lines = self.mapped('order_line').filtered('comodo_term_id')
        certificate_lines.mapped('order_id.partner_id')._check_comodo_ssl()
        certificate_lines._check_comodo_line_complete()
        result = super(SaleOrder, self).action_confirm()
        certificate_lines.filtered(lambda line: not line.comodo_order_ids)._create_comodo_orders()
        return result

    @api.multi
    def action_view_comodo_orders(self):
        """The certificate orders this sale made (its smart button)."""
        self.ensure_one()
        action = self.env.ref('comodo_ssl_reseller.comodo_certificate_order_action').read()[0]
        action.update({
            'name': _('Certificate Orders'),
            'domain': [('sale_order_id', '=', self.id)],
            'context': {'create': False},
        })
        if len(self.comodo_order_ids) == 1:
            action.update({'views': [(False, 'form')], 'res_id': self.comodo_order_ids.id})
        return action

    @api.model
    def _create_in_company(self, company, values, bought_by=None):
        """A sale order made as superuser (a portal purchase, a renewal) in the customer's company.

        The superuser's own company would otherwise pick its number sequence and the customer's
        pricelist, and the invoice's journal and accounts after it: the context names the company
        for every default and company-dependent property read on the way. The salesperson is the
        customer's own (or none), never the superuser, and the invoice takes it from the sale.
        `bought_by`: the customer who bought it on the portal; the chatter says so in their name
        instead of logging the superuser's creation.
        """
        partner = self.env['res.partner'].sudo().browse(values['partner_id'])
        values = dict({'user_id': partner.user_id.id or False}, **values)
        in_company = self.sudo().with_context(force_company=company.id, company_id=company.id)
        if not bought_by:
            return in_company.create(dict(values, company_id=company.id))
        sale = in_company.with_context(mail_create_nolog=True, mail_notrack=True).create(
            dict(values, company_id=company.id))
        sale.message_post(body=_('Bought on the customer portal by %s.') % bought_by.name,
                          author_id=bought_by.id, subtype='mail.mt_note')
        return sale.with_env(in_company.env)

    def _invoice_comodo_lines(self, lines):
        """Invoice these certificate lines of the sale: one invoice per certificate, or one for
        them all, as the company chose. Each invoice line names its certificate order (lines
        already have theirs), so a rejection credits that certificate alone."""
        if self.company_id.comodo_invoice_grouping == 'sale':
            batches = [lines]
        else:
            batches = [line for line in lines]
        invoices = self.env['account.invoice']
        for batch in batches:
            invoices |= self._invoice_comodo_batch(batch)
        return invoices

    def _invoice_comodo_batch(self, lines):
        # The sale's company, not the confirming user's, chooses the journal and the accounts.
        sale = self.with_context(force_company=self.company_id.id, company_id=self.company_id.id)
        orders = lines.mapped('comodo_order_ids')
        # Named after its certificate when it bills one: what reports and the credit limit read.
        invoice = sale.env['account.invoice'].create(dict(
            sale._prepare_invoice(), comodo_order_id=orders.id if len(orders) == 1 else False))
        invoice_lines = sale.env['account.invoice.line']
        for line in lines.with_env(sale.env):
            # Made naming its certificate order, and labelled after it, rather than written again.
            order = line.comodo_order_ids
            invoice_lines.create(dict(
                line._prepare_invoice_line(qty=line.qty_to_invoice), invoice_id=invoice.id,
                sale_line_ids=[(6, 0, [line.id])], comodo_order_id=order.id,
                name=order.sudo()._invoice_line_label()))
        invoice.compute_taxes()
        return invoice
