from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from yachay.api import api
from yachay.core import views as core_views

# A database outage outside a view is a 503 too, not a 500.
handler500 = "yachay.core.outage.server_error"

admin.site.site_header = "Yachay"
admin.site.site_title = "Yachay"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("lugares/<str:code>.json", core_views.places, name="places"),
    path("csp-report/", core_views.csp_report, name="csp_report"),
    path("", include("yachay.selection.urls")),
    path("privacidad/", core_views.privacy, name="privacy"),
    path("ayuda/", core_views.help_page, name="help"),
    path("accesibilidad/", core_views.accessibility, name="accessibility"),
    path("", include("yachay.accounts.urls")),
    path("", include("yachay.cohorts.urls")),
    path("", include("yachay.intake.urls")),
    path("", include("yachay.learning.urls")),
    path("", include("yachay.certificates.urls")),
    path("", include("yachay.engagement.urls")),
    path("", include("yachay.surveys.urls")),
    path("", include("yachay.impact.urls")),
    path("", include("yachay.reports.urls")),
    path("transparencia/", include("yachay.reports.public_urls")),
    path("", include("yachay.privacy.urls")),
]
