"""Writes for certificates: issue one (exactly once per enrollment), revoke one.

Every write takes keyword-only arguments, runs in one transaction and is audited.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yachay.certificates import credential as vc
from yachay.certificates import statuslist
from yachay.certificates.issuer import NoSigningKey, current_key, issuer_did
from yachay.certificates.keys import SigningKey, create_key
from yachay.certificates.models import Certificate, StatusList
from yachay.cohorts.models import Enrollment
from yachay.core.actors import Actor
from yachay.core.services import audit_record
from yachay.core.validators import has_control_chars
from yachay.learning.models import Completion
from yachay.learning.selectors import enrollment_track
from yachay.programs.models import Track


class CertificateError(Exception):
    """A certificate cannot be issued or changed; the message says why (translated)."""


def site_url() -> str:
    return str(settings.YACHAY_SITE_URL).rstrip("/")


def verification_url(code: str) -> str:
    return f"{site_url()}/verificar/{code}/"


def status_list_url(slug: str) -> str:
    return f"{site_url()}/credenciales/estado/{slug}"


def signing_key() -> SigningKey:
    """The newest key; in DEBUG (development, demo) one is made when there is none."""
    try:
        return current_key()
    except NoSigningKey:
        if not settings.DEBUG:
            raise CertificateError(
                _(
                    "There is no signing key in %(dir)s: run `manage.py signing_key_create` "
                    "before issuing certificates."
                )
                % {"dir": settings.YACHAY_SIGNING_KEYS_DIR}
            ) from None
        create_key(settings.YACHAY_SIGNING_KEYS_DIR)
        return current_key()


def _take_index() -> tuple[StatusList, int]:
    """The next free position in the newest status list (a new list when it is full)."""
    status_list = StatusList.objects.select_for_update().order_by("-pk").first()
    if status_list is None or status_list.next_index >= status_list.size:
        number = StatusList.objects.count() + 1
        StatusList.objects.get_or_create(slug=str(number))
        status_list = StatusList.objects.select_for_update().get(slug=str(number))
    index = status_list.next_index
    status_list.next_index = index + 1
    status_list.save(update_fields=["next_index"])
    return status_list, index


def _hours(enrollment: Enrollment) -> Decimal:
    call = enrollment.application.call
    return Decimal(call.length_weeks * call.hours_per_week)


def _completion_date(enrollment: Enrollment) -> date:
    moment = enrollment.status_changed_at
    if moment is None:
        last = Completion.objects.filter(user=enrollment.user).order_by("-completed_at").first()
        moment = last.completed_at if last else timezone.now()
    return timezone.localdate(moment)


def build_signed_credential(
    *,
    code: str,
    track: Track,
    hours: Decimal,
    issued_at: datetime,
    status_list: StatusList,
    status_index: int,
    learner_id: int,
    key: SigningKey,
) -> dict[str, object]:
    program = track.program
    issuers = list(program.issuers.all())
    did = issuer_did()
    salt = secrets.token_hex(8)
    data = vc.CredentialData(
        id=verification_url(code),
        name=_("Certificate: %(track)s") % {"track": track.name},
        issuer=vc.IssuerProfile(
            id=did,
            name=", ".join(i.name for i in issuers) or program.name,
            url=site_url(),
        ),
        achievement=vc.Achievement(
            id=f"{site_url()}/programas/{program.slug}/rutas/{track.slug}",
            name=track.name,
            description=track.description or program.name,
            criteria=_("Completed every course of the track in the program %(program)s.")
            % {"program": program.name},
            hours=hours,
        ),
        valid_from=issued_at,
        status=vc.StatusEntry(list_url=status_list_url(status_list.slug), index=status_index),
        identity_hash=vc.hashed_identity(f"yachay-learner:{learner_id}", salt),
        identity_salt=salt,
    )
    return vc.sign(
        vc.build_credential(data),
        private_key=key.private,
        verification_method=key.method_id(did),
        created=issued_at,
    )


def _current(enrollment_id: int) -> Certificate | None:
    """The enrollment's newest certificate (valid or revoked), if it has one."""
    return (
        Certificate.objects.filter(enrollment_id=enrollment_id)
        .order_by("-issued_at", "-pk")
        .first()
    )


def _new_certificate(
    *,
    enrollment: Enrollment,
    track: Track,
    completion_date: date,
    key: SigningKey,
    replaces: Certificate | None = None,
) -> Certificate:
    """A signed certificate for ``enrollment`` with the learner's name as it is now, saved;
    call it in a transaction holding the enrollment's lock."""
    status_list, index = _take_index()
    issued_at = timezone.now().replace(microsecond=0)
    certificate = Certificate(
        enrollment=enrollment,
        user=enrollment.user,
        track=track,
        full_name=enrollment.application.full_name[:120],
        hours=_hours(enrollment),
        completion_date=completion_date,
        issued_at=issued_at,
        status_list=status_list,
        status_index=index,
        replaces=replaces,
    )
    certificate.credential = build_signed_credential(
        code=certificate.code,
        track=track,
        hours=certificate.hours,
        issued_at=issued_at,
        status_list=status_list,
        status_index=index,
        learner_id=enrollment.user_id,
        key=key,
    )
    with transaction.atomic():
        certificate.save(force_insert=True)
    return certificate


def certificate_issue(*, enrollment: Enrollment, actor: Actor) -> Certificate:
    """The enrollment's certificate, issued now if it has none: exactly once, however many
    times (or how concurrently) this runs. Only a completed enrollment earns one.

    An enrollment that already has one gets it back, even a revoked one: revoking is an
    admin's decision that a retried task must not undo (a re-issue is
    ``certificate_reissue``)."""
    existing = _current(enrollment.pk)
    if existing is not None:
        return existing
    if enrollment.status != Enrollment.Status.COMPLETED:
        raise CertificateError(_("Only a completed enrollment earns a certificate."))
    track = enrollment_track(enrollment)
    if track is None:
        raise CertificateError(_("This enrollment has no track."))
    key = signing_key()
    with transaction.atomic():
        Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
        existing = _current(enrollment.pk)
        if existing is not None:  # issued while we waited for the lock
            return existing
        try:
            certificate = _new_certificate(
                enrollment=enrollment,
                track=track,
                completion_date=_completion_date(enrollment),
                key=key,
            )
        except IntegrityError:
            # The same learner and track already hold a valid certificate, or (50 random
            # bits) the code was taken: hand back the one that exists.
            found = _current(enrollment.pk) or (
                Certificate.objects.filter(
                    user=enrollment.user, track=track, revoked_at__isnull=True
                ).first()
            )
            if found is None:
                raise
            return found
        audit_record(
            actor=actor,
            action="certificate.issue",
            obj=certificate,
            changes={"code": certificate.code, "enrollment": enrollment.pk, "key": key.name},
        )
    return certificate


def certificate_reissue(*, certificate: Certificate, reason: str, actor: Actor) -> Certificate:
    """Replace a valid certificate by a new one (a rectified name, new issuers or template):
    the old one is revoked with ``reason``, the new one carries the learner's name as it is
    now, a new code and a new signature. Both in one transaction, audited; the enrollment
    keeps one valid certificate throughout."""
    reason = _clean_reason(reason)
    key = signing_key()
    with transaction.atomic():
        Enrollment.objects.select_for_update().filter(pk=certificate.enrollment_id).first()
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.revoked_at is not None:
            raise CertificateError(
                _("The certificate %(code)s is revoked: it cannot be re-issued.")
                % {"code": old.code}
            )
        old.revoked_at = timezone.now()
        old.revocation_reason = reason
        old.revoked_by = actor.user if actor.user and actor.user.pk else None
        old.save(update_fields=["revoked_at", "revocation_reason", "revoked_by"])
        enrollment = Enrollment.objects.select_related("application__call", "user").get(
            pk=old.enrollment_id
        )
        new = _new_certificate(
            enrollment=enrollment,
            track=old.track,
            completion_date=old.completion_date,
            key=key,
            replaces=old,
        )
        audit_record(
            actor=actor,
            action="certificate.reissue",
            obj=new,
            changes={"code": [old.code, new.code], "reason": reason, "key": key.name},
        )
    return new


def certificates_issue_for(*, scope: Model, enrollment_ids: list[int], actor: Actor) -> int:
    """Queue the issue task for each of these enrollments (a program admin issuing for a
    whole cohort or call, after the review page): one audit row on the cohort or call with
    the count, the tasks queued after the commit. The task issues exactly once, so a
    double submit or an enrollment certified meanwhile costs nothing. Returns the count."""
    from yachay.certificates.tasks import issue_certificate

    ids = sorted(set(enrollment_ids))
    if not ids:
        return 0
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="certificate.issue_batch",
            obj=scope,
            changes={"enrollments": len(ids)},
        )

        def enqueue() -> None:
            for pk in ids:
                issue_certificate.enqueue(enrollment_id=pk)

        transaction.on_commit(enqueue)
    return len(ids)


def certificates_follow_rectified_name(*, application_id: int, actor: Actor) -> list[Certificate]:
    """Re-issue every valid certificate of this application's enrollment whose name is no
    longer the learner's (the name was rectified), the old ones revoked "rectified name".
    Running it again changes nothing: the new certificates already carry the name."""
    reissued = []
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("rectified name")
    for certificate in Certificate.objects.filter(
        enrollment__application_id=application_id, revoked_at__isnull=True
    ).select_related("enrollment__application"):
        if certificate.full_name == certificate.enrollment.application.full_name[:120]:
            continue
        try:
            reissued.append(
                certificate_reissue(certificate=certificate, reason=reason, actor=actor)
            )
        except CertificateError:
            continue  # revoked meanwhile (by an admin, or by a run of this at the same time)
    return reissued


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise CertificateError(_("Say why the certificate is revoked."))
    if len(reason) > 1000:
        raise CertificateError(_("The reason is too long (at most 1000 characters)."))
    if has_control_chars(reason.replace("\r", " ").replace("\n", " ").replace("\t", " ")):
        raise CertificateError(_("Remove the invisible control characters from this text."))
    return reason


def certificate_revoke(*, certificate: Certificate, reason: str, actor: Actor) -> Certificate:
    """Revoke a certificate with a reason (audited): its bit in the status list turns on,
    and the verification page says since when."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at is not None:
            raise CertificateError(
                _("The certificate %(code)s is already revoked.") % {"code": certificate.code}
            )
        certificate.revoked_at = timezone.now()
        certificate.revocation_reason = reason
        certificate.revoked_by = actor.user if actor.user and actor.user.pk else None
        certificate.save(update_fields=["revoked_at", "revocation_reason", "revoked_by"])
        audit_record(
            actor=actor,
            action="certificate.revoke",
            obj=certificate,
            changes={"code": certificate.code, "reason": reason},
        )
    return certificate


def signed_status_list(status_list: StatusList) -> dict[str, object]:
    """The list's BitstringStatusListCredential, signed now: a bit on for every revoked
    certificate at its index."""
    bits = statuslist.new_bits(status_list.size)
    for index in Certificate.objects.filter(
        status_list=status_list, revoked_at__isnull=False
    ).values_list("status_index", flat=True):
        statuslist.set_bit(bits, index)
    key = signing_key()
    now = timezone.now().replace(microsecond=0)
    document = vc.build_status_list(
        list_url=status_list_url(status_list.slug),
        issuer_id=issuer_did(),
        bits=bytes(bits),
        valid_from=now,
    )
    return vc.sign(
        document, private_key=key.private, verification_method=key.method_id(issuer_did())
    )
