import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """The tests read the English messages; the Spanish ones are tested with override("es")."""
    with translation.override("en"):
        yield


@pytest.fixture
def signing_dir(settings, tmp_path):
    """A key directory of this test's own, with one key; the site at a fixed URL."""
    from yachay.certificates.keys import create_key

    settings.YACHAY_SIGNING_KEYS_DIR = tmp_path / "signing-keys"
    settings.YACHAY_SITE_URL = "http://testserver"
    create_key(settings.YACHAY_SIGNING_KEYS_DIR)
    return settings.YACHAY_SIGNING_KEYS_DIR
