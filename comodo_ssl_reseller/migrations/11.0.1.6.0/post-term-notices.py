"""11.0.1.6.0: the reminders and notices sent about a term are rows of comodo.certificate.order.notice,
no longer days listed in a string on the order ("15,7" in renewal_reminders_sent, "30,7" in
expiry_notices_sent). Each day listed becomes a row, so no reminder or notice is sent a second time;
the two columns are then dropped (left, they would read as current and never change again). The
strings never said when a mail went out: the rows carry the time of this update. Running it again
changes nothing."""
import logging

_logger = logging.getLogger(__name__)

# The order's column listing the days sent, and the kind of its rows.
LEDGER_COLUMNS = (('renewal_reminders_sent', 'renewal_reminder'), ('expiry_notices_sent', 'expiry_notice'))


def has_column(cr, column):
    cr.execute("""SELECT 1 FROM information_schema.columns
                   WHERE table_name = 'comodo_certificate_order' AND column_name = %s""", (column,))
    return bool(cr.fetchall())


def record_days_sent(cr, column, kind):
    """A row for each day listed in `column`: "15,7" makes two; blanks and stray spaces are skipped."""
    cr.execute("""
        INSERT INTO comodo_certificate_order_notice
               (order_id, kind, days_left, sent_at, create_uid, create_date, write_uid, write_date)
        SELECT o.id, %s, days.value::integer, now() AT TIME ZONE 'UTC',
               1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
          FROM comodo_certificate_order o,
               LATERAL (SELECT DISTINCT trim(part) AS value
                          FROM unnest(string_to_array(o.{column}, ',')) AS part) days
         WHERE days.value ~ '^[0-9]+$'
        ON CONFLICT (order_id, kind, days_left) DO NOTHING
    """.format(column=column), (kind,))
    _logger.info('Recorded %d term mails sent from comodo_certificate_order.%s', cr.rowcount, column)
    cr.execute('ALTER TABLE comodo_certificate_order DROP COLUMN %s' % column)


def migrate(cr, version):
    if not version:
        return
    for column, kind in LEDGER_COLUMNS:
        if has_column(cr, column):
            record_days_sent(cr, column, kind)
