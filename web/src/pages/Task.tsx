// A task: its timeline (indexer events, with the deadlines counting down), the result blob
// rendered, the verdict with its checks (aos-verify, computed by `aos web`), and the actions
// the contract allows now for the connected account — each one simulated first; a call that
// would revert is not offered and its decoded reason is shown instead.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { type Abi, type Address, type Hex, encodeAbiParameters, formatEther } from "viem";
import { useAccount, usePublicClient } from "wagmi";
import { Link } from "wouter";
import { disputeCourtAbi, taskMarketAbi } from "../gen/abi";
import type { ResultBlob } from "../gen/protocol";
import { getBlob, putBlob, textOf } from "../lib/blobs";
import { useServices } from "../lib/context";
import { explain } from "../lib/errors";
import { amount, relative, short, when } from "../lib/format";
import { useNow, usePolled } from "../lib/poll";
import { fetchVerdict, paramsOf, parseResult } from "../lib/task";
import { type Call, useTx, wouldRevert } from "../lib/tx";
import { Amount } from "../ui/Amount";
import { ErrorNotice, Notice, TxStatus } from "../ui/Notice";

type Action = {
  id: string;
  label: string;
  call: Call<Abi, string>;
  danger?: boolean;
};

const RULED = ["RuledRefused", "RuledForRequester", "RuledForWorker"];
/** The market's rulings by number (`ITaskMarket.RULING_CHOICES`; aos-chain `Ruling`). */
const RULINGS = ["refused", "for the requester", "for the worker"];

export default function TaskPage({ id }: { id: string }) {
  const { config, indexer } = useServices();
  const { address } = useAccount();
  const publicClient = usePublicClient();
  const tx = useTx();
  const wallNow = useNow();
  const detail = usePolled(["task", id], () => indexer.task(id), 2_000);
  const t = detail.data;
  const market = config.deployments.taskMarket;

  const chainNow = usePolled(
    ["chain-time"],
    async () => Number((await publicClient!.getBlock()).timestamp),
    3_000,
    !!publicClient,
  );
  const onChain = usePolled(
    ["task-state", id],
    () =>
      publicClient!.readContract({
        address: market,
        abi: taskMarketAbi,
        functionName: "taskState",
        args: [id as Hex],
      }),
    3_000,
    !!publicClient,
  );

  const disputeId = t?.disputeId ?? null;
  const courtCase = usePolled(
    ["dispute", disputeId],
    () => indexer.dispute(disputeId!),
    3_000,
    !!disputeId,
  );
  const resultHash = t?.resultHash ?? null;
  const result = useQuery({
    queryKey: ["result", resultHash],
    enabled: !!resultHash,
    retry: 3,
    queryFn: async (): Promise<{ blob: ResultBlob | null; text: string }> => {
      const bytes = await getBlob(config.blobsPath, resultHash as Hex);
      const text = textOf(bytes) ?? `(${bytes.length} bytes of binary data)`;
      try {
        return { blob: parseResult(text), text };
      } catch {
        return { blob: null, text };
      }
    },
  });
  const verdict = useQuery({
    queryKey: ["verdict", id, resultHash],
    enabled: !!resultHash,
    retry: 1,
    queryFn: () => fetchVerdict(config.verdictsPath, id),
  });

  // The actions the status allows, then simulated for this account.
  const [evidenceFile, setEvidenceFile] = useState<File | null>(null);
  const [evidenceError, setEvidenceError] = useState<string | null>(null);
  const params = t ? paramsOf(t) : null;
  const arbitration = useQuery({
    queryKey: ["arbitration", id, t?.worker],
    enabled: !!t && !!publicClient && t.status === "Submitted",
    queryFn: () =>
      publicClient!.readContract({
        address: config.deployments.disputeCourt,
        abi: disputeCourtAbi,
        functionName: "arbitrationCost",
        args: [
          encodeAbiParameters(
            [{ type: "bytes32" }, { type: "address" }, { type: "address" }],
            [t!.domain as Hex, t!.requester as Address, (t!.worker ?? t!.requester) as Address],
          ),
        ],
      }),
  });
  const evidenceId = verdict.data?.verdictBlob ?? null;

  const allowed = useQuery({
    queryKey: [
      "allowed",
      id,
      t?.status,
      t?.updatedBlock,
      address,
      evidenceId,
      arbitration.data,
      chainNow.data,
    ],
    enabled: !!t && !!params && !!publicClient && !!address,
    queryFn: async () => {
      if (!t || !params || !publicClient || !address) return { ok: [], refused: [] };
      const base = { address: market, abi: taskMarketAbi as Abi };
      const cands: Action[] = [];
      const me = address.toLowerCase();
      const isRequester = t.requester.toLowerCase() === me;
      if (t.status === "Submitted") {
        if (isRequester) {
          cands.push({
            id: "accept",
            label: "Accept and pay",
            call: { ...base, functionName: "accept", args: [params] },
          });
          if (evidenceId && arbitration.data !== undefined) {
            cands.push({
              id: "reject",
              label: `Reject with the verdict as evidence (pays ${formatEther(arbitration.data)} ETH arbitration)`,
              danger: true,
              call: {
                ...base,
                functionName: "reject",
                args: [params, evidenceId],
                value: arbitration.data,
              },
            });
          }
        }
        cands.push({
          id: "finalize",
          label: "Finalize (review window over)",
          call: { ...base, functionName: "finalize", args: [params] },
        });
      }
      if (t.status === "Open" || t.status === "Claimed") {
        cands.push({
          id: "expire",
          label: "Expire (deadline missed)",
          call: { ...base, functionName: "expire", args: [params] },
        });
      }
      if (t.status === "Open" && isRequester) {
        cands.push({
          id: "cancel",
          label: "Cancel and refund",
          call: { ...base, functionName: "cancel", args: [params] },
        });
      }
      if (RULED.includes(t.status)) {
        cands.push({
          id: "execute",
          label: "Execute the ruling",
          call: { ...base, functionName: "executeRuling", args: [params] },
        });
      }
      const rs = await Promise.all(
        cands.map(async (a) => [a, await wouldRevert(publicClient, a.call, address)] as const),
      );
      return {
        ok: rs.filter(([, why]) => why === null).map(([a]) => a),
        refused: rs
          .filter(([, why]) => why !== null)
          .map(([a, why]) => ({ label: a.label, why: why as string })),
      };
    },
  });

  async function rejectWithFile() {
    if (!evidenceFile || !params || arbitration.data === undefined) return;
    setEvidenceError(null);
    try {
      const bytes = new Uint8Array(await evidenceFile.arrayBuffer());
      const eid = await putBlob(config.blobsPath, bytes);
      await tx.send({
        address: market,
        abi: taskMarketAbi,
        functionName: "reject",
        args: [params, eid],
        value: arbitration.data,
      });
    } catch (e) {
      setEvidenceError(explain(e).message);
    }
  }

  if (!t)
    return detail.error ? <ErrorNotice error={explain(detail.error)} /> : <p>Loading task…</p>;
  const now = chainNow.data ?? wallNow;
  const deadline = onChain.data ? Number(onChain.data.deadline) : null;
  return (
    <section>
      <h1>
        Task {t.domainName || short(t.domain)} · <Amount value={t.payment} asset={t.asset} />
      </h1>
      <p className="mono small">{t.taskId}</p>
      {detail.error && <ErrorNotice error={explain(detail.error)} />}
      <dl className="facts">
        <dt>Status</dt>
        <dd data-testid="task-status">{t.status}</dd>
        <dt>Requester</dt>
        <dd>
          <Link href={`/agent/${t.requester}`}>{short(t.requester)}</Link>
        </dd>
        {t.worker && (
          <>
            <dt>Worker</dt>
            <dd>
              <Link href={`/agent/${t.worker}`}>{short(t.worker)}</Link> (stake{" "}
              {t.stake ? <Amount value={t.stake} asset={t.asset} /> : "—"})
            </dd>
          </>
        )}
        <dt>Claim deadline</dt>
        <dd>
          {when(t.claimDeadline)} ({relative(t.claimDeadline, now)})
        </dd>
        <dt>Completion deadline</dt>
        <dd>
          {when(t.completionDeadline)} ({relative(t.completionDeadline, now)})
        </dd>
        {t.status === "Submitted" && deadline !== null && (
          <>
            <dt>Review window ends</dt>
            <dd data-testid="review-deadline">
              {when(deadline)} ({relative(deadline, now)})
            </dd>
          </>
        )}
        {t.disputeId && (
          <>
            <dt>Dispute</dt>
            <dd data-testid="dispute">
              <Link href="/jury">#{t.disputeId}</Link> (bond {amount(t.bond)})
              {courtCase.data && (
                <>
                  {" "}
                  · {courtCase.data.phase} phase, round {courtCase.data.round}
                  {!courtCase.data.solved &&
                    ` · ends ${when(courtCase.data.deadline)} (${relative(courtCase.data.deadline, now)})`}
                  {courtCase.data.ruling != null &&
                    ` · ruling ${RULINGS[courtCase.data.ruling] ?? courtCase.data.ruling}`}
                </>
              )}
            </dd>
          </>
        )}
        {t.workerAmount && (
          <>
            <dt>Paid to the worker</dt>
            <dd>
              <Amount value={t.workerAmount} asset={t.asset} />
            </dd>
          </>
        )}
        <dt>Spec</dt>
        <dd className="mono small">
          <a href={`${config.blobsPath}/${t.specHash}`}>{t.specHash}</a>
        </dd>
      </dl>

      <h2>Actions</h2>
      {!address && <p>Connect a wallet to act on this task.</p>}
      {address && (allowed.data?.ok ?? []).length === 0 && (
        <p>Nothing this account can do on this task now.</p>
      )}
      <div className="actions">
        {(allowed.data?.ok ?? []).map((a) => (
          <button
            key={a.id}
            type="button"
            className={a.danger ? "danger" : undefined}
            disabled={
              tx.state.phase === "checking" ||
              tx.state.phase === "signing" ||
              tx.state.phase === "mining"
            }
            onClick={() => void tx.send(a.call)}
          >
            {a.label}
          </button>
        ))}
      </div>
      {(allowed.data?.refused ?? []).length > 0 && (
        <details>
          <summary>Why other actions are not offered</summary>
          <ul>
            {(allowed.data?.refused ?? []).map((r) => (
              <li key={r.label}>
                {r.label}: {r.why}
              </li>
            ))}
          </ul>
        </details>
      )}
      {t.status === "Submitted" && address?.toLowerCase() === t.requester.toLowerCase() && (
        <details>
          <summary>Reject with your own evidence file</summary>
          <label>
            Evidence file (published as a blob; its id goes on chain)
            <input type="file" onChange={(e) => setEvidenceFile(e.target.files?.[0] ?? null)} />
          </label>
          <button
            type="button"
            className="danger"
            disabled={!evidenceFile}
            onClick={() => void rejectWithFile()}
          >
            Reject with this file
          </button>
          {evidenceError && <Notice tone="error">{evidenceError}</Notice>}
        </details>
      )}
      <TxStatus state={tx.state} />

      {resultHash && (
        <>
          <h2>Result</h2>
          {result.error && <Notice tone="error">{(result.error as Error).message}</Notice>}
          {result.data && (
            <div className="result" data-testid="result">
              {result.data.blob ? (
                <>
                  <p className="small">
                    {result.data.blob.executor}
                    {result.data.blob.model ? ` · ${result.data.blob.model}` : ""}
                  </p>
                  <pre>{result.data.blob.output}</pre>
                </>
              ) : (
                <pre>{result.data.text}</pre>
              )}
            </div>
          )}
          <h2>Verdict</h2>
          {verdict.isLoading && <p>Evaluating the result against the spec…</p>}
          {verdict.error && <Notice tone="error">{(verdict.error as Error).message}</Notice>}
          {verdict.data && (
            <div data-testid="verdict">
              <p className={verdict.data.verdict.pass ? "pass" : "fail"}>
                {verdict.data.verdict.pass ? "Pass" : "Fail"} · score{" "}
                {verdict.data.verdict.score_bps / 100} %
                {verdict.data.verdict.checks.length === 0 &&
                  " (the spec sets no acceptance criteria)"}
              </p>
              {verdict.data.verdict.checks.length > 0 && (
                <table>
                  <caption>Checks</caption>
                  <thead>
                    <tr>
                      <th scope="col">Check</th>
                      <th scope="col">Result</th>
                      <th scope="col">Score</th>
                      <th scope="col">Reason</th>
                    </tr>
                  </thead>
                  <tbody>
                    {verdict.data.verdict.checks.map((c, i) => (
                      <tr key={i}>
                        <td>{c.kind}</td>
                        <td className={c.pass ? "pass" : "fail"}>{c.pass ? "pass" : "fail"}</td>
                        <td>{c.score_bps / 100} %</td>
                        <td>{c.reason}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {verdict.data.notes.map((n) => (
                <Notice key={n} tone="warn">
                  {n}
                </Notice>
              ))}
            </div>
          )}
        </>
      )}

      <h2>Timeline</h2>
      <ol className="timeline" data-testid="timeline">
        {t.history.map((e) => (
          <li key={`${e.blockNumber}-${e.logIndex}`}>
            <strong>{e.event.replace(/^Task/, "")}</strong> · block {e.blockNumber}
            {e.blockTimestamp ? ` · ${when(e.blockTimestamp)}` : ""}
          </li>
        ))}
      </ol>
      {t.evidence.length > 0 && (
        <>
          <h2>Evidence</h2>
          <ul>
            {t.evidence.map((e) => (
              <li key={`${e.blockNumber}-${e.logIndex}`}>
                {e.party.toLowerCase() === t.requester.toLowerCase() ? "Requester" : "Worker"}:{" "}
                <a className="mono small" href={`${config.blobsPath}/${e.evidence}`}>
                  {e.evidence}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
