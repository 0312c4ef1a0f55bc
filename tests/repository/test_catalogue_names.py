"""The addon's certificate types carry the names the CA (here the sandbox) gives their product codes:
staff comparing the Async Manager with the sandbox's admin page or a CA report read one name."""
import os

from lxml import etree

from comodo_sandbox.products import PRODUCTS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CATALOGUE = os.path.join(ROOT, 'comodo_ssl_reseller', 'data', 'comodo_certificate_type_data.xml')


def test_every_certificate_type_is_named_as_the_sandbox_names_its_code():
    types = etree.parse(CATALOGUE).xpath("//record[@model='comodo.certificate.type']")
    assert len(types) > 10
    named = {int(record.findtext("field[@name='product_code']")): record.findtext("field[@name='name']")
             for record in types}
    assert named[337] == 'SectigoSSL EV'
    assert {code: name for code, name in named.items() if PRODUCTS[code].name != name} == {}
