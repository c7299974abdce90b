from django.urls import include, path

from yachay.engagement import views

app_name = "engagement"

urlpatterns = [
    path("mensajes/baja/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("mensajes/webhooks/twilio/", views.twilio_status, name="twilio_status"),
    path("mensajes/webhooks/twilio/entrantes/", views.twilio_inbound, name="twilio_inbound"),
    path("mensajes/webhooks/whatsapp/", views.whatsapp_webhook, name="whatsapp"),
    # django-anymail's status webhooks, one per provider (…/email/<provider>/tracking/),
    # each checked with ANYMAIL's WEBHOOK_SECRET (basic auth) before the signal is sent.
    path("mensajes/webhooks/email/", include("anymail.urls")),
    path("programa/mensajes/", views.rule_list, name="rules"),
    path("programa/mensajes/<slug:rule_id>/", views.rule_detail, name="rule"),
    path("personas/<int:application_id>/mensajes/", views.person, name="person"),
    path("programa/en-riesgo/", views.risk_list, name="risk"),
    path("programa/en-riesgo/modelo/", views.risk_model_card, name="risk_model"),
    path("programa/en-riesgo/<int:enrollment_id>/accion/", views.risk_act, name="risk_act"),
]
