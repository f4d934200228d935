"""Re-verification of the recognitions in force: when a partner revokes a statement we recognised, its hours are
reversed here (RULES.md §9: hours count once recognised — and no longer once the partner withdraws them).

Each recognised credential is verified again, its status lists asked afresh (a conditional GET: cheap when the
list did not change), and:

* **revoked** by its issuer (signature good, revocation bit set): the hours service reverses its entries
  (``recognised-credits:withdraw``, idempotent) and the recognition becomes ``withdrawn`` (audited);
* **suspended**: left as it is. Suspension is temporary (a partner looking into an entry, 000 art. 16) and a
  withdrawal in the hours ledger is final; when the partner revokes it, the next run withdraws it;
* **valid** (signature and status good): nothing changes. Validity dates are not re-judged: the hours were earned
  and recognised while the statement was valid, and a statement that runs out later takes nothing back;
* anything else — the partner out of reach, no longer a partner, a key it has since withdrawn — is
  **indeterminate**: left as it is, counted, and its reason kept on the row (``check_detail``) for an operator.

Runs in the background every ``CERTIFICATES_REVERIFY_EVERY_SECONDS`` and on demand (``POST
/v1/recognitions:reverify``). One run at a time across replicas (a PostgreSQL advisory lock): the background run
skips when another is going, an operator's run waits for it. Each recognition is its own transaction, so a long
run holds no lock on the table and a failure loses nothing already done.
"""

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cekit.problems import DomainError
from cekit.tokens import Principal
from certificates.audit import audit
from certificates.clients.hours import HoursClient
from certificates.partners.directory import PartnerDirectory
from certificates.recognitions import repository as recognitions
from certificates.recognitions.schemas import ReverifyOut
from certificates.verification.verifier import Verification, Verifier

log = logging.getLogger("certificates.recognitions")

BATCH = 100
# pg_advisory_lock key of the run: any constant the other users of the database do not take.
LOCK_KEY = 0x6A6A6A_5245_5646  # "jjj" "REVF"
SYSTEM_ACTOR = "system:reverify"

Outcome = Literal["valid", "revoked", "suspended", "indeterminate"]


def classify(result: Verification) -> tuple[Outcome, str]:
    checks = {check.check: check for check in result.checks}
    signed = checks["signature"].passed is True
    if signed and result.status == "revoked":
        return "revoked", checks["status"].detail
    if signed and result.status == "suspended":
        return "suspended", checks["status"].detail
    if signed and checks["status"].passed is True:
        return "valid", checks["status"].detail
    return "indeterminate", result.reason or "not decided"


@dataclass
class Reverifier:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    directory: PartnerDirectory
    hours: HoursClient

    def __post_init__(self) -> None:
        self._running = asyncio.Lock()

    async def run(self, actor: Principal | str, *, wait: bool = True) -> ReverifyOut | None:
        """One run over every recognition in force; None when ``wait`` is False and another run is going."""
        if not wait and self._running.locked():
            return None
        async with self._running, self.engine.connect() as lock:
            if wait:
                await lock.execute(select(func.pg_advisory_lock(LOCK_KEY)))
            elif not await lock.scalar(select(func.pg_try_advisory_lock(LOCK_KEY))):
                return None
            await lock.commit()  # the lock is the session's; no transaction stays open on this connection
            try:
                return await self._run(actor)
            finally:
                await lock.execute(select(func.pg_advisory_unlock(LOCK_KEY)))
                await lock.commit()

    async def _run(self, actor: Principal | str) -> ReverifyOut:
        verifier = Verifier(self.directory.revalidating())
        counts = {"valid": 0, "revoked": 0, "suspended": 0, "indeterminate": 0}
        after: uuid.UUID | None = None
        while True:
            async with self.sessionmaker() as session:
                batch = await recognitions.active_batch(session, after, BATCH)
            if not batch:
                break
            for row in batch:
                after = row.id
                outcome = await self._one(verifier, row, actor)
                counts[outcome] += 1
        answer = ReverifyOut(
            checked=sum(counts.values()),
            still_valid=counts["valid"],
            withdrawn=counts["revoked"],
            suspended=counts["suspended"],
            indeterminate=counts["indeterminate"],
        )
        log.info("re-verification: %s", answer.model_dump())
        return answer

    async def _one(self, verifier: Verifier, row: recognitions.AnyRow, actor: Principal | str) -> Outcome:
        try:
            outcome, detail = classify(await verifier.verify(row.credential))
        except DomainError as exc:  # e.g. the partner registry unreadable: this one stays undecided
            outcome, detail = "indeterminate", exc.detail
        now = datetime.now(UTC)
        if outcome == "revoked":
            reason = f"the partner {row.partner_region_code} revoked the credential {row.credential_id}"
            try:
                withdrawn = await self.hours.withdraw(row.issuer, row.credential_id, reason)
            except DomainError as exc:
                # Hours out of reach: nothing reversed, the recognition stays in force until the next run.
                log.warning("recognition %s: the hours could not be withdrawn now: %s", row.id, exc.detail)
                outcome, detail = "indeterminate", f"revoked, but the hours could not be withdrawn yet: {exc.detail}"
            else:
                async with self.sessionmaker() as session, session.begin():
                    changed = await recognitions.withdraw(session, row.id, now, reason, detail)
                    if changed is not None:
                        await audit(
                            session,
                            actor,
                            "recognition.withdrawn",
                            "recognition",
                            row.id,
                            reason=reason,
                            details={
                                "person_id": str(row.person_id),
                                "issuer": row.issuer,
                                "credential_id": row.credential_id,
                                "records_withdrawn": [str(record) for record in withdrawn.withdrawn],
                                "hours_withdrawn": str(withdrawn.hours),
                            },
                        )
                return outcome
        if outcome == "indeterminate":
            log.warning("recognition %s could not be re-verified: %s", row.id, detail)
        async with self.sessionmaker() as session, session.begin():
            await recognitions.checked(session, row.id, now, outcome, detail)
        return outcome


async def run_periodically(reverifier: Reverifier, every_seconds: float) -> None:
    """The background run: after each interval, unless another replica's run is going."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            await reverifier.run(SYSTEM_ACTOR, wait=False)
        except asyncio.CancelledError:
            raise
        except Exception:  # a failed run must not end the loop; the next interval tries again
            log.exception("re-verification run failed")
