# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    'name': 'Comodo SSL Reseller',
    'summary': 'Resell Comodo (Sectigo) SSL certificates to hosting customers: '
               'order, follow, invoice and install them from Odoo',
    'version': '11.0.1.0.0',
    'category': 'Sales',
    'website': 'https://github.com/comodo-ssl-reseller/comodo_ssl_reseller',
    'author': 'comodo_ssl_reseller developers',
    'license': 'AGPL-3',
    'application': True,
    'installable': True,
    'depends': [
        'sale_management',
        'account_invoicing',
        'portal',
        'queue_job',
        'contract',
    ],
    'external_dependencies': {
        'python': ['requests', 'cryptography'],
    },
    'data': [
        'security/comodo_ssl_security.xml',
        'security/ir.model.access.csv',
        'data/comodo_certificate_type_data.xml',
        'data/ir_sequence_data.xml',
        'data/ir_cron_data.xml',
        'data/mail_template_data.xml',
        'views/comodo_ssl_menus.xml',
        'views/comodo_certificate_type_views.xml',
        'views/comodo_certificate_term_views.xml',
        'views/comodo_certificate_order_views.xml',
        'views/comodo_poll_run_views.xml',
        'views/product_template_views.xml',
        'views/sale_order_views.xml',
        'views/account_invoice_views.xml',
        'views/res_config_settings_views.xml',
    ],
    'demo': [
        'demo/comodo_certificate_term_demo.xml',
        'demo/res_company_demo.xml',
    ],
}
