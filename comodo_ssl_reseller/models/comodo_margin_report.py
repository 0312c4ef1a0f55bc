from odoo import fields, models, tools


class ComodoMarginReport(models.Model):
    """One row per certificate order: what the customer was invoiced, what the CA kept, the margin.

    Sale price: the customer invoices and credit notes of the order that are posted (open or paid),
    untaxed, in the company currency. CA cost: the order's CA charges not refunded, converted at
    the charge's date.
    """

    _name = 'comodo.margin.report'
    _description = 'Comodo SSL Margin'
    _auto = False
    _rec_name = 'order_id'
    _order = 'date desc'

    order_id = fields.Many2one('comodo.certificate.order', string='Certificate Order', readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    partner_id = fields.Many2one('res.partner', string='Customer', readonly=True)
    product_id = fields.Many2one('product.product', string='Product', readonly=True)
    type_id = fields.Many2one('comodo.certificate.type', string='Certificate Type', readonly=True)
    state = fields.Selection(related='order_id.state', readonly=True)
    date = fields.Datetime(string='Ordered On', readonly=True)
    company_currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    sale_price = fields.Monetary(currency_field='company_currency_id', readonly=True)
    ca_cost = fields.Monetary(string='CA Cost', currency_field='company_currency_id', readonly=True)
    margin = fields.Monetary(currency_field='company_currency_id', readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute("""
            CREATE VIEW comodo_margin_report AS (
                SELECT o.id, o.id AS order_id, o.company_id, o.partner_id, term.product_id,
                       o.type_id, COALESCE(o.placed_at, o.create_date) AS date,
                       COALESCE(sale.amount, 0) AS sale_price,
                       COALESCE(cost.amount, 0) AS ca_cost,
                       COALESCE(sale.amount, 0) - COALESCE(cost.amount, 0) AS margin
                FROM comodo_certificate_order o
                JOIN comodo_certificate_term term ON term.id = o.term_id
                LEFT JOIN (
                    SELECT comodo_order_id, SUM(amount) AS amount FROM (
                        SELECT comodo_order_id, amount_untaxed_signed AS amount
                        FROM account_invoice
                        WHERE type IN ('out_invoice', 'out_refund') AND state IN ('open', 'paid')
                          AND comodo_order_id IS NOT NULL
                        UNION ALL
                        -- A sale's invoice billing several certificates: each one's own lines.
                        SELECT l.comodo_order_id, l.price_subtotal_signed
                        FROM account_invoice_line l
                        JOIN account_invoice i ON i.id = l.invoice_id
                        WHERE i.type IN ('out_invoice', 'out_refund') AND i.state IN ('open', 'paid')
                          AND i.comodo_order_id IS NULL AND l.comodo_order_id IS NOT NULL
                    ) billed
                    GROUP BY comodo_order_id
                ) sale ON sale.comodo_order_id = o.id
                LEFT JOIN (
                    SELECT order_id, SUM(amount_company) AS amount
                    FROM comodo_ca_charge
                    WHERE refund_state != 'refunded' AND order_id IS NOT NULL
                    GROUP BY order_id
                ) cost ON cost.order_id = o.id
            )""")
