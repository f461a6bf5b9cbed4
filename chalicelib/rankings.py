"""A round's ranking as stored and published: the individual winners (top-k from the sharded
leaderboard), the collective ranking over the rounds so far, the statistics, and the review
flags of the prize candidates. Computed once per closing (and again after a disqualification)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict

from aws_lambda_powertools import Logger

from chalicelib.catalog import ContestSnapshot
from chalicelib.clock import Clock
from chalicelib.data.repository import Repository, RoundRecord
from chalicelib.domain import identity, ranking, timing, tokens
from chalicelib.errors import ContestError
from chalicelib.integrity.review import PrizeReview, candidates_of
from chalicelib.settings import Settings

logger = Logger(service="songcong-contest")

STATES_AFTER_CLOSE = ("closed", "ranked", "published")
STREAM_SETTLE_MS = 10 * 60 * 1000


def _counters_to_json(counters: ranking.RoundCounters) -> dict:
    return {
        "units": {u: [c.attempts, c.participants, c.best_sum] for u, c in counters.units.items()},
        "best_scores": {str(k): v for k, v in counters.best_scores.items()},
    }


def _people_without(
    people_per_unit: dict[str, int], ineligible: dict[str, list[ranking.SubmittedAttempt]]
) -> dict[str, int]:
    """Distinct people per unit over the contest, less the ineligible people who took part."""
    gone = ranking.counters_from_attempts(a for attempts in ineligible.values() for a in attempts).units
    return {
        unit_id: count - (gone[unit_id].participants if unit_id in gone else 0)
        for unit_id, count in people_per_unit.items()
    }


def _counters_from_json(raw: dict) -> ranking.RoundCounters:
    return ranking.RoundCounters(
        {u: ranking.UnitCounters(*values) for u, values in raw["units"].items()},
        {int(k): v for k, v in raw["best_scores"].items()},
    )


class RankingBuilder:
    def __init__(
        self, *, repository: Repository, settings: Settings, clock: Clock, review: PrizeReview
    ) -> None:
        self._repository = repository
        self._settings = settings
        self._clock = clock
        self._review = review
        self._contest_id = settings.contest_id

    def excluded_participant_ids(self, snapshot: ContestSnapshot) -> set[str]:
        """People who may not win anything in the contest: the exclusion list (organizers,
        writers, technical staff) and released registrations (someone else's CCCD)."""
        return {
            tokens.participant_id_for(self._settings.token_secret, n) for n in snapshot.excluded_national_ids
        } | set(snapshot.released_participant_ids)

    def compute(self, record: RoundRecord, snapshot: ContestSnapshot) -> tuple[dict, str]:
        """Rank from the same snapshot that found the round closed (one read of the contest)."""
        contest = snapshot.contest
        excluded = self.excluded_participant_ids(snapshot)
        actual = int(record.actual_prediction_value or 0)
        shards = ranking.board_shards(record.round_id, self._settings.attempt_shards)
        ordered = ranking.iter_ranked(
            self._repository.read_board,
            shards=shards,
            actual=actual,
            max_correct=int(snapshot.rules["questions_per_attempt"]),
        )
        disqualified = self._review.disqualified(record.round_id)
        top = ranking.top_individuals(
            ordered,
            actual,
            excluded | set(disqualified),
            prizes=contest["prizes"]["individual"],
            min_seconds_per_question=snapshot.rules["min_seconds_per_question"],
        )
        winners = [e for e in top if e.prize is not None]
        people = self._repository.get_participants(e.participant_id for e in winners)

        counters, contest_participants, source = self._counters(record, actual, snapshot)
        collective = self._collective(record, snapshot, counters, contest_participants, winners, excluded)
        digest = ranking.ranking_sha256([*winners, *collective])
        body = {
            "round_id": record.round_id,
            "sha256": digest,
            "actual_prediction_value": actual,
            "individual": [
                {**entry_view(e, people.get(e.participant_id)), "rank": position}
                for position, e in enumerate(winners, start=1)
            ],
            "collective": [
                {
                    "rank": u.rank,
                    "prize": u.prize,
                    "amount": u.amount,
                    "unit_id": u.unit_id,
                    "participants": u.participants,
                    "attempts": u.participations,
                    "average_score": u.average_best_score,
                    "prizes_won": u.prizes_won,
                }
                for u in collective
            ],
            "collective_final": all(
                r.state in STATES_AFTER_CLOSE or r is record for r in snapshot.rounds.values()
            ),
            "stats": {
                "participants": counters.participants,
                "attempts": counters.attempts,
                "per_unit": {unit_id: c.attempts for unit_id, c in counters.units.items()},
                "score_distribution": {str(k): v for k, v in counters.best_scores.items()},
                "source": source,
            },
            "_entries": [asdict(e) for e in winners],
            "_flags": self._review.flags(candidates_of(top)),
            "_disqualified": sorted(disqualified),
            "_counters": _counters_to_json(counters),
        }
        return body, digest

    def _collective(
        self,
        record: RoundRecord,
        snapshot: ContestSnapshot,
        counters: ranking.RoundCounters,
        contest_participants: dict[str, int],
        winners: list[ranking.RankedEntry],
        excluded: set[str],
    ) -> list[ranking.UnitRankedEntry]:
        """The units over the rounds ranked so far (this one's counters, earlier ones' from
        their rankings), leaving out the attempts of people who may not take part."""
        contest = snapshot.contest
        counters_by_round = {record.round_id: counters}
        all_winners = list(winners)
        for other in snapshot.rounds.values():
            if other.round_id == record.round_id or other.closed_at is None:
                continue
            previous = self._repository.get_ranking(self._contest_id, other.round_id, other.closed_at)
            if previous is not None:
                all_winners += [ranking.RankedEntry(**e) for e in previous.get("_entries", [])]
                counters_by_round[other.round_id] = _counters_from_json(previous["_counters"])
        disqualified = {
            (d.round_id, d.participant_id) for d in self._repository.list_disqualifications(self._contest_id)
        }
        ineligible = {
            round_id: [
                a
                for a in attempts
                if a.participant_id in excluded or (round_id, a.participant_id) in disqualified
            ]
            for round_id, attempts in self._repository.submitted_attempts_by_round(
                excluded | {participant_id for _, participant_id in disqualified}
            ).items()
            if round_id in counters_by_round
        }
        unit_stats = ranking.unit_stats_from_counters(
            [
                ranking.counters_without(c, ranking.counters_from_attempts(ineligible.get(round_id, [])))
                for round_id, c in counters_by_round.items()
            ],
            _people_without(contest_participants, ineligible),
            all_winners,
            unit_ids=[u["id"] for u in contest["units"]],
        )
        criteria, populations = ranking.collective_rules(contest)
        return ranking.rank_units(unit_stats, criteria, contest["prizes"]["collective"], populations)

    def _counters(
        self, record: RoundRecord, actual: int, snapshot: ContestSnapshot
    ) -> tuple[ranking.RoundCounters, dict[str, int], str]:
        """The stream handler's counters once they add up to the round's exact count; while
        they lag, wait (409 STATS_PENDING, the next tick retries); if they still disagree
        ``STREAM_SETTLE_MS`` after closing, recount from the leaderboard (a full read)."""
        counters = self._repository.round_counters(record.round_id)
        if counters.attempts == actual:
            return counters, self._repository.contest_participants(), "stream"
        if self._clock.now_ms() < (record.closed_at or 0) + STREAM_SETTLE_MS:
            raise ContestError("STATS_PENDING", 409)
        logger.warning("stream counters disagree: recounting", extra={"round_id": record.round_id})
        people: dict[str, str] = {}
        recounted = None
        for other in snapshot.rounds.values():
            if other.state not in STATES_AFTER_CLOSE and other.round_id != record.round_id:
                continue
            shards = ranking.board_shards(other.round_id, self._settings.attempt_shards)
            attempts = list(self._repository.read_whole_board(shards))
            people.update((a.participant_id, a.unit_id) for a in attempts)
            if other.round_id == record.round_id:
                recounted = ranking.counters_from_attempts(attempts)
        return recounted, dict(Counter(people.values())), "full_read"


def entry_view(entry: ranking.RankedEntry, person) -> dict:
    return {
        "rank": entry.rank,
        "prize": entry.prize,
        "amount": entry.amount,
        "full_name": person.full_name if person else None,
        "national_id_masked": identity.mask_national_id(person.national_id) if person else None,
        "unit_id": entry.unit_id,
        "correct": entry.correct,
        "total": entry.total,
        "prediction": entry.prediction,
        "prediction_error": entry.prediction_error,
        "duration_ms": entry.duration_ms,
        "submitted_at": timing.to_iso(entry.submitted_at),
    }
