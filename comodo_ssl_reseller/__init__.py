import warnings

# cryptography 44, the release that reads every CSR without a panic, warns on import that its Python 3.7
# support is deprecated; Odoo 11 needs 3.7 and would log that as a WARNING on every start. Only that
# warning is silenced (its class lives in cryptography itself, which must not be imported first).
warnings.filterwarnings('ignore', message=r'Python 3\.7 is no longer supported', category=UserWarning)

from . import controllers  # noqa: E402
from . import models  # noqa: E402
