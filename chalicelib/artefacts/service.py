"""Certificates of published rounds: listed, printed and verified.

They are made from the published results snapshot (what was announced, with its sha256) and
the stored ranking of the same closing, whose private part names the winners' participant
ids, so the printed name is the one registered even where the public results mask it. Both
are immutable once published, so a round's certificates are computed once per Lambda
container and verifying a code afterwards costs no DynamoDB read.
"""

from __future__ import annotations

from chalicelib.artefacts import pdf
from chalicelib.catalog import Catalog
from chalicelib.data.repository import Repository, RoundRecord
from chalicelib.domain.certificates import Certificate, certificates_of, normalize_code, place_of
from chalicelib.errors import ContestError
from chalicelib.settings import Settings


def certificate_view(certificate: Certificate) -> dict:
    """What a certificate states, as the public lookup and the console show it."""
    return {
        "code": certificate.code,
        "kind": certificate.kind,
        "name": certificate.name,
        "unit": certificate.unit_name,
        "unit_id": certificate.unit_id,
        "prize": certificate.prize,
        "prize_name": certificate.prize_name,
        "rank": certificate.rank,
        "round_id": certificate.round_id,
        "round_name": certificate.round_name,
        "published_at": certificate.published_at,
        "sha256": certificate.sha256,
    }


def _winner_ids(results: dict, ranking: dict | None) -> list[str]:
    """The participant id behind each individual entry of the results, from the stored
    ranking the results were copied from (same sha256, same order)."""
    entries = (ranking or {}).get("_entries", [])
    individual = results.get("individual", [])
    if (
        ranking is None
        or ranking.get("sha256") != results.get("sha256")
        or len(entries) != len(individual)
        or any(
            e["unit_id"] != shown["unit_id"] or e["prize"] != shown["prize"]
            for e, shown in zip(entries, individual, strict=True)
        )
    ):
        raise ContestError("CERTIFICATE_SOURCE_MISMATCH", 409)
    return [e["participant_id"] for e in entries]


class CertificateService:
    def __init__(self, *, repository: Repository, catalog: Catalog, settings: Settings) -> None:
        self._repository = repository
        self._catalog = catalog
        self._settings = settings
        self._contest_id = settings.contest_id
        self._by_closing: dict[tuple[str, int], list[Certificate]] = {}

    def for_round(self, round_id: str) -> list[Certificate]:
        """The certificates of a published round (404 ``RESULTS_NOT_PUBLISHED`` before)."""
        record = self._catalog.snapshot().round(round_id)
        if record.state != "published" or record.closed_at is None:
            raise ContestError("RESULTS_NOT_PUBLISHED", 404)
        key = (round_id, record.closed_at)
        if key not in self._by_closing:
            self._by_closing[key] = self._compute(record)
        return self._by_closing[key]

    def _compute(self, record: RoundRecord) -> list[Certificate]:
        results = self._repository.get_results(self._contest_id, record.round_id, record.closed_at)
        if results is None:
            raise ContestError("RESULTS_NOT_PUBLISHED", 404)
        ranking = self._repository.get_ranking(self._contest_id, record.round_id, record.closed_at)
        winner_ids = _winner_ids(results, ranking)
        people = self._repository.get_participants(winner_ids) if winner_ids else {}
        return certificates_of(
            results,
            winner_ids,
            {member_id: person.full_name for member_id, person in people.items()},
            self._catalog.snapshot().contest,
            round_name=record.name,
            secret=self._settings.token_secret,
        )

    def find(self, round_id: str, code: str) -> Certificate:
        wanted = normalize_code(code)
        for certificate in self.for_round(round_id):
            if certificate.code == wanted:
                return certificate
        raise ContestError("CERTIFICATE_NOT_FOUND", 404)

    def lookup(self, code: str) -> Certificate:
        """The certificate a code was printed on, in any published round; 404
        ``CERTIFICATE_NOT_FOUND`` for a code that was changed or never given."""
        wanted = normalize_code(code)
        if wanted is not None:
            for record in sorted(self._catalog.snapshot().rounds.values(), key=lambda r: r.round_id):
                if record.state == "published":
                    for certificate in self.for_round(record.round_id):
                        if certificate.code == wanted:
                            return certificate
        raise ContestError("CERTIFICATE_NOT_FOUND", 404)

    # --- printing -------------------------------------------------------------------------------

    def issuer(self, verify_base: str) -> pdf.Issuer:
        contest = self._catalog.snapshot().contest
        return pdf.Issuer(
            organizer=contest["organizer"],
            contest_name=contest["name"],
            place=place_of(contest["organizer"]),
            verify_base=verify_base,
        )

    def round_pdf(self, round_id: str, verify_base: str) -> tuple[int, bytes]:
        """How many certificates, and the round's PDF to print (one page each)."""
        certificates = self.for_round(round_id)
        if not certificates:
            raise ContestError("CERTIFICATE_NOT_FOUND", 404)
        title = f"Giấy chứng nhận – {certificates[0].round_name}"
        return len(certificates), pdf.certificates_pdf(certificates, self.issuer(verify_base), title)

    def one_pdf(self, round_id: str, code: str, verify_base: str) -> tuple[Certificate, bytes]:
        certificate = self.find(round_id, code)
        title = f"Giấy chứng nhận – {certificate.name}"
        return certificate, pdf.certificates_pdf([certificate], self.issuer(verify_base), title)

    def poster(self, page_url: str) -> bytes:
        snapshot = self._catalog.snapshot()
        contest = snapshot.contest
        rounds = [
            pdf.PosterRound(r.name, r.opens_at, r.closes_at)
            for r in sorted(snapshot.rounds.values(), key=lambda r: r.opens_at)
        ]
        return pdf.poster_pdf(
            contest_name=contest["name"],
            organizer=contest["organizer"],
            rounds=rounds,
            url=page_url,
            prizes=_prize_summary(contest["prizes"]),
        )


def _prize_summary(prizes: dict) -> str:
    """``Mỗi tuần: 1 Giải Nhất, … cá nhân. Toàn cuộc thi: … tập thể.`` from the contest's prizes."""

    def listing(kind: str) -> str:
        return ", ".join(f"{p['count']} {p['name']}" for p in prizes.get(kind, []))

    lines = []
    if prizes.get("individual"):
        lines.append(f"Mỗi tuần: {listing('individual')} cho cá nhân.")
    if prizes.get("collective"):
        lines.append(f"Toàn cuộc thi: {listing('collective')} cho tập thể phường, xã.")
    return "\n".join(lines)
