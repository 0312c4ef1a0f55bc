"""11.0.1.2.0: a certificate order is the term the customer bought; each certificate issued in it
is a comodo_certificate of its own (certificates last at most 200 days since 2026-03-15).

Every order that holds a certificate gets it as its first comodo_certificate, with the key Odoo
made for it, and its term dates from that certificate. A key now belongs to one certificate, and an
order holds one key per certificate: the old "one key per order" constraint goes (Odoo never drops
a constraint that left the code).
"""
import logging

_logger = logging.getLogger(__name__)


def drop_one_key_per_order(cr):
    cr.execute('ALTER TABLE comodo_certificate_key DROP CONSTRAINT IF EXISTS comodo_certificate_key_order_unique')


def insert_certificate(cr, order_id, partner_id, order_state, serial_number, certificate_pem, chain_pem,
                       valid_from, valid_until, issued_at):
    """A comodo_certificate made from the copy an order holds; its id."""
    cr.execute("""
        INSERT INTO comodo_certificate (order_id, partner_id, state, serial_number, certificate_pem,
                                        chain_pem, valid_from, valid_until, issued_at,
                                        create_uid, create_date, write_uid, write_date)
        VALUES (%s, %s,
                CASE WHEN %s = 'revoked' THEN 'revoked'
                     WHEN %s < (now() at time zone 'UTC') THEN 'expired'
                     ELSE 'issued' END,
                %s, %s, %s, %s, %s, %s, 1, now() at time zone 'UTC', 1, now() at time zone 'UTC')
        RETURNING id
    """, (order_id, partner_id, order_state, valid_until, serial_number, certificate_pem, chain_pem,
          valid_from, valid_until, issued_at))
    return cr.fetchone()[0]


def record_current_certificates(cr):
    cr.execute("""
        SELECT o.id, o.partner_id, o.state, o.serial_number, o.certificate_pem, o.chain_pem,
               o.valid_from, o.valid_until, o.issued_at, t.days
          FROM comodo_certificate_order o
          JOIN comodo_certificate_term t ON t.id = o.term_id
         WHERE o.certificate_pem IS NOT NULL AND o.certificate_id IS NULL
    """)
    orders = cr.fetchall()
    for order in orders:
        order_id, valid_from, days = order[0], order[6], order[9]
        certificate_id = insert_certificate(cr, *order[:9])
        cr.execute("""
            UPDATE comodo_certificate_order
               SET certificate_id = %s, term_starts_at = %s,
                   term_ends_at = %s::timestamp + %s * interval '1 day'
             WHERE id = %s
        """, (certificate_id, valid_from, valid_from, days, order_id))
        # Until now an order had at most one key: the one of this certificate.
        cr.execute("""
            UPDATE comodo_certificate_key SET certificate_id = %s
             WHERE order_id = %s AND certificate_id IS NULL
        """, (certificate_id, order_id))
    _logger.info('Recorded the current certificate of %d certificate orders', len(orders))


def migrate(cr, version):
    if not version:
        return
    drop_one_key_per_order(cr)
    record_current_certificates(cr)
