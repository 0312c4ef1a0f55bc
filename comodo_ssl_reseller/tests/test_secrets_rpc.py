"""No secret over RPC: every login that is neither a settings administrator nor an SSL manager,
against every model holding a secret, through every read path of the ORM, over real XML-RPC.

Odoo 11 checks a field's groups= in read() and write() only: read_group, search domains, order and
export_data ignore it. Each call here either fails or answers without the secret; a search
answers the right guess as it answers a wrong one.
"""
import xmlrpc.client

from comodo_client import build_csr, generate_private_key
from .common import give_certificate, unique_domain
from .portal_common import PortalCase

PASSWORDS = ('Pw-A-reseller-4f1c', 'Pw-B-reseller-9d2e')
SECRET_KEYS = ('Sk-A-org-71b3', 'Sk-B-org-0c8a')
# CA internals: staff may see them, customers may not.
RESELLER_LOGIN = 'reseller-login-5e0b'
CUSTOMER_URI = 'customer-uri-a6d2'
ORG_ID = 918273
CA_INTERNAL = 'CA-INTERNAL-3b9f answer -4242'
CA_CODE = -4242

LOGINS = {
    # login: (groups, a customer?)
    'portal': (None, True),
    'portal_nossl': (None, True),
    'rpc_salesman': (['sales_team.group_sale_salesman'], False),
    'rpc_billing': (['account.group_account_invoice'], False),
    'rpc_ssl_user': (['comodo_ssl_reseller.group_ssl_user'], False),
}
SECRET_FIELDS = {
    'res.company': ['comodo_password', 'comodo_secret_key'],
    'res.config.settings': ['comodo_password', 'comodo_secret_key'],
    'comodo.reseller.account': ['password', 'secret_key', 'login'],
    'comodo.certificate.order': ['private_key_pem'],
    'comodo.certificate.key': ['private_key_pem'],
    'sale.order.line': ['comodo_csr'],
    'comodo.push.token': ['token', 'push_url'],
}
# Readable fields that must simply never hold key text: searching or sorting by them tells nothing.
KEY_FREE_FIELDS = {('sale.order.line', 'comodo_csr')}
# What customers may not reach on top of the secrets.
CA_INTERNAL_FIELDS = {
    'res.company': ['comodo_login', 'comodo_api_url', 'comodo_customer_uri', 'comodo_org_id'],
    'comodo.certificate.order': ['last_error', 'last_ca_answer', 'ca_status_code'],
}


class TestSecretsOverRpc(PortalCase):

    def setUp(self):
        super(TestSecretsOverRpc, self).setUp()
        with self.saved() as env:
            main = env.ref('base.main_company')
            second = env['res.company'].create({'name': 'Second Host', 'parent_id': main.id})
            for company, password, secret_key in zip(main | second, PASSWORDS, SECRET_KEYS):
                company.write({'comodo_password': password, 'comodo_secret_key': secret_key,
                               'comodo_login': RESELLER_LOGIN, 'comodo_customer_uri': CUSTOMER_URI,
                               'comodo_org_id': ORG_ID})
            self.settings_id = env['res.config.settings'].create({}).id
            orders = env['comodo.certificate.order']
            for _index in range(2):
                order = orders.create({'partner_id': self.customer.id, 'term_id': self.term.id,
                                       'domain': unique_domain('never'), 'dcv_method': 'CNAME_CSR_HASH'})
                order._prepare_key_material()
                order.write({'last_error': CA_INTERNAL, 'last_ca_answer': CA_INTERNAL, 'ca_status_code': CA_CODE})
                orders |= order
            self.orders = orders
            self.keys = [order.sudo().private_key_pem for order in orders]
            self.push_tokens = env['comodo.push.token'].search([]).mapped('token')
            domain = unique_domain('www')
            env['sale.order'].create({'partner_id': self.customer.id, 'order_line': [(0, 0, {
                'product_id': self.term.product_id.id, 'comodo_domain': domain,
                'comodo_csr': build_csr(generate_private_key(), [domain])})]})
            users = env['res.users'].with_context(no_reset_password=True)
            for login, (groups, _customer) in LOGINS.items():
                if groups:
                    users.create({'name': login, 'login': login, 'password': login,
                                  'groups_id': [(6, 0, [env.ref(group).id for group in groups])]})
        self.env.cache.invalidate()
        # login: its user id, authenticated once (each authentication hashes the password anew).
        self.uids = {}

    # -- calling ----------------------------------------------------------------------------------

    def _call(self, login, model, method, *args, **kwargs):
        """The answer, or None when the server refused (a Fault is the safe outcome)."""
        if login not in self.uids:
            self.uids[login] = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, login, {})
            self.assertTrue(self.uids[login], 'login %s works' % login)
        uid = self.uids[login]
        try:
            return self.xmlrpc_object.execute_kw(self.env.cr.dbname, uid, login, model, method,
                                                 list(args), kwargs)
        except xmlrpc.client.Fault:
            return None

    def _forbidden_texts(self, customer):
        texts = list(PASSWORDS) + list(SECRET_KEYS) + list(self.push_tokens) + ['PRIVATE KEY'] + [
            line for key in self.keys for line in key.splitlines()[1:3]]
        if customer:
            texts += [RESELLER_LOGIN, CUSTOMER_URI, str(ORG_ID), 'CA-INTERNAL', str(CA_CODE),
                      self.env.ref('base.main_company').sudo().comodo_api_url]
        return texts

    def _guesses(self, model, field):
        """(a right guess, a wrong guess) of the field's value."""
        right = {
            'comodo_password': PASSWORDS[0], 'password': PASSWORDS[0],
            'comodo_secret_key': SECRET_KEYS[0], 'secret_key': SECRET_KEYS[0],
            'login': RESELLER_LOGIN, 'comodo_login': RESELLER_LOGIN,
            'comodo_customer_uri': CUSTOMER_URI, 'comodo_org_id': ORG_ID, 'ca_status_code': CA_CODE,
            'last_error': CA_INTERNAL, 'last_ca_answer': CA_INTERNAL,
            'private_key_pem': self.keys[0], 'token': self.push_tokens[0], 'comodo_api_url': self.env.ref('base.main_company').sudo().comodo_api_url,
        }.get(field, 'x')
        wrong = 0 if isinstance(right, int) else 'no-such-value'
        return right, wrong

    def _ids(self, model):
        return {
            'res.company': [self.env.ref('base.main_company').id],
            'res.config.settings': [self.settings_id],
            'comodo.certificate.order': self.orders.ids,
            'comodo.certificate.key': self.env['comodo.certificate.key'].sudo().search(
                [('order_id', 'in', self.orders.ids)]).ids,
            'comodo.reseller.account': self.env['comodo.reseller.account'].sudo().search([]).ids,
            'sale.order.line': self.env['sale.order.line'].sudo().search(
                [('order_id.partner_id', '=', self.customer.id)]).ids,
            'comodo.push.token': self.env['comodo.push.token'].sudo().search([]).ids,
        }[model]

    # -- the matrix -------------------------------------------------------------------------------

    def _probe(self, login, customer, model, field):
        """Every read path for one field; returns the failures found (none is the goal)."""
        ids = self._ids(model)
        right, wrong = self._guesses(model, field)
        answers = {
            'read': self._call(login, model, 'read', ids, [field]),
            'search_read': self._call(login, model, 'search_read', [], [field]),
            'read_group': self._call(login, model, 'read_group', [], [field], [field], lazy=False),
            'export_data': self._call(login, model, 'export_data', ids, [field]),
            'name_search': self._call(login, model, 'name_search', str(right)),
        }
        failures = ['%s %s.%s %s: %r' % (login, model, field, method, answer)
                    for method, answer in answers.items()
                    if any(text in repr(answer) for text in self._forbidden_texts(customer))]
        if (model, field) in KEY_FREE_FIELDS:
            return failures
        for operator, guess, miss in [('=', right, wrong), ('!=', right, wrong),
                                      ('=like', '%s%%' % str(right)[:3], 'zz%')]:
            counts = [self._call(login, model, 'search_count', [(field, operator, value)])
                      for value in (guess, miss)]
            if None not in counts and counts[0] != counts[1]:
                failures.append('%s %s.%s search_count %s answers %s' % (login, model, field, operator, counts))
        ordered = [self._call(login, model, 'search', [('id', 'in', ids)], order='%s %s' % (field, direction))
                   for direction in ('asc', 'desc')]
        if None not in ordered and ordered[0] != ordered[1]:
            failures.append('%s %s.%s search ordered by it: %s' % (login, model, field, ordered))
        return failures

    def test_no_secret_reaches_any_login_by_any_read_path(self):
        failures = []
        for login, (_groups, customer) in sorted(LOGINS.items()):
            fields_by_model = {model: list(fields) for model, fields in SECRET_FIELDS.items()}
            if customer:
                for model, fields in CA_INTERNAL_FIELDS.items():
                    fields_by_model[model] += fields
            for model, fields in sorted(fields_by_model.items()):
                for field in fields:
                    failures += self._probe(login, customer, model, field)
        self.assertEqual(failures, [])

    def test_the_probe_finds_a_leak_where_there_is_one(self):
        """The matrix can fail: a settings administrator does read the account, by every path."""
        with self.saved() as env:
            env['res.users'].with_context(no_reset_password=True).create({
                'name': 'rpc_admin', 'login': 'rpc_admin', 'password': 'rpc_admin',
                'groups_id': [(6, 0, [env.ref('base.group_system').id, env.ref('base.group_user').id])]})
        # The password is decrypted on reading; the login is a stored column, which the searches
        # and groupings reach too. Probed as if the administrator were a customer.
        failures = (self._probe('rpc_admin', True, 'comodo.reseller.account', 'password')
                    + self._probe('rpc_admin', True, 'comodo.reseller.account', 'login'))
        leaked_by = {failure.split(' ')[2].rstrip(':') for failure in failures}
        self.assertTrue({'read', 'search_read', 'read_group', 'export_data', 'search_count'} <= leaked_by,
                        failures)

    def test_the_owner_gets_its_own_key_through_the_portal_only(self):
        order = self.orders[0]
        with self.saved() as env:
            give_certificate(order.with_env(env), {'certificate_pem': '-'})
            order.with_env(env).write({'state': 'issued'})
        self.authenticate('portal', 'portal')
        downloaded = self._post('/my/certificates/%d/download/key' % order.id, order.portal_url)
        self.assertEqual(downloaded.status_code, 200)
        self.assertEqual(downloaded.text, self.keys[0])
        self.assertIsNone(self._call('portal', 'comodo.certificate.order', 'read', [order.id], ['domain']),
                          'customers have no RPC access to certificate orders at all')
        self.authenticate('portal_nossl', 'portal_nossl')
        self.assertEqual(self._post('/my/certificates/%d/download/key' % order.id, '/my/home').status_code, 404)
