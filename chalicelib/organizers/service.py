"""Organizer accounts and sessions: login with lockout, logout, own password, and the
accounts an admin manages. Every login, failed login, lock and change is audited."""

from __future__ import annotations

import hmac
import re
from dataclasses import replace

from chalicelib.catalog import Catalog
from chalicelib.clock import Clock
from chalicelib.data.repository import OrganizerRecord, Repository
from chalicelib.domain import identity, timing, tokens
from chalicelib.errors import ContestError, validation_error
from chalicelib.organizers import passwords, policy, sessions
from chalicelib.organizers.policy import OPERATOR, Actor
from chalicelib.settings import Settings
from chalicelib.validation import national_id_field, require_object, text_field

SESSION_SECONDS = 8 * 3600
MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")


class OrganizerService:
    def __init__(self, *, repository: Repository, catalog: Catalog, clock: Clock, settings: Settings) -> None:
        self._repository = repository
        self._catalog = catalog
        self._clock = clock
        self._settings = settings
        self._secret = tokens.keyed_hash(settings.token_secret, "organizer-jwt", "key", 64)

    # --- who is calling -------------------------------------------------------------------

    def authenticate(self, token: str | None) -> Actor:
        """The operator token, or a valid session of an active account whose version has not
        moved since the token was issued (one read of the account)."""
        expected = self._settings.admin_token
        if token and expected and hmac.compare_digest(token.encode(), expected.encode()):
            return OPERATOR
        claims = sessions.read(self._secret, token, self._clock.now_ms()) if token else None
        if claims is None:
            raise ContestError("UNAUTHORIZED", 401)
        account = self._repository.get_organizer(claims["sub"])
        if account is None or account.disabled or account.version != claims["ver"]:
            raise ContestError("UNAUTHORIZED", 401)
        return Actor(account.username, account.role, account.unit_id)

    # --- sessions -------------------------------------------------------------------------

    def login(self, body: object) -> dict:
        body = require_object(body)
        username, password = body.get("username"), body.get("password")
        if (
            not isinstance(username, str)
            or not isinstance(password, str)
            or len(password) > passwords.MAX_LENGTH
        ):
            raise _invalid_login()
        username = username.strip().lower()
        account = self._repository.get_organizer(username) if _USERNAME.match(username) else None
        now = self._clock.now_ms()
        if account is not None and account.locked_until is not None and now < account.locked_until:
            self._audit(
                Actor(username, account.role, account.unit_id), "organizer.login_locked", username, {}
            )
            raise ContestError("TOO_MANY_ATTEMPTS", 429)
        if account is None:
            passwords.spend_equal_time(password)
            raise _invalid_login()
        actor = Actor(account.username, account.role, account.unit_id)
        if account.disabled or not passwords.verify_password(account.password_hash, password):
            locked = self._repository.record_login_failure(username, MAX_FAILURES, now + LOCK_SECONDS * 1000)
            self._audit(actor, "organizer.lock" if locked else "organizer.login_failed", username, {})
            raise ContestError("TOO_MANY_ATTEMPTS", 429) if locked else _invalid_login()
        changes: dict = {}
        if account.failures or account.locked_until:
            changes.update(failures=None, locked_until=None)
        if passwords.needs_rehash(account.password_hash):
            changes["password_hash"] = passwords.hash_password(password)
        if changes:
            self._repository.update_organizer(username, changes, account.version)
        self._audit(actor, "organizer.login", username, {})
        return self._session(account, now)

    def logout(self, actor: Actor) -> dict:
        """Raises the account's version: every session of the account ends (on every device)."""
        if actor is OPERATOR:
            return {"logged_out": True}
        account = self._account(actor.username)
        self._repository.update_organizer(
            account.username,
            {"version": account.version + 1, "updated_at": self._clock.now_ms()},
            account.version,
        )
        self._audit(actor, "organizer.logout", actor.username, {})
        return {"logged_out": True}

    def me(self, actor: Actor) -> dict:
        if actor is OPERATOR:
            view = {"username": OPERATOR.username, "full_name": "Kỹ thuật (token vận hành)", "role": "admin"}
            return {
                "organizer": {**view, "unit_id": None, "national_id_masked": None},
                "permissions": policy.permissions("admin"),
                "excluded_from_contest": False,
            }
        account = self._account(actor.username)
        return {
            "organizer": _public(account),
            "permissions": policy.permissions(account.role),
            "excluded_from_contest": account.national_id is not None,
        }

    def change_own_password(self, actor: Actor, body: object) -> dict:
        body = require_object(body)
        if actor is OPERATOR:
            raise ContestError("FORBIDDEN", 403)
        account = self._account(actor.username)
        current = body.get("current_password")
        if not isinstance(current, str) or not passwords.verify_password(account.password_hash, current):
            raise ContestError(
                "INVALID_CREDENTIALS", 401, field="current_password", message_key="WRONG_CURRENT_PASSWORD"
            )
        new_hash = passwords.hash_password(_password(body, "new_password"))
        now = self._clock.now_ms()
        changed = replace(account, password_hash=new_hash, version=account.version + 1, updated_at=now)
        if not self._repository.update_organizer(
            account.username,
            {
                "password_hash": new_hash,
                "version": changed.version,
                "updated_by": actor.username,
                "updated_at": now,
            },
            account.version,
        ):
            raise ContestError("CONFLICT", 409)
        self._audit(actor, "organizer.password_changed", account.username, {})
        session = self._session(changed, now)
        return {"token": session["token"], "expires_at": session["expires_at"]}

    # --- accounts (admin) -----------------------------------------------------------------

    def list_accounts(self, actor: Actor) -> dict:
        policy.authorize(actor, "accounts.manage")
        return {"organizers": [_public(a) for a in self._repository.list_organizers()]}

    def create_account(self, actor: Actor, body: object) -> dict:
        policy.authorize(actor, "accounts.manage")
        body = require_object(body)
        username = body.get("username")
        if not isinstance(username, str) or not _USERNAME.match(username):
            raise validation_error("username", "3-40 ký tự: chữ thường không dấu, số, dấu chấm, gạch")
        full_name = text_field(body, "full_name", max_length=100)
        role, unit_id = self._role_and_unit(body.get("role"), body.get("unit_id"))
        national_id = body.get("national_id")
        national_id = None if national_id in (None, "") else national_id_field(national_id)
        now = self._clock.now_ms()
        record = OrganizerRecord(
            username=username,
            full_name=full_name,
            role=role,
            unit_id=unit_id,
            national_id=national_id,
            password_hash=passwords.hash_password(_password(body, "password")),
            disabled=False,
            version=1,
            failures=None,
            locked_until=None,
            created_by=actor.username,
            created_at=now,
            updated_by=actor.username,
            updated_at=now,
        )
        if not self._repository.create_organizer(record):
            raise ContestError("ALREADY_EXISTS", 409, field="username")
        if national_id:
            self._repository.set_organizer_exclusion(self._settings.contest_id, national_id, username, now)
            self._catalog.forget()
        self._audit(actor, "organizer.create", username, {"role": role, "unit_id": unit_id})
        return {"organizer": _public(record)}

    def update_account(self, actor: Actor, username: str, body: object) -> dict:
        """Any subset of role, unit, disabled, password; every change but the unit ends the
        account's sessions (its version moves)."""
        policy.authorize(actor, "accounts.manage")
        body = require_object(body)
        account = self._account(username)
        known = {"role", "unit_id", "disabled", "password"}
        if not body or set(body) - known:
            raise validation_error("body", "chỉ đổi được role, unit_id, disabled, password")
        changes: dict = {}
        if "role" in body or "unit_id" in body:
            role, unit_id = self._role_and_unit(
                body.get("role", account.role), body.get("unit_id", account.unit_id)
            )
            changes.update(role=role, unit_id=unit_id)
        if "disabled" in body:
            if not isinstance(body["disabled"], bool):
                raise validation_error("disabled", "cần là true hoặc false")
            changes["disabled"] = body["disabled"]
        if "password" in body:
            changes.update(
                password_hash=passwords.hash_password(_password(body, "password")),
                failures=None,
                locked_until=None,
            )
        now = self._clock.now_ms()
        changes.update(version=account.version + 1, updated_by=actor.username, updated_at=now)
        if not self._repository.update_organizer(username, changes, account.version):
            raise ContestError("CONFLICT", 409)
        shown = {k: v for k, v in changes.items() if k in ("role", "unit_id", "disabled")}
        self._audit(actor, "organizer.update", username, {**shown, "password_reset": "password" in body})
        return {"organizer": _public(self._account(username))}

    # --- helpers --------------------------------------------------------------------------

    def _role_and_unit(self, role: object, unit_id: object) -> tuple[str, str | None]:
        if role not in policy.ROLES:
            raise validation_error("role", "một trong: " + ", ".join(policy.ROLES))
        if role not in policy.UNIT_ROLES:
            return role, None
        if not isinstance(unit_id, str) or unit_id not in self._catalog.snapshot().unit_ids:
            raise ContestError("UNKNOWN_UNIT", 400, field="unit_id")
        return role, unit_id

    def _account(self, username: str) -> OrganizerRecord:
        account = self._repository.get_organizer(username) if isinstance(username, str) else None
        if account is None:
            raise ContestError("ORGANIZER_NOT_FOUND", 404)
        return account

    def _session(self, account: OrganizerRecord, now: int) -> dict:
        token = sessions.issue(
            self._secret,
            username=account.username,
            role=account.role,
            unit_id=account.unit_id,
            version=account.version,
            now_ms=now,
            ttl_s=SESSION_SECONDS,
        )
        return {
            "token": token,
            "expires_at": timing.to_iso(now + SESSION_SECONDS * 1000),
            "organizer": {
                k: v for k, v in _public(account).items() if k in ("username", "full_name", "role", "unit_id")
            },
        }

    def _audit(self, actor: Actor, action: str, target: str, details: dict) -> None:
        self._repository.record_action(
            self._settings.contest_id, self._clock.now_ms(), actor, action, target, details
        )


def _invalid_login() -> ContestError:
    return ContestError("INVALID_CREDENTIALS", 401, message_key="ORGANIZER_INVALID_CREDENTIALS")


def _password(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not passwords.MIN_LENGTH <= len(value) <= passwords.MAX_LENGTH:
        raise validation_error(name, f"mật khẩu cần từ {passwords.MIN_LENGTH} ký tự")
    return value


def _public(account: OrganizerRecord) -> dict:
    """An account as the console shows it: never the hash, the CCCD masked."""
    return {
        "username": account.username,
        "full_name": account.full_name,
        "role": account.role,
        "unit_id": account.unit_id,
        "national_id_masked": identity.mask_national_id(account.national_id) if account.national_id else None,
        "disabled": account.disabled,
        "created_by": account.created_by,
        "created_at": timing.to_iso(account.created_at),
        "updated_by": account.updated_by,
        "updated_at": timing.to_iso(account.updated_at),
    }
