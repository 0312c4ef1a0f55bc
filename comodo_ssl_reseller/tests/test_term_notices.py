"""The reminders and notices the daily cron sends about a term are kept as rows, one per threshold of
days left: what keeps the next run from sending one again, and what staff read on the order."""
import base64

from .common import load_migration, unique_domain
from .test_term_cron_isolation import TermCronCase


class TestTermNotices(TermCronCase):

    def _one_year_terms(self):
        """A term bought on 2026-12-02 that ends with nothing renewing it, and one auto-renewed
        (both end on 2027-12-02); on 2027-11-02 the first is told and the second's renewal invoiced."""
        self._travel('2026-12-02')
        ending, renewed = self._buy(unique_domain('instant')), self._buy(unique_domain('instant'))
        ending._set_auto_renew(False)
        self._daily_cron('2027-11-02')
        return ending, renewed.renewal_ids

    def _mails_about(self, order):
        return self.env['mail.mail'].search_count([('subject', 'like', order.domain)])

    def test_each_mail_sent_is_a_row_with_its_threshold_and_time(self):
        ending, renewal = self._one_year_terms()
        self.assertEqual([(notice.kind, notice.days_left, notice.sent_at) for notice in ending.notice_ids],
                         [('expiry_notice', 30, '2027-11-02 00:00:00')])
        self.assertFalse(renewal.notice_ids, 'invoiced today, not reminded yet')
        self._daily_cron('2027-11-27')  # 5 days left: the 15- and 7-day reminders in one mail
        self.assertEqual(sorted((notice.kind, notice.days_left, notice.sent_at) for notice in renewal.notice_ids),
                         [('renewal_reminder', 7, '2027-11-27 00:00:00'),
                          ('renewal_reminder', 15, '2027-11-27 00:00:00')])
        self.assertEqual(renewal.renewal_reminders_sent, '15,7')
        self.assertEqual(ending.expiry_notices_sent, '30,7')

    def test_migration_turns_the_days_listed_into_rows_and_nothing_is_sent_again(self):
        ending, renewal = self._one_year_terms()
        # The shape before 11.0.1.6.0: the days sent listed in a string on the order, and no rows.
        self.env.cr.execute('ALTER TABLE comodo_certificate_order ADD COLUMN renewal_reminders_sent varchar, '
                            'ADD COLUMN expiry_notices_sent varchar')
        self.env.cr.execute("UPDATE comodo_certificate_order SET expiry_notices_sent = '30, 7' WHERE id = %s",
                            (ending.id,))
        self.env.cr.execute("UPDATE comodo_certificate_order SET renewal_reminders_sent = '15,7,' WHERE id = %s",
                            (renewal.id,))
        self.env.cr.execute('DELETE FROM comodo_certificate_order_notice')
        mails = (self._mails_about(ending), self._mails_about(renewal))

        migration = load_migration('11.0.1.6.0', 'post-term-notices')
        migration.migrate(self.env.cr, '11.0.1.5.0')
        migration.migrate(self.env.cr, '11.0.1.5.0')  # run twice: nothing doubles
        self.env['comodo.certificate.order'].invalidate_cache()

        self.assertEqual(sorted(ending.notice_ids.mapped('days_left')), [7, 30])
        self.assertEqual(set(ending.notice_ids.mapped('kind')), {'expiry_notice'})
        self.assertEqual((ending.expiry_notices_sent, renewal.renewal_reminders_sent), ('30,7', '15,7'))
        self.assertEqual(set(renewal.notice_ids.mapped('kind')), {'renewal_reminder'})
        self.assertFalse(migration.has_column(self.env.cr, 'renewal_reminders_sent')
                         or migration.has_column(self.env.cr, 'expiry_notices_sent'), 'no stale copy left')
        self._daily_cron('2027-11-26')  # 6 days left: the 7-day notice and reminder went out before
        self.assertEqual((self._mails_about(ending), self._mails_about(renewal)), mails)
        self.assertEqual(len(ending.notice_ids | renewal.notice_ids), 4)


class TestTermMailsStored(TermCronCase):
    """The cron writes a day's term mails in a few statements, not through mail.mail.create: each
    must still be what Odoo's own create makes of the same rendered template."""

    maxDiff = None
    # What differs between any two mails created one after the other.
    OWN_TO_EACH_MAIL = {'id', 'mail_message_id', 'message_id', 'date', 'create_date', 'write_date',
                        '__last_update', 'display_name'}

    def _stored_fields(self, mail):
        """Each field of the mail stored in mail_mail or in its mail_message, with its value."""
        message_fields = self.env['mail.message']._fields
        names = [name for name, field in mail._fields.items()
                 if (field.store or field.inherited and message_fields[name].store)
                 and name not in self.OWN_TO_EACH_MAIL]
        return {name: sorted(value) if isinstance(value, list) else value
                for name, value in mail.read(names)[0].items() if name != 'id'}

    def _as_odoo_creates_it(self, template, order):
        """The mail mail.mail.create makes of `template` rendered for `order`, read and removed."""
        values = template.generate_email(order.id)
        values['recipient_ids'] = [(4, partner_id) for partner_id in values.pop('partner_ids', [])]
        values['attachment_ids'] = [(6, 0, values.get('attachment_ids', []))]
        values.pop('attachments', None)
        if not values.get('email_from'):
            values.pop('email_from')  # Odoo's create puts the sender's address instead
        mail = self.env['mail.mail'].sudo().create(values)
        stored = self._stored_fields(mail)
        mail.unlink()
        return stored

    def test_each_mail_is_stored_as_odoos_create_stores_it_with_its_recipient_attachment_and_chatter_line(self):
        self._travel('2026-12-02')
        orders = self._buy(unique_domain('instant')) | self._buy(unique_domain('instant'))
        template = self.env.ref('comodo_ssl_reseller.mail_template_certificate_expiring')
        # A class Odoo's create strips from the chatter's copy (the message body), not from the mail.
        template.body_html = template.body_html.replace('<p>', '<p class="lead">', 1)
        template.attachment_ids = self.env['ir.attachment'].create({
            'name': 'terms.txt', 'datas_fname': 'terms.txt', 'datas': base64.b64encode(b'Our terms.')})
        expected = {order: self._as_odoo_creates_it(template, order) for order in orders}
        before = self.env['mail.mail'].search([])

        orders._queue_customer_mails(template)

        mails = self.env['mail.mail'].search([('id', 'not in', before.ids)])
        self.assertEqual(sorted(mails.mapped('res_id')), sorted(orders.ids), 'one mail an order')
        for mail in mails:
            order = orders.browse(mail.res_id)
            self.assertEqual(self._stored_fields(mail), expected[order])
            self.assertEqual(mail.recipient_ids, order.partner_id)
            self.assertEqual(mail.attachment_ids, template.attachment_ids)
            self.assertIn(mail.mail_message_id, order.message_ids, "staff read it in the order's chatter")
        self.assertEqual(len(set(mails.mapped('message_id'))), 2, 'each mail its own Message-Id')
