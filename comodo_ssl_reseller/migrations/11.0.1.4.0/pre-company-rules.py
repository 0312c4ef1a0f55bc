"""11.0.1.4.0: private keys, poll runs and portal calls to Comodo belong to a company, which the
multi-company record rules read.

The columns are added and filled here, in SQL, before the update: Odoo would otherwise compute the
keys' stored related company one record at a time, and could not make the new required columns NOT
NULL over existing rows.
"""


def fill_key_companies(cr):
    """A private key belongs to its certificate order's company."""
    cr.execute('ALTER TABLE comodo_certificate_key ADD COLUMN IF NOT EXISTS company_id integer')
    cr.execute("""
        UPDATE comodo_certificate_key k SET company_id = o.company_id
          FROM comodo_certificate_order o
         WHERE o.id = k.order_id AND k.company_id IS DISTINCT FROM o.company_id""")


def fill_poll_run_companies(cr):
    """Past runs polled every company at once: each goes to the company of the orders it polled
    (the lowest when it polled several), or to the first company when it polled none."""
    cr.execute('ALTER TABLE comodo_poll_run ADD COLUMN IF NOT EXISTS company_id integer')
    cr.execute("""
        UPDATE comodo_poll_run r
           SET company_id = COALESCE(
                   (SELECT min(o.company_id) FROM comodo_certificate_order o WHERE o.poll_run_id = r.id),
                   (SELECT min(id) FROM res_company))
         WHERE r.company_id IS NULL""")


def fill_portal_call_companies(cr):
    """A customer's call was counted against its own company: its portal user's, else the
    company the customer belongs to, else the first company."""
    cr.execute('ALTER TABLE comodo_portal_ca_call ADD COLUMN IF NOT EXISTS company_id integer')
    cr.execute("""
        UPDATE comodo_portal_ca_call c
           SET company_id = COALESCE(
                   (SELECT min(u.company_id) FROM res_users u
                      JOIN res_partner p ON p.id = u.partner_id
                     WHERE p.commercial_partner_id = c.partner_id),
                   (SELECT p.company_id FROM res_partner p WHERE p.id = c.partner_id),
                   (SELECT min(id) FROM res_company))
         WHERE c.company_id IS NULL""")


def migrate(cr, version):
    if version:
        fill_key_companies(cr)
        fill_poll_run_companies(cr)
        fill_portal_call_companies(cr)
