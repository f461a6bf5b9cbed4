"""Who a participant is: registering once per CCCD, signing in, and an organizer giving a
CCCD back to its owner when someone else registered it first.

Every way in is limited (``integrity.limits``): per client and window, a proof of work per
registration, a lock after wrong phones, and (where the contest pays for SMS) a code sent
to the phone.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.catalog import Catalog
from chalicelib.clock import Clock
from chalicelib.data.repository import ParticipantRecord, Repository
from chalicelib.domain import identity, timing, tokens
from chalicelib.errors import ContestError, validation_error
from chalicelib.integrity.limits import Guard
from chalicelib.integrity.phone import PhoneCodes
from chalicelib.organizers import policy
from chalicelib.organizers.policy import Actor
from chalicelib.settings import Settings
from chalicelib.validation import national_id_field, require_object, text_field

MAX_REASON = 500


class RegistrationService:
    def __init__(
        self,
        *,
        repository: Repository,
        catalog: Catalog,
        clock: Clock,
        settings: Settings,
        guard: Guard,
        phone_codes: PhoneCodes,
    ) -> None:
        self._repository = repository
        self._catalog = catalog
        self._clock = clock
        self._settings = settings
        self._secret = settings.token_secret
        self._guard = guard
        self._phone_codes = phone_codes

    def challenge(self, source_ip: str | None) -> dict:
        return self._guard.issue_challenge(self._guard.client_key(source_ip))

    def send_phone_code(self, body: object, source_ip: str | None) -> dict:
        """Cost: the challenge's mark, a send counter and the code item (3 writes), one SMS."""
        body = require_object(body)
        snapshot = self._catalog.snapshot()
        if snapshot.rules["phone_verification"] == "off":
            raise ContestError("PHONE_VERIFICATION_OFF", 409)
        self._guard.count_registration(self._guard.client_key(source_ip), snapshot)
        phone = identity.normalize_phone(body.get("phone"))
        self._guard.spend_challenge(self._guard.solved_challenge(body.get("altcha")))
        return self._phone_codes.send(phone)

    def register(self, body: object, source_ip: str | None) -> dict:
        """Cost: the client's window counter, the challenge's mark, the registration (one
        conditional put), the registration pointer and the phone's counter (5 writes)."""
        body = require_object(body)
        snapshot = self._catalog.snapshot()
        client = self._guard.client_key(source_ip)
        self._guard.count_registration(client, snapshot)
        now = self._clock.now_ms()
        today = datetime.fromtimestamp(now / 1000, tz=timing.VIETNAM).date()
        full_name = text_field(body, "full_name", max_length=100)
        workplace = text_field(body, "workplace", max_length=200, required=False)
        gender = body.get("gender")
        if gender not in identity.GENDERS:
            raise validation_error("gender", "chọn nam hoặc nữ")
        birth_date = identity.parse_birth_date(body.get("date_of_birth"), today)
        national_id = identity.validate_national_id(body.get("national_id"), birth_date, gender)
        phone = identity.normalize_phone(body.get("phone"))
        unit_id = body.get("unit_id")
        if not isinstance(unit_id, str) or unit_id not in snapshot.unit_ids:
            raise ContestError("UNKNOWN_UNIT", field="unit_id")
        if body.get("consent") is not True:
            raise ContestError("CONSENT_REQUIRED", field="consent")
        if national_id in snapshot.excluded_national_ids:
            raise ContestError("NOT_ELIGIBLE", 403, field="national_id")
        replay_key = self._guard.solved_challenge(body.get("altcha"))
        code_hash = None
        if snapshot.rules["phone_verification"] == "at_registration":
            code_hash = self._phone_codes.check(phone, body.get("phone_code"))
        self._guard.spend_challenge(replay_key)
        if code_hash is not None:
            self._phone_codes.spend(phone, code_hash)
        record = ParticipantRecord(
            participant_id=tokens.participant_id_for(self._secret, national_id),
            national_id=national_id,
            full_name=full_name,
            date_of_birth=birth_date.isoformat(),
            gender=gender,
            phone=phone,
            unit_id=unit_id,
            workplace=workplace,
            consent_at=now,
            created_at=now,
        )
        stored = self._repository.create_participant(record)
        if stored is None:
            raise ContestError("ALREADY_REGISTERED", 409, field="national_id")
        self._guard.remember_registration(stored.member_id, client, phone, snapshot)
        return self._session(stored.member_id, now)

    def sign_in(self, body: object, source_ip: str | None) -> dict:
        """Cost: the client's window counter and one read; a wrong phone one more write."""
        body = require_object(body)
        national_id = body.get("national_id")
        if not (
            isinstance(national_id, str)
            and len(national_id) == 12
            and national_id.isascii()
            and national_id.isdigit()
        ):
            raise ContestError("INVALID_CREDENTIALS", 401)
        self._guard.count_signin(self._guard.client_key(source_ip))
        phone = body.get("phone")
        try:
            phone = identity.normalize_phone(phone)
        except ContestError:
            phone = None
        registration = self._repository.get_registration(tokens.participant_id_for(self._secret, national_id))
        if registration is None or registration.state != "active":
            raise ContestError("INVALID_CREDENTIALS", 401)
        self._guard.refuse_if_locked(registration.signin_locked_until)
        if phone is None or registration.phone != phone or registration.national_id != national_id:
            if self._guard.record_wrong_phone(registration.participant_id):
                self._repository.record_audit(
                    self._settings.contest_id,
                    self._clock.now_ms(),
                    "system",
                    "participant.signin_locked",
                    identity.mask_national_id(national_id),
                    {"minutes": self._settings.limits.signin_lock_seconds // 60},
                )
                raise ContestError("TOO_MANY_ATTEMPTS", 429)
            raise ContestError("INVALID_CREDENTIALS", 401)
        if registration.signin_failures:
            self._repository.clear_signin_failures(registration.participant_id)
        return self._session(registration.member_id, self._clock.now_ms())

    def _session(self, participant_id: str, now: int) -> dict:
        expires = now + self._settings.token_ttl_seconds * 1000
        return {
            "participant_id": participant_id,
            "token": tokens.issue_token(self._secret, participant_id, expires),
        }

    def authenticate(self, token: str | None) -> str:
        participant_id = token and tokens.verify_token(self._secret, token, self._clock.now_ms())
        if not participant_id:
            raise ContestError("UNAUTHORIZED", 401)
        return participant_id

    def release(self, national_id: str, body: object, actor: Actor) -> dict:
        """Give a CCCD back to its owner after an organizer checked the person's card: the
        registration is archived, its attempts never win, the owner can register."""
        national_id = national_id_field(national_id)
        body = require_object(body)
        reason = text_field(body, "reason", max_length=MAX_REASON)
        registration = self._repository.get_registration(tokens.participant_id_for(self._secret, national_id))
        if registration is None or registration.state != "active":
            raise ContestError("PARTICIPANT_NOT_FOUND", 404, field="national_id")
        policy.authorize(actor, "participants.release", registration.unit_id)  # a ward: its own people
        now = self._clock.now_ms()
        if not self._repository.release_registration(
            registration,
            reason=reason,
            actor=actor.username,
            contest_id=self._settings.contest_id,
            now_ms=now,
        ):
            raise ContestError("PARTICIPANT_NOT_FOUND", 404, field="national_id")
        masked = identity.mask_national_id(national_id)
        self._repository.record_audit(
            self._settings.contest_id,
            now,
            actor.username,
            "participant.release",
            masked,
            {"reason": reason, "unit_id": registration.unit_id, "generation": registration.generation},
            role=actor.role,
        )
        self._catalog.forget()
        return {"released": True, "national_id_masked": masked, "unit_id": registration.unit_id}
