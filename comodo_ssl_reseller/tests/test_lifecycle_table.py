"""The order's lifecycle table (lifecycle.py) is the only rule: every transition the code makes is
in it, it is the only writer of `state`, and the screens offer what it allows."""
import ast
import os
import sys
from contextlib import contextmanager
from datetime import datetime

from lxml import etree
from mock import patch

from odoo.tools.safe_eval import safe_eval

from .. import customer_words, lifecycle
from .common import ComodoCase, unique_domain

ADDON = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The files that make up the order, and the poll run that times orders out.
ORDER_FILES = sorted(os.path.join(ADDON, 'models', name) for name in os.listdir(os.path.join(ADDON, 'models'))
                     if name.startswith('comodo_certificate_order') or name == 'comodo_poll_run.py')


def state_writes(path):
    """(function, line) of each dict literal or keyword argument that sets 'state' in `path`."""
    tree = ast.parse(open(path).read())
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            keys = []
            if isinstance(node, ast.Dict):
                keys = [key.s for key in node.keys if isinstance(key, ast.Str)]
            elif isinstance(node, ast.Call):
                keys = [keyword.arg for keyword in node.keywords]
            if 'state' in keys:
                found.append((function.name, node.lineno))
    return found


class TestLifecycleTable(ComodoCase):

    @classmethod
    def setUpClass(cls):
        super(TestLifecycleTable, cls).setUpClass()
        cls.bank = cls.env['account.journal'].search([('type', '=', 'bank')], limit=1)

    def setUp(self):
        super(TestLifecycleTable, self).setUp()
        self.addCleanup(self.sandbox.set_clock, None)

    # -- the table itself --------------------------------------------------------------------------

    def test_every_state_is_reachable_and_final_states_have_no_way_out(self):
        states = set(lifecycle.STATE_LABELS)
        for name, (sources, target) in lifecycle.TRANSITIONS.items():
            self.assertLessEqual(set(sources) | {target}, states, name)
        self.assertEqual(lifecycle.reachable_states(), states)
        self.assertNotIn('issued', lifecycle.FINAL, 'an issued order is reissued, renewed, revoked or expires')
        leaving_final = [(source, target) for source, target in lifecycle.ALLOWED if source in lifecycle.FINAL]
        self.assertEqual(leaving_final, [])
        field = self.env['comodo.certificate.order']._fields['state']
        self.assertEqual([code for code, _label in field.selection], [code for code, _label in lifecycle.STATES])

    def test_the_customer_has_words_for_every_state_the_portal_shows(self):
        self.assertEqual(set(customer_words.STATES), set(lifecycle.STATE_LABELS))
        # The timeline ends in a step of its own where the order stopped, or was revoked.
        self.assertEqual(set(customer_words.TIMELINE_ENDS), set(lifecycle.STOPPED_UNISSUED) | {'revoked'})
        # A passing fault is explained by the CA work retried, in every state the customer waits in.
        self.assertEqual({lifecycle.ca_work(state) for state in lifecycle.AWAITING_CA_ANSWER},
                         set(customer_words.DELAYS))
        methods = self.env['comodo.certificate.order']._fields['dcv_method'].selection
        self.assertEqual(set(customer_words.NEXT_STEP_BY_DCV_METHOD), {code for code, _label in methods})

    # -- the screens -------------------------------------------------------------------------------

    def _button_states(self, view_type, view_xmlid):
        view = self.env.ref(view_xmlid)
        arch = etree.fromstring(self.env['comodo.certificate.order'].fields_view_get(
            view_id=view.id, view_type=view_type)['arch'])
        return {button.get('name'): button.get('states') for button in arch.iter('button')}, arch

    def test_the_views_offer_what_the_table_allows(self):
        buttons, form = self._button_states('form', 'comodo_ssl_reseller.comodo_certificate_order_view_form')
        self.assertEqual(set(buttons['action_check'].split(',')), set(lifecycle.CHECKABLE))
        self.assertEqual(set(buttons['action_reset'].split(',')), set(lifecycle.WAITING_FOR_CA))
        # Cancel asks first (a dialog): the button opens it, only where the table allows cancelling.
        self.assertEqual(set(buttons['action_ask_cancel'].split(',')), set(lifecycle.CANCELLABLE))
        async_buttons, async_tree = self._button_states(
            'tree', 'comodo_ssl_reseller.comodo_certificate_order_view_tree_async')
        self.assertEqual(set(async_buttons['action_reset'].split(',')), set(lifecycle.WAITING_FOR_CA))
        self.assertEqual(set(async_buttons['action_check'].split(',')), set(lifecycle.CHECKABLE))
        self.assertEqual(set(async_buttons['action_ask_cancel'].split(',')), set(lifecycle.CANCELLABLE))
        self.assertNotIn('action_cancel', set(buttons) | set(async_buttons), 'no button cancels on one click')
        action = self.env.ref('comodo_ssl_reseller.comodo_certificate_order_action_async')
        listed = [leaf[2] for leaf in safe_eval(action.domain) if isinstance(leaf, tuple) and leaf[0] == 'state']
        self.assertEqual(set(listed[0]), set(lifecycle.ASYNC_MANAGER))

        # Every state a screen names is one an order can reach.
        shown = set()
        for arch in (form, async_tree):
            for node in arch.iter():
                for attribute in ('states', 'statusbar_visible'):
                    shown.update(filter(None, (node.get(attribute) or '').split(',')))
        self.assertTrue(shown)
        self.assertLessEqual(shown, lifecycle.reachable_states())

    # -- the code ----------------------------------------------------------------------------------

    def test_state_is_written_only_by_the_state_writer_with_transitions_of_the_table(self):
        writes = [(os.path.basename(path), function, line) for path in ORDER_FILES
                  for function, line in state_writes(path)]
        # The certificates' own states (comodo.certificate) are written beside the order's.
        others = [write for write in writes if write[1] not in ('_set_state', '_record_certificate', '_customer_revoke')]
        self.assertEqual(others, [])
        source = '\n'.join(open(path).read() for path in ORDER_FILES)
        called = set()
        for call in ('_set_state(', "_start_waiting_for_ca("):
            for part in source.split(call)[1:]:
                if part.startswith("'"):
                    called.add(part[1:].split("'", 1)[0])
        self.assertTrue(called)
        self.assertLessEqual(called, set(lifecycle.TRANSITIONS))

    @contextmanager
    def _recording_transitions(self):
        """Every write of `state` on an order while inside: (calling function, from, to)."""
        model = type(self.env['comodo.certificate.order'])
        write = model.write
        seen = []

        def recording_write(records, vals):
            if 'state' in vals:
                caller = sys._getframe(1).f_code.co_name
                seen.extend((caller, record.state, vals['state']) for record in records)
            return write(records, vals)

        with patch.object(model, 'write', recording_write):
            yield seen

    def _travel(self, date):
        self.sandbox.set_clock(date)
        return datetime.strptime(date, '%Y-%m-%d')

    def _daily_cron(self, date):
        self.env['comodo.certificate.order']._cron_after_issuance(now=self._travel(date))

    def test_every_transition_made_in_the_lifecycle_scenarios_is_in_the_table(self):
        with self._recording_transitions() as seen:
            # Issued, renewed (invoiced, paid, ordered), expired.
            self._travel('2026-12-02')
            order = self._buy(unique_domain('instant'))
            self._daily_cron('2027-11-02')
            renewal = order.renewal_ids
            renewal.invoice_ids.pay_and_reconcile(self.bank, renewal.invoice_ids.amount_total)
            self._daily_cron('2027-12-03')
            self.assertEqual((order.state, renewal.state), ('expired', 'issued'))
            self.sandbox.set_clock(None)

            # Reissued inside the term, then revoked by the customer.
            reissued = self._buy(unique_domain('instant'))
            reissued._customer_reissue()
            self.assertEqual(reissued.state, 'issued')
            reissued._customer_revoke()
            self.assertEqual(reissued.state, 'revoked')

            # Timed out, reset, cancelled.
            waiting = self._buy(unique_domain('never'))
            waiting.waiting_since = '2000-01-01 00:00:00'
            self.env['comodo.poll.run']._run()
            self.assertEqual(waiting.state, 'timeout')
            waiting.action_reset()
            waiting.action_cancel()
            self.assertEqual(waiting.state, 'cancelled')

            # Rejected by the CA; refused when placed.
            rejected = self._buy(unique_domain('never'))
            self.sandbox.reject(rejected.ca_order_number)
            rejected.action_check()
            self.assertEqual(rejected.state, 'rejected')
            refused = self._buy(unique_domain('nocredit'))
            self.assertEqual(refused.state, 'error')

        made = {(source, target) for _caller, source, target in seen}
        self.assertEqual({caller for caller, _source, _target in seen}, {'_set_state'})
        self.assertLessEqual(made, lifecycle.ALLOWED)
        self.assertLessEqual({('draft', 'pending'), ('pending', 'issued'), ('draft', 'awaiting_payment'),
                              ('awaiting_payment', 'draft'), ('issued', 'expired'), ('issued', 'reissue'),
                              ('reissue', 'pending'), ('issued', 'revoked'), ('pending', 'timeout'),
                              ('timeout', 'pending'), ('pending', 'cancelled'), ('pending', 'rejected'),
                              ('draft', 'error')}, made)

    def test_a_transition_outside_the_table_is_refused(self):
        order = self._buy(unique_domain('instant'))
        with self.assertRaisesRegex(Exception, 'cannot go from Issued to To Order'):
            order._set_state('paid')
        self.assertEqual(order.state, 'issued')
