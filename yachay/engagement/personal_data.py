"""What engagement holds about people (the registry: yachay/core/personal_data.py).

A message row records what was sent (or not, and why) to one person: its text names them,
so a cancellation deletes the person's messages, delivery reports, channel preferences and
unsubscriptions (their address is gone everywhere, so nothing can reach them again). The
hold-out comparison of past runs loses those rows: it is an internal evaluation, not a
published figure.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yachay.core.personal_data import Category as C
from yachay.core.personal_data import Field, declare
from yachay.core.personal_data import OnCancel as X
from yachay.core.personal_data import Retention as R

RECORD = _("a record of every reminder sent or held back, and why; the hold-out comparison")
CONSENT = _("which channels the person accepts, and the kinds of message they stopped")

declare(
    "engagement.Message",
    subject="applicant",
    purpose=RECORD,
    delete_rows=True,
    personal={
        "subject": Field(C.FREE_TEXT, RECORD, R.PROGRAM, X.ERASE),
        "body": Field(C.FREE_TEXT, RECORD, R.PROGRAM, X.ERASE),
        "context": Field(C.FREE_TEXT, RECORD, R.PROGRAM, X.ERASE),
        "error": Field(C.TECHNICAL, RECORD, R.PROGRAM, X.ERASE),
        "provider_id": Field(C.TECHNICAL, RECORD, R.PROGRAM, X.ERASE),
        "channel": Field(C.CONTACT, RECORD, R.PROGRAM, X.ERASE),
        "status": Field(C.TECHNICAL, RECORD, R.PROGRAM, X.ERASE),
        "created_at": Field(C.TECHNICAL, RECORD, R.PROGRAM, X.ERASE),
        "sent_at": Field(C.TECHNICAL, RECORD, R.PROGRAM, X.ERASE),
        "status_at": Field(C.TECHNICAL, RECORD, R.PROGRAM, X.ERASE),
    },
    not_personal="id rule rule_version kind occurrence application user language reason",
)
declare(
    "engagement.DeliveryReport",
    subject="applicant",
    purpose=RECORD,
    delete_rows=True,
    personal={
        "provider_id": Field(C.TECHNICAL, RECORD, R.PROGRAM, X.ERASE),
        "status": Field(C.TECHNICAL, RECORD, R.PROGRAM, X.ERASE),
        "received_at": Field(C.TECHNICAL, RECORD, R.PROGRAM, X.ERASE),
    },
    not_personal="id channel message",
)
declare(
    "engagement.ContactPreference",
    subject="applicant",
    purpose=CONSENT,
    delete_rows=True,
    personal={
        "email": Field(C.CONTACT, CONSENT, R.PROGRAM, X.ERASE),
        "preferred_channel": Field(C.CONTACT, CONSENT, R.PROGRAM, X.ERASE),
        "email_ok": Field(C.CONTACT, CONSENT, R.PROGRAM, X.ERASE),
        "sms_ok": Field(C.CONTACT, CONSENT, R.PROGRAM, X.ERASE),
        "whatsapp_opt_in_at": Field(C.CONTACT, CONSENT, R.PROGRAM, X.ERASE),
    },
    not_personal="id updated_at",
)
declare(
    "engagement.Unsubscription",
    subject="applicant",
    purpose=CONSENT,
    delete_rows=True,
    personal={"email": Field(C.CONTACT, CONSENT, R.PROGRAM, X.ERASE)},
    not_personal="id kind source created_at",
)

RISK = _(
    "the weekly at-risk signal (profiling: a probability or points and the reasons), so "
    "staff can reach a learner who may not complete"
)
RISK_ACTION = _("what staff did for a learner at risk (a call, a message, help offered)")

declare(
    "engagement.RiskModel",
    not_personal=(
        "id program trained_at trained_by in_force missed features intercept coefficients "
        "scaler_mean scaler_scale metrics fairness data"
    ),
)
declare(
    "engagement.RiskScore",
    subject="learner",
    purpose=RISK,
    delete_rows=True,
    personal={
        "probability": Field(C.LEARNING, RISK, R.PROGRAM, X.ERASE),
        "points": Field(C.LEARNING, RISK, R.PROGRAM, X.ERASE),
        "band": Field(C.LEARNING, RISK, R.PROGRAM, X.ERASE),
        "reasons": Field(C.LEARNING, RISK, R.PROGRAM, X.ERASE),
    },
    not_personal="id enrollment week as_of method model",
)
declare(
    "engagement.RiskAction",
    subject="learner",
    purpose=RISK_ACTION,
    delete_rows=True,
    personal={
        "kind": Field(C.LEARNING, RISK_ACTION, R.PROGRAM, X.ERASE),
        "note": Field(C.FREE_TEXT, RISK_ACTION, R.PROGRAM, X.ERASE),
    },
    not_personal="id enrollment score actor actor_label created_at",
)
