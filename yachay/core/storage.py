from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files, served by WhiteNoise with far-future caching."""

    def stored_name(self, name: str) -> str:
        # Before `collectstatic` has run (tests, a first `manage.py check`) there is no
        # manifest: serve unhashed names instead of failing every page.
        if not self.hashed_files:
            return name
        return super().stored_name(name)
