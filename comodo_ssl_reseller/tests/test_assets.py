import re

from odoo.tests.common import HttpCase

STYLESHEET_LINK = re.compile(r'<link[^>]+href="(/web/content/[^"]+\.css)"')


# The first request compiles the bundles with lessc: on a loaded machine that takes longer than
# url_open's default 10 s.
COMPILE_TIMEOUT = 120


class TestAssetBundles(HttpCase):
    """Odoo 11 compiles its stylesheets with lessc: without it every page shows a style error."""

    def _stylesheets(self, page):
        response = self.url_open(page, timeout=COMPILE_TIMEOUT)
        self.assertEqual(response.status_code, 200)
        links = STYLESHEET_LINK.findall(response.text)
        self.assertTrue(links, 'the page %s links compiled stylesheets' % page)
        return [self.url_open(link, timeout=COMPILE_TIMEOUT) for link in links]

    def _assert_compiled(self, page):
        for stylesheet in self._stylesheets(page):
            self.assertEqual(stylesheet.status_code, 200)
            self.assertNotIn('Style error', stylesheet.text)
            self.assertNotIn("Could not execute command", stylesheet.text)
            self.assertGreater(len(stylesheet.text), 10000, 'a compiled bundle, not an error stub')

    def test_backend_bundle_compiles(self):
        self.authenticate('admin', 'admin')
        self._assert_compiled('/web')

    def test_portal_bundle_compiles(self):
        self.authenticate('portal', 'portal')
        self._assert_compiled('/my')
