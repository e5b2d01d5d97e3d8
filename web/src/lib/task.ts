// A task's terms as TaskMarket's `TaskParams` tuple, from the indexer's `Task` (which carries
// every term of `TaskPosted`), and the shapes of the blobs a task page reads.
import type { Address, Hex } from "viem";
import type { ResultBlob, Verdict } from "../gen/protocol";
import type { Task } from "./indexer";

/**
 * A worker's stake for `payment` at `stakeBps`: ceil(payment × stakeBps / 10 000), as
 * `TaskMarket.stakeOf` computes it (README "Stake"). For lists; a post reads the contract.
 */
export function stakeOf(payment: bigint, stakeBps: number): bigint {
  return (payment * BigInt(stakeBps) + 9_999n) / 10_000n;
}

export function paramsOf(t: Task) {
  return {
    requester: t.requester as Address,
    asset: t.asset as Address,
    payment: BigInt(t.payment),
    stakeBps: t.stakeBps,
    feeBps: t.feeBps,
    claimDeadline: t.claimDeadline,
    completionDeadline: t.completionDeadline,
    reviewWindow: t.reviewWindow,
    maxDelegationDepth: t.maxDelegationDepth,
    minAccuracy: BigInt(t.minAccuracy),
    minCompletion: BigInt(t.minCompletion),
    domain: t.domain as Hex,
    specHash: t.specHash as Hex,
    parentTaskId: t.parentTaskId as Hex,
    salt: BigInt(t.salt),
  } as const;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses a result blob (aos-protocol `ResultBlob`); throws naming what is wrong. */
export function parseResult(text: string): ResultBlob {
  const v: unknown = JSON.parse(text);
  if (!isObj(v) || typeof v.output !== "string" || typeof v.executor !== "string") {
    throw new Error("the result blob is not an aos-protocol ResultBlob (no output/executor)");
  }
  return v as unknown as ResultBlob;
}

/** `POST /api/verdicts/<task id>` (cli/src/cmd/web.rs `VerdictAnswer`). */
export interface VerdictAnswer {
  verdict: Verdict;
  /** The verdict published as a blob: the evidence a rejection carries. */
  verdictBlob: Hex;
  /** Where the spec and result came from, and notes (e.g. a result naming another task). */
  notes: string[];
}

export function parseVerdictAnswer(v: unknown): VerdictAnswer {
  if (
    !isObj(v) ||
    !isObj(v.verdict) ||
    typeof v.verdictBlob !== "string" ||
    !Array.isArray(v.notes)
  ) {
    throw new Error("the verdict answer is malformed");
  }
  const verdict = v.verdict;
  if (typeof verdict.pass !== "boolean" || !Array.isArray(verdict.checks)) {
    throw new Error("the verdict has no pass/checks");
  }
  return v as unknown as VerdictAnswer;
}

/** Asks `aos web` to evaluate the task's submission with aos-verify's evaluator. */
export async function fetchVerdict(base: string, taskId: string): Promise<VerdictAnswer> {
  const r = await fetch(`${base}/${taskId}`, { method: "POST" });
  const body: unknown = await r.json().catch(() => null);
  if (!r.ok) {
    const msg =
      isObj(body) && isObj(body.error) && typeof body.error.message === "string"
        ? body.error.message
        : `HTTP ${r.status}`;
    throw new Error(`the verdict could not be computed: ${msg}`);
  }
  return parseVerdictAnswer(body);
}
