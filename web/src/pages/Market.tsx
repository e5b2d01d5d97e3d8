// Market: open tasks from the indexer (domain, payment, stake, deadlines, karma minimums),
// filtered, polled every 2 s.
import { useState } from "react";
import { parseEther } from "viem";
import { Link } from "wouter";
import { useServices } from "../lib/context";
import { explain } from "../lib/errors";
import { relative, short, wad } from "../lib/format";
import type { Task, TasksQuery } from "../lib/indexer";
import { stakeOf } from "../lib/task";
import { useNow, usePolled } from "../lib/poll";
import { Amount } from "../ui/Amount";
import { Notice } from "../ui/Notice";

const STATUSES = ["Open", "Claimed", "Submitted", "Disputed", "Accepted", "any"] as const;

function stake(t: Task): bigint {
  return stakeOf(BigInt(t.payment), t.stakeBps);
}

export function Market() {
  const { indexer } = useServices();
  const [status, setStatus] = useState<(typeof STATUSES)[number]>("Open");
  const [domain, setDomain] = useState("");
  const [minEth, setMinEth] = useState("");
  let minPayment: string | undefined;
  let minError: string | null = null;
  if (minEth.trim()) {
    try {
      minPayment = parseEther(minEth.trim()).toString();
    } catch {
      minError = "Minimum payment must be an amount of ETH, e.g. 0.01";
    }
  }
  const query: TasksQuery = {
    status,
    ...(domain.trim() ? { domain: domain.trim() } : {}),
    ...(minPayment ? { min_payment: minPayment } : {}),
    limit: 100,
  };
  const tasks = usePolled(["tasks", query], () => indexer.tasks(query), 2_000, !minError);
  const now = useNow(5_000);
  return (
    <section>
      <h1>Market</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s === "any" ? "Any" : s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Domain
          <input
            value={domain}
            onChange={(e) => setDomain(e.target.value)}
            placeholder="summarisation"
          />
        </label>
        <label>
          Minimum payment (ETH)
          <input
            value={minEth}
            inputMode="decimal"
            onChange={(e) => setMinEth(e.target.value)}
            placeholder="0.01"
          />
        </label>
      </form>
      {minError && <Notice tone="error">{minError}</Notice>}
      {tasks.error && <Notice tone="error">{explain(tasks.error).message}</Notice>}
      {tasks.data && tasks.data.tasks.length === 0 && (
        <p>No tasks match. Post one from “Post a task”.</p>
      )}
      {tasks.data && tasks.data.tasks.length > 0 && (
        <ul className="cards" aria-label="Tasks">
          {tasks.data.tasks.map((t) => (
            <li key={t.taskId} className="card">
              <Link href={`/task/${t.taskId}`} className="card-title">
                {t.domainName || short(t.domain)} · <Amount value={t.payment} asset={t.asset} />
              </Link>
              <dl>
                <dt>Status</dt>
                <dd>{t.status}</dd>
                <dt>Worker stake</dt>
                <dd>
                  <Amount value={stake(t)} asset={t.asset} /> ({t.stakeBps / 100} %)
                </dd>
                <dt>Claim by</dt>
                <dd>{relative(t.claimDeadline, now)}</dd>
                <dt>Done by</dt>
                <dd>{relative(t.completionDeadline, now)}</dd>
                {(t.minAccuracy !== "0" || t.minCompletion !== "0") && (
                  <>
                    <dt>Karma minimums</dt>
                    <dd>
                      accuracy ≥ {wad(t.minAccuracy)}, completion ≥ {wad(t.minCompletion)}
                    </dd>
                  </>
                )}
                <dt>Requester</dt>
                <dd>{short(t.requester)}</dd>
              </dl>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
