import setuptools

setuptools.setup(
    setup_requires=['setuptools-odoo'],
    # The manifest version is the version: no git-derived post-release numbers, so the package
    # builds the same from a clone, an archive or a shallow checkout.
    odoo_addon={'post_version_strategy_override': 'none'},
)
