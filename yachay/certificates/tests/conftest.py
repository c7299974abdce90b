import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english(settings):
    settings.YACHAY_RATELIMIT_VERIFY = "0"
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


@pytest.fixture
def issued(learning, signing_dir):
    """A certificate issued to the learning fixture's learner (enrollment set completed)."""
    from yachay.certificates.models import Issuer
    from yachay.certificates.services import certificate_issue
    from yachay.cohorts.models import Enrollment
    from yachay.core.actors import SYSTEM

    program = learning.live.cohort.track.program
    Issuer.objects.create(name="Ministerio de la Producción").programs.add(program)
    Enrollment.objects.filter(pk=learning.enrollment.pk).update(status="completed")
    enrollment = Enrollment.objects.get(pk=learning.enrollment.pk)
    return certificate_issue(enrollment=enrollment, actor=SYSTEM)


@pytest.fixture(autouse=True)
def certificate_pdf_dir(settings, tmp_path):
    """Each test keeps its certificates' PDFs in a folder of its own, and signs its status
    lists afresh (another test's cached list was signed by another key)."""
    from django.core.cache import cache

    cache.clear()
    settings.YACHAY_CERTIFICATE_PDF_DIR = tmp_path / "certificate-pdfs"
    return settings.YACHAY_CERTIFICATE_PDF_DIR
