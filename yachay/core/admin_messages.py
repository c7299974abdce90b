"""Django admin's own messages, given neutral Spanish in our catalogue.

Django's Spanish says "El {name} … se cambió" whatever the model's gender
("El convocatoria", "El postulación"). Our ``LOCALE_PATHS`` come before Django's
catalogues, so a translation of the same message id in ``yachay/locale`` wins. Listing
the ids here keeps ``make messages`` from dropping them as obsolete.
"""

from django.utils.translation import gettext_noop

ADMIN_MESSAGES = (
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("You may edit it again below."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("Added {name} “{object}”."),
    gettext_noop("Changed {fields} for {name} “{object}”."),
    gettext_noop("Deleted {name} “{object}”."),
)
