"""Headless Chromium for the browser tests (portal and back office).

Debian's `chromium` and `chromium-driver`, installed by `make test`, driven by selenium against the
test server.
"""
import os
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
# Without the background-networking flags Chromium keeps dialling out, which this closed network
# refuses (see the env notes); --no-sandbox because tests run as root.
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync',
                  '--disable-dev-shm-usage', '--window-size=1280,1000']
# A failing test leaves its page here (picture and HTML) for whoever reads the failure.
FAILURE_DIR = os.environ.get('COMODO_SCREENSHOT_DIR') or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), '.run', 'screenshots')
WAIT = 20


def start_chromium(downloads=None):
    """A headless Chromium with its own throw-away profile (saving downloads in `downloads`)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + ['--user-data-dir=%s' % tempfile.mkdtemp(prefix='comodo-chromium-')]:
        options.add_argument(flag)
    if downloads:
        options.add_experimental_option('prefs', {'download.default_directory': downloads,
                                                  'download.prompt_for_download': False})
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    if downloads:
        browser.execute_cdp_cmd('Page.setDownloadBehavior', {'behavior': 'allow', 'downloadPath': downloads})
    return browser


def keep_page(browser, name):
    """The page as the browser shows it, picture and HTML, in FAILURE_DIR."""
    os.makedirs(FAILURE_DIR, exist_ok=True)
    browser.save_screenshot(os.path.join(FAILURE_DIR, name + '.png'))
    with open(os.path.join(FAILURE_DIR, name + '.html'), 'w') as handle:
        handle.write(browser.page_source)
