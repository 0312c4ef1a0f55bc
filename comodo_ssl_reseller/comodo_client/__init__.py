"""Plain-Python client for the Comodo (Sectigo) reseller API. Imports nothing from Odoo.

The Odoo models use only the names below; everything else in the package is internal.
"""
from .bundles import build_pkcs12, full_chain_pem
from .client import ComodoClient
from .costs import parse_cost, report_cost, report_refunded
from .dcv import DCV_METHODS, dcv_instructions
from .errors import ComodoError, ConfigurationError, RequestError, TransientError
from .keys import (MAX_CSR_BYTES, build_csr, certificate_matches_csr, check_csr, check_domains, clean_csr,
                   decode_csr, generate_private_key, refuse_private_key, repeated_domains)
from .results import (CollectResult, CsrInfo, DcvInstructions, OrderStatus, PlacedOrder,
                      ReportCertificate, ReportEntry, ReportedStatus, ReportStatus)
from .soap import ComodoSoapClient

__all__ = [
    'ComodoClient', 'ComodoSoapClient',
    'ComodoError', 'TransientError', 'ConfigurationError', 'RequestError',
    'OrderStatus', 'PlacedOrder', 'CollectResult', 'ReportEntry', 'ReportCertificate', 'CsrInfo',
    'ReportStatus', 'ReportedStatus',
    'DcvInstructions',
    'generate_private_key', 'build_csr', 'decode_csr', 'check_csr', 'check_domains', 'clean_csr',
    'certificate_matches_csr', 'refuse_private_key', 'repeated_domains', 'dcv_instructions',
    'DCV_METHODS', 'MAX_CSR_BYTES',
    'build_pkcs12', 'full_chain_pem',
    'parse_cost', 'report_cost', 'report_refunded',
]
