"""Lazily built services: the seam that tests replace (clock, settings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.admin import AdminService
from chalicelib.artefacts.service import CertificateService  # certificates (issue 11)
from chalicelib.catalog import Catalog
from chalicelib.clock import Clock, SystemClock
from chalicelib.data.repository import Repository
from chalicelib.history import ParticipantHistory
from chalicelib.http import bearer_token
from chalicelib.integrity.limits import Guard
from chalicelib.integrity.phone import PhoneCodes, SmsSender, sender_for
from chalicelib.integrity.review import PrizeReview
from chalicelib.item_statistics import ItemStatisticsService
from chalicelib.lifecycle import RoundLifecycle
from chalicelib.organizers import policy
from chalicelib.organizers.policy import Actor
from chalicelib.organizers.service import OrganizerService
from chalicelib.participants import ParticipantService
from chalicelib.registration import RegistrationService
from chalicelib.settings import Settings, get_settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    clock: Clock
    repository: Repository
    catalog: Catalog
    participants: ParticipantService
    history: ParticipantHistory
    registration: RegistrationService
    review: PrizeReview
    organizers: OrganizerService
    admin: AdminService
    lifecycle: RoundLifecycle
    item_statistics: ItemStatisticsService
    certificates: CertificateService  # issue 11: caches the certificates of published rounds


def build_services(
    *, settings: Settings | None = None, clock: Clock | None = None, sms: SmsSender | None = None
) -> Services:
    settings = settings or get_settings()
    clock = clock or SystemClock()
    repository = Repository(settings.token_secret)
    catalog = Catalog(
        repository=repository,
        clock=clock,
        contest_id=settings.contest_id,
        ttl_seconds=settings.config_cache_seconds,
    )
    common = {"repository": repository, "catalog": catalog, "clock": clock, "settings": settings}
    participants = ParticipantService(**common)
    guard = Guard(repository=repository, clock=clock, settings=settings)
    review = PrizeReview(**common, guard=guard)
    phone_codes = PhoneCodes(
        repository=repository, clock=clock, settings=settings, sender=sms or sender_for(settings)
    )
    return Services(
        settings=settings,
        clock=clock,
        repository=repository,
        catalog=catalog,
        participants=participants,
        history=ParticipantHistory(repository=repository, catalog=catalog, settings=settings),
        registration=RegistrationService(**common, guard=guard, phone_codes=phone_codes),
        organizers=OrganizerService(**common),
        admin=AdminService(**common),
        review=review,
        lifecycle=RoundLifecycle(**common, participants=participants, review=review),
        item_statistics=ItemStatisticsService(catalog=catalog, clock=clock, settings=settings),
        certificates=CertificateService(repository=repository, catalog=catalog, settings=settings),
    )


_SERVICES: Services | None = None


def get_services() -> Services:
    global _SERVICES
    if _SERVICES is None:
        _SERVICES = build_services()
    return _SERVICES


def organizer(request: Any, action: str | None = None) -> Actor:
    """The organizer whose bearer token the request carries (401 otherwise), refused (403)
    when its role may not do ``action``."""
    actor = get_services().organizers.authenticate(bearer_token(request))
    if action is not None:
        policy.scope(actor, action)
    return actor


def shared_dependencies() -> dict[str, Any]:
    """What a service made on first use (Excel, PDF, the bank: kept out of a participant's
    cold start) is built from: the running services' repository, catalog, clock, settings."""
    services = get_services()
    return {
        "repository": services.repository,
        "catalog": services.catalog,
        "clock": services.clock,
        "settings": services.settings,
    }


def use_services(services: Services | None) -> None:
    """Install (or with None, reset) the services every route uses."""
    global _SERVICES
    _SERVICES = services
