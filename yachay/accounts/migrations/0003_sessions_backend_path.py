"""Live sessions signed in through Django's ModelBackend name ours instead (issue #17: the
signed-in user is read by yachay.accounts.backends.ModelBackend). Without this, every person
signed in when the release is deployed would be signed out once: Django drops a session whose
backend is no longer listed in AUTHENTICATION_BACKENDS."""

from django.db import migrations
from django.utils import timezone

OLD = "django.contrib.auth.backends.ModelBackend"
NEW = "yachay.accounts.backends.ModelBackend"
KEY = "_auth_user_backend"  # django.contrib.auth.BACKEND_SESSION_KEY


def rename(old: str, new: str):
    def run(apps, schema_editor):
        from django.contrib.sessions.backends.db import SessionStore

        Session = apps.get_model("sessions", "Session")
        store = SessionStore()
        live = Session.objects.using(schema_editor.connection.alias).filter(
            expire_date__gt=timezone.now()
        )
        for session in live.iterator(2000):
            data = store.decode(session.session_data)
            if data.get(KEY) == old:
                data[KEY] = new
                session.session_data = store.encode(data)
                session.save(update_fields=["session_data"])

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_key_role"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(rename(OLD, NEW), rename(NEW, OLD))]
