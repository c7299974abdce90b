import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """The tests read the English messages; the Spanish ones are tested with override("es")."""
    with translation.override("en"):
        yield
