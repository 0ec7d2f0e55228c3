"""The raw tests land the same small hand-made exports as the staging tests (``staging/conftest.py``)."""

from ecom_assets_tests.staging.conftest import export_dir

__all__ = ["export_dir"]
