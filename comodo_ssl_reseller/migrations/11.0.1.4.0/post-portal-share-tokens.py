"""11.0.1.4.0: certificate orders have no share links any more (customers log in).

An update leaves the column of a field the module no longer declares: the share tokens would stay
in the table, in every dump and in reach of any SQL report. They are dropped, so that a link handed
out before opens nothing anywhere.
"""


def migrate(cr, version):
    if version:
        cr.execute('ALTER TABLE comodo_certificate_order DROP COLUMN IF EXISTS access_token')
