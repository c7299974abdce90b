"""What certificates hold about learners (the registry: yachay/core/personal_data.py).

An issued certificate is kept when its learner is cancelled: it is in the learner's hands
(and an employer's) and anyone may verify it by its code; erasing the name would make a true
certificate look forged. Ley 29733 lets a holder refuse a cancellation when keeping the data
is needed for a legal relationship or the rights of third parties (see docs/privacy.md, where
the article is cited or marked unverified). A learner who wants it gone asks for it to be
revoked; the name is then still kept with the revoked status, so that the verification page
can say "revoked" rather than "unknown".
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yachay.core.personal_data import Category as C
from yachay.core.personal_data import Field, declare
from yachay.core.personal_data import OnCancel as X
from yachay.core.personal_data import Retention as R

VERIFY = _("anyone shown the certificate may check it by its code")
KEPT = _(
    "the certificate is in the learner's and third parties' hands: its verification must "
    "keep answering what it certifies, or a true certificate would look forged"
)


def _verification(category: C) -> Field:
    return Field(category, VERIFY, R.CERTIFICATE, X.KEEP, reason=KEPT)


declare(
    "certificates.Issuer",
    not_personal="id name url logo programs order",
)
declare("certificates.StatusList", not_personal="id slug size next_index revision")
declare(
    "certificates.Certificate",
    subject="learner",
    purpose=VERIFY,
    personal={
        "full_name": _verification(C.IDENTIFIER),
        "code": _verification(C.IDENTIFIER),
        "credential": _verification(C.IDENTIFIER),
        "hours": _verification(C.LEARNING),
        "completion_date": _verification(C.LEARNING),
        "issued_at": _verification(C.LEARNING),
        "revocation_reason": _verification(C.FREE_TEXT),
    },
    not_personal=(
        "id enrollment user track status_list status_index revoked_at revoked_by replaces"
    ),
)
