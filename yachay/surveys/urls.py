from django.urls import path

from yachay.surveys import views

app_name = "surveys"
urlpatterns = [
    # The token is a secret: yachay.core.logs scrubs it from every log line.
    path("encuestas/<str:token>/", views.answer, name="answer"),
]
