"""11.0.1.5.0: the order no longer keeps its own copy of its certificate's PEM, chain, serial and
validity; it reads them from its current certificate record (certificate_id). Before the copies
become read-through fields, every order that holds a copy but no certificate record gets one made
from the copy (with the key made for it, if still unattached), so no certificate is lost. The copy
columns stay in the table, unread. Running it again changes nothing."""
import importlib.util
import logging
import os

_logger = logging.getLogger(__name__)


def migration_11_0_1_2_0():
    """The migration that first made certificate records from the order's copy (its helper)."""
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), '11.0.1.2.0', 'post-migration.py')
    spec = importlib.util.spec_from_file_location('comodo_post_migration_11_0_1_2_0', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def has_order_copies(cr):
    cr.execute("""SELECT 1 FROM information_schema.columns
                   WHERE table_name = 'comodo_certificate_order' AND column_name = 'certificate_pem'""")
    return bool(cr.fetchall())


def record_certificates_from_copies(cr):
    cr.execute("""
        SELECT id, partner_id, state, serial_number, certificate_pem, chain_pem, valid_from,
               valid_until, issued_at
          FROM comodo_certificate_order
         WHERE certificate_pem IS NOT NULL AND certificate_id IS NULL
    """)
    orders = cr.fetchall()
    insert_certificate = migration_11_0_1_2_0().insert_certificate
    for order in orders:
        order_id = order[0]
        certificate_id = insert_certificate(cr, *order)
        cr.execute('UPDATE comodo_certificate_order SET certificate_id = %s WHERE id = %s',
                   (certificate_id, order_id))
        cr.execute("""
            UPDATE comodo_certificate_key SET certificate_id = %s
             WHERE id = (SELECT max(id) FROM comodo_certificate_key
                          WHERE order_id = %s AND certificate_id IS NULL)
        """, (certificate_id, order_id))
    _logger.info('Made a certificate record from the copy held by %d certificate orders', len(orders))


def migrate(cr, version):
    if not version or not has_order_copies(cr):
        return
    record_certificates_from_copies(cr)
