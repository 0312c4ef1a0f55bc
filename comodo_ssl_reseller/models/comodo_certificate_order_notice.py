from odoo import api, fields, models

NOTICE_KINDS = [
    ('renewal_reminder', 'Reminder to Pay the Renewal'),
    ('expiry_notice', 'Term Ends, Nothing Renews It'),
]


def unsent_threshold_sql(kind, thresholds, term_end, now):
    """SQL (and its parameters) true for an order `o` with a threshold (days left) of this `kind`
    of mail that the whole days from `now` to `term_end` (an SQL expression) have reached and that
    has no ledger row yet: the orders the daily cron still owes that mail, not those it sent."""
    return ("""EXISTS (SELECT 1 FROM unnest(%s::int[]) AS threshold(days)
                        WHERE ({term_end})::date - %s::date <= threshold.days
                          AND NOT EXISTS (SELECT 1 FROM comodo_certificate_order_notice sent
                                           WHERE sent.order_id = o.id AND sent.kind = %s
                                             AND sent.days_left = threshold.days))""".format(term_end=term_end),
            (list(thresholds), fields.Datetime.to_string(now), kind))


class ComodoCertificateOrderNotice(models.Model):
    """A mail the daily cron sent the customer about a term, at a threshold of days left: a reminder
    to pay its renewal, or a notice that the term ends with nothing renewing it. The row is what keeps
    the next run from sending it again; thresholds reached on one day share one mail (and its time)."""

    _name = 'comodo.certificate.order.notice'
    _description = 'Term Mail Sent'
    _order = 'sent_at desc, days_left'

    order_id = fields.Many2one('comodo.certificate.order', string='Certificate Order', required=True,
                               readonly=True, index=True, ondelete='cascade')
    kind = fields.Selection(NOTICE_KINDS, required=True, readonly=True)
    days_left = fields.Integer(required=True, readonly=True,
                               help='The threshold of days left in the term this mail was due at.')
    sent_at = fields.Datetime(string='Sent', required=True, readonly=True)

    _sql_constraints = [
        ('one_per_threshold', 'UNIQUE(order_id, kind, days_left)',
         'A term gets each of its reminders and notices once.'),
    ]


class ComodoCertificateOrder(models.Model):
    _inherit = 'comodo.certificate.order'

    notice_ids = fields.One2many('comodo.certificate.order.notice', 'order_id', string='Term Mails Sent',
                                 readonly=True)
    renewal_reminders_sent = fields.Char(
        compute='_compute_notices_sent',
        help='Days left at which a reminder to pay this renewal was sent, e.g. "15,7".')
    expiry_notices_sent = fields.Char(
        compute='_compute_notices_sent',
        help='Days left at which the customer was told that this term ends with nothing renewing it, '
             'e.g. "30,7".')

    @api.depends('notice_ids.kind', 'notice_ids.days_left')
    def _compute_notices_sent(self):
        for order in self:
            order.renewal_reminders_sent = order._notice_days_text('renewal_reminder')
            order.expiry_notices_sent = order._notice_days_text('expiry_notice')

    def _notice_days_text(self, kind):
        return ','.join(str(days) for days in sorted(self._notice_days_sent(kind), reverse=True)) or False

    def _notice_days_sent(self, kind):
        return set(self.notice_ids.filtered(lambda notice: notice.kind == kind).mapped('days_left'))

    def _take_due_thresholds(self, kind, thresholds, days_left, now):
        """The orders, among these, with a threshold (days left) of this `kind` of mail that their
        `days_left` (order: days) has reached and that was not sent yet; each such threshold is
        now recorded as sent at `now`. "Reached", not "equal": a cron that skipped days still sends
        its notice, and thresholds reached together make one mail, not several alike. One statement
        for all of them; a threshold another run recorded meanwhile is not taken again."""
        due = [(order.id, days) for order in self for days in thresholds if days_left[order] <= days]
        if not due:
            return self.browse()
        # The cron writes the ledger for the customer's order; staff only read it.
        self.env.cr.execute("""
            INSERT INTO comodo_certificate_order_notice
                   (order_id, kind, days_left, sent_at, create_uid, write_uid, create_date, write_date)
            SELECT order_id, %(kind)s, days_left, %(now)s, %(uid)s, %(uid)s,
                   now() at time zone 'UTC', now() at time zone 'UTC'
              FROM unnest(%(orders)s::int[], %(days)s::int[]) AS due(order_id, days_left)
            ON CONFLICT (order_id, kind, days_left) DO NOTHING
            RETURNING order_id""", {'kind': kind, 'now': fields.Datetime.to_string(now), 'uid': self.env.uid,
                                    'orders': [order_id for order_id, _days in due],
                                    'days': [days for _order_id, days in due]})
        taken = {row[0] for row in self.env.cr.fetchall()}
        # Written in SQL: the ORM is told, so that the ledger and what is computed from it (the
        # days sent) are read afresh.
        self.modified(['notice_ids'])
        return self.filtered(lambda order: order.id in taken)
