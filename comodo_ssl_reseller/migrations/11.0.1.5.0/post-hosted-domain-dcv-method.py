"""11.0.1.5.0: each hosted domain has a validation method for new certificates, which Odoo will
publish by itself. A domain whose certificates were validated by DNS or over HTTPS so far keeps that
method (its web site may not serve the file over plain HTTP, or its DNS is where it was proven);
the others take the file over HTTP, the column's default. Running it again changes nothing."""
import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    # The method of the latest order for the same name, in the same company, where it is one Odoo
    # can publish (never email, which is for names hosted elsewhere).
    cr.execute("""
        UPDATE comodo_hosted_domain hosted
           SET dcv_method = latest.dcv_method
          FROM (SELECT DISTINCT ON (domain, company_id) domain, company_id, dcv_method
                  FROM comodo_certificate_order
                 WHERE domain IS NOT NULL
                 ORDER BY domain, company_id, id DESC) latest
         WHERE latest.domain = hosted.name AND latest.company_id = hosted.company_id
           AND latest.dcv_method IN ('HTTPS_CSR_HASH', 'CNAME_CSR_HASH')
           AND hosted.dcv_method IS DISTINCT FROM latest.dcv_method
    """)
    _logger.info('%d hosted domains keep the validation method of their latest certificate', cr.rowcount)
