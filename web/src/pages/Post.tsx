// Post a task: a §6.2 spec with acceptance criteria, validated against the protocol's schema,
// published as a blob (its id = BLAKE3 of its bytes goes on chain as specHash), then
// `postTask` with the payment escrowed in ETH. A cost preview comes before any signature.
import { useEffect, useState } from "react";
import {
  type Address,
  type Hex,
  erc20Abi,
  formatEther,
  formatGwei,
  formatUnits,
  getAddress,
  isAddress,
  parseEther,
  parseEventLogs,
  parseUnits,
  toHex,
  zeroAddress,
  zeroHash,
} from "viem";
import { useAccount, usePublicClient } from "wagmi";
import { useLocation } from "wouter";
import { disputeCourtAbi, taskMarketAbi } from "../gen/abi";
import { putBlob, contentId } from "../lib/blobs";
import { useServices } from "../lib/context";
import { explain, type Explained } from "../lib/errors";
import { domainToBytes32 } from "../lib/format";
import { buildSpec, currencyCode, specBytes, validateSpec, type SpecForm } from "../lib/spec";
import { useTx } from "../lib/tx";
import { ErrorNotice, Notice, TxStatus } from "../ui/Notice";

/** Task terms as TaskMarket's `TaskParams` tuple. */
export interface TaskParams {
  requester: Address;
  asset: Address;
  payment: bigint;
  stakeBps: number;
  feeBps: number;
  claimDeadline: number;
  completionDeadline: number;
  reviewWindow: number;
  maxDelegationDepth: number;
  minAccuracy: bigint;
  minCompletion: bigint;
  domain: Hex;
  specHash: Hex;
  parentTaskId: Hex;
  salt: bigint;
}

interface Unit {
  symbol: string;
  decimals: number;
}

interface Preview {
  params: TaskParams;
  spec: Uint8Array;
  specId: Hex;
  stake: bigint;
  fee: bigint;
  arbitration: bigint;
  gas: bigint | null;
  gasPrice: bigint;
  /** The payment's asset: ETH, or the token's symbol and decimals. */
  unit: Unit;
  /** The allowance to approve first (ERC-20 only), base units; `null` when none is needed. */
  approval: bigint | null;
  /** Why postTask would fail now (from the gas estimate), if it would. */
  revert: Explained | null;
}

const lines = (s: string) =>
  s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
const optInt = (s: string): number | undefined => (s.trim() ? Number.parseInt(s, 10) : undefined);

export default function Post() {
  const { config } = useServices();
  const { address } = useAccount();
  const publicClient = usePublicClient();
  const [, navigate] = useLocation();
  const tx = useTx();
  const [f, setF] = useState({
    asset: "",
    domain: "summarisation",
    prompt: "",
    payment: "0.01",
    stakePct: "10",
    claimMin: "10",
    completeMin: "40",
    reviewMin: "60",
    minChars: "",
    maxChars: "",
    required: "",
    forbidden: "",
    language: "",
    jsonSchema: "",
    skills: "",
    minAccuracy: "",
  });
  const [problems, setProblems] = useState<string[]>([]);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => {
    setF({ ...f, [k]: e.target.value });
    setPreview(null);
  };
  useEffect(() => tx.reset, []); // eslint-disable-line react-hooks/exhaustive-deps

  async function review() {
    setErr(null);
    setProblems([]);
    setPreview(null);
    if (!address || !publicClient) {
      setErr("Connect a wallet first: the account that posts pays the escrow.");
      return;
    }
    setBusy(true);
    try {
      const assetText = f.asset.trim();
      if (assetText && !isAddress(assetText)) {
        throw new Error(
          "Pay in: leave empty for ETH, or give an ERC-20 address (0x + 40 hex digits).",
        );
      }
      const asset: Address = assetText ? getAddress(assetText) : zeroAddress;
      const market = config.deployments.taskMarket;
      let unit: Unit = { symbol: "ETH", decimals: 18 };
      let allowance: bigint | null = null;
      let tokenBalance: bigint | null = null;
      if (asset !== zeroAddress) {
        const read = <fn extends "symbol" | "decimals">(functionName: fn) =>
          publicClient.readContract({ address: asset, abi: erc20Abi, functionName });
        const [symbol, decimals, allowed, held] = await Promise.all([
          read("symbol"),
          read("decimals"),
          publicClient.readContract({
            address: asset,
            abi: erc20Abi,
            functionName: "allowance",
            args: [address, market],
          }),
          publicClient.readContract({
            address: asset,
            abi: erc20Abi,
            functionName: "balanceOf",
            args: [address],
          }),
        ]).catch((e: unknown) => {
          throw new Error(`${asset} does not answer as an ERC-20 token (${explain(e).message})`, {
            cause: e,
          });
        });
        unit = { symbol, decimals };
        allowance = allowed;
        tokenBalance = held;
      }
      const paymentWei = parseUnits(f.payment.trim(), unit.decimals);
      if (paymentWei <= 0n) throw new Error(`The payment must be more than 0 ${unit.symbol}.`);
      if (!f.prompt.trim()) throw new Error("Say what the worker should do (the prompt).");
      const stakeBps = Math.round(Number(f.stakePct) * 100);
      if (!(stakeBps >= 0 && stakeBps <= 10_000)) throw new Error("The stake must be 0–100 %.");
      const claimS = Number(f.claimMin) * 60;
      const completeS = Number(f.completeMin) * 60;
      const reviewS = Number(f.reviewMin) * 60;
      if (!(claimS > 0 && completeS > claimS && reviewS > 0)) {
        throw new Error(
          "Deadlines: claim window > 0, completion after the claim deadline, review window > 0.",
        );
      }
      const minAccuracy = f.minAccuracy.trim() ? Number(f.minAccuracy) : 0;
      if (!(minAccuracy >= 0 && minAccuracy <= 1))
        throw new Error("Minimum accuracy is a fraction in [0, 1].");
      const form: SpecForm = {
        taskType: f.domain.trim(),
        prompt: f.prompt,
        paymentBase: paymentWei,
        currency: asset === zeroAddress ? "ETH" : currencyCode(unit.symbol),
        decimals: unit.decimals,
        deadlineMs: (completeS - claimS) * 1000,
        minChars: optInt(f.minChars),
        maxChars: optInt(f.maxChars),
        requiredPatterns: lines(f.required),
        forbiddenPatterns: lines(f.forbidden),
        language: f.language.trim(),
        jsonSchema: f.jsonSchema,
        requiredSkills: f.skills
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
        karmaMin: minAccuracy > 0 ? { [`accuracy.${f.domain.trim()}`]: minAccuracy } : {},
      };
      const nonce = toHex(crypto.getRandomValues(new Uint8Array(8))).slice(2);
      const spec = buildSpec(form, Date.now(), nonce);
      const bad = await validateSpec(spec);
      if (bad.length) {
        setProblems(bad);
        return;
      }
      const bytes = specBytes(spec);
      const specId = contentId(bytes);
      const block = await publicClient.getBlock();
      const now = Number(block.timestamp);
      const [feeBps, arbitration, gasPrice] = await Promise.all([
        publicClient.readContract({
          address: config.deployments.taskMarket,
          abi: taskMarketAbi,
          functionName: "feeBps",
        }),
        publicClient.readContract({
          address: config.deployments.disputeCourt,
          abi: disputeCourtAbi,
          functionName: "arbitrationCost",
          args: ["0x"],
        }),
        publicClient.getGasPrice(),
      ]);
      const params: TaskParams = {
        requester: address,
        asset,
        payment: paymentWei,
        stakeBps,
        feeBps,
        claimDeadline: now + claimS,
        completionDeadline: now + completeS,
        reviewWindow: reviewS,
        maxDelegationDepth: 0,
        minAccuracy: parseEther(String(minAccuracy)),
        minCompletion: 0n,
        domain: domainToBytes32(f.domain.trim()),
        specHash: specId,
        parentTaskId: zeroHash,
        salt: BigInt(`0x${nonce}`) & ((1n << 96n) - 1n),
      };
      const stake = await publicClient.readContract({
        address: config.deployments.taskMarket,
        abi: taskMarketAbi,
        functionName: "stakeOf",
        args: [params],
      });
      let gas: bigint | null = null;
      let revert: Explained | null = null;
      const approval = allowance !== null && allowance < paymentWei ? paymentWei : null;
      if (tokenBalance !== null && tokenBalance < paymentWei) {
        revert = {
          kind: "funds",
          message: `Not enough ${unit.symbol}: this account holds ${formatUnits(tokenBalance, unit.decimals)}. Fund it, or lower the payment.`,
        };
      } else if (approval === null) {
        // postTask can be estimated (and would revert) only once the market may take the payment
        try {
          gas = await publicClient.estimateContractGas({
            address: market,
            abi: taskMarketAbi,
            functionName: "postTask",
            args: [params],
            value: asset === zeroAddress ? paymentWei : 0n,
            account: address,
          });
        } catch (e) {
          revert = explain(e);
        }
      }
      setPreview({
        params,
        spec: bytes,
        specId,
        stake,
        fee: (paymentWei * BigInt(feeBps)) / 10_000n,
        arbitration,
        gas,
        gasPrice,
        revert,
        unit,
        approval,
      });
    } catch (e) {
      setErr(e instanceof Error && !("shortMessage" in e) ? e.message : explain(e).message);
    } finally {
      setBusy(false);
    }
  }

  async function post() {
    if (!preview) return;
    setErr(null);
    setBusy(true);
    try {
      if (!config.blobsWritable) {
        throw new Error(
          "This server has no blob folder, so it cannot publish the spec (start `aos web` with --blob-dir).",
        );
      }
      const id = await putBlob(config.blobsPath, preview.spec);
      if (id !== preview.specId)
        throw new Error(`the server stored the spec as ${id}, not ${preview.specId}`);
      if (preview.approval !== null) {
        // ERC-20: the market takes the payment with transferFrom, so it is approved first
        const approved = await tx.send({
          address: preview.params.asset,
          abi: erc20Abi,
          functionName: "approve",
          args: [config.deployments.taskMarket, preview.approval],
        });
        if (!approved) return;
      }
      const receipt = await tx.send({
        address: config.deployments.taskMarket,
        abi: taskMarketAbi,
        functionName: "postTask",
        args: [preview.params],
        value: preview.params.asset === zeroAddress ? preview.params.payment : 0n,
      });
      if (!receipt) return;
      const [posted] = parseEventLogs({
        abi: taskMarketAbi,
        eventName: "TaskPosted",
        logs: receipt.logs,
      });
      if (posted) navigate(`/task/${posted.args.taskId}`);
    } catch (e) {
      setErr(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  const inUnit = (v: bigint) =>
    preview ? `${formatUnits(v, preview.unit.decimals)} ${preview.unit.symbol}` : "";

  return (
    <section>
      <h1>Post a task</h1>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void review();
        }}
      >
        <label>
          Domain (task type)
          <input required value={f.domain} onChange={set("domain")} />
        </label>
        <label>
          What should the worker do?
          <textarea required rows={4} value={f.prompt} onChange={set("prompt")} />
        </label>
        <label>
          Pay in (empty for ETH, or an ERC-20 token address)
          <input value={f.asset} onChange={set("asset")} placeholder="ETH" />
        </label>
        <label>
          Payment (in that asset, escrowed now)
          <input required inputMode="decimal" value={f.payment} onChange={set("payment")} />
        </label>
        <label>
          Worker stake (% of the payment)
          <input inputMode="decimal" value={f.stakePct} onChange={set("stakePct")} />
        </label>
        <fieldset>
          <legend>Deadlines (minutes from now)</legend>
          <label>
            Claim within
            <input inputMode="numeric" value={f.claimMin} onChange={set("claimMin")} />
          </label>
          <label>
            Done within
            <input inputMode="numeric" value={f.completeMin} onChange={set("completeMin")} />
          </label>
          <label>
            Review window
            <input inputMode="numeric" value={f.reviewMin} onChange={set("reviewMin")} />
          </label>
        </fieldset>
        <fieldset>
          <legend>Acceptance criteria (checked by requester, worker and jurors alike)</legend>
          <label>
            Minimum characters
            <input inputMode="numeric" value={f.minChars} onChange={set("minChars")} />
          </label>
          <label>
            Maximum characters
            <input inputMode="numeric" value={f.maxChars} onChange={set("maxChars")} />
          </label>
          <label>
            Must match (one regular expression per line)
            <textarea rows={2} value={f.required} onChange={set("required")} />
          </label>
          <label>
            Must not match (one per line)
            <textarea rows={2} value={f.forbidden} onChange={set("forbidden")} />
          </label>
          <label>
            Language (ISO 639-3, e.g. eng)
            <input value={f.language} onChange={set("language")} maxLength={3} />
          </label>
          <label>
            Output JSON Schema (optional)
            <textarea rows={3} value={f.jsonSchema} onChange={set("jsonSchema")} />
          </label>
        </fieldset>
        <fieldset>
          <legend>Who may take it</legend>
          <label>
            Required skills (comma-separated)
            <input value={f.skills} onChange={set("skills")} />
          </label>
          <label>
            Minimum accuracy karma in the domain (0–1)
            <input inputMode="decimal" value={f.minAccuracy} onChange={set("minAccuracy")} />
          </label>
        </fieldset>
        <button type="submit" disabled={busy}>
          Review costs
        </button>
      </form>
      {err && <Notice tone="error">{err}</Notice>}
      {problems.length > 0 && (
        <Notice tone="error">
          The spec is not valid:
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </Notice>
      )}
      {preview && (
        <div className="preview" aria-label="Cost preview">
          <h2>Before you sign</h2>
          <dl>
            <dt>Payment escrowed</dt>
            <dd data-testid="cost-payment">{inUnit(preview.params.payment)}</dd>
            <dt>Stake asked of the worker</dt>
            <dd>{inUnit(preview.stake)}</dd>
            <dt>Protocol fee (from the payment)</dt>
            <dd>
              {inUnit(preview.fee)} ({preview.params.feeBps / 100} %)
            </dd>
            <dt>If you reject the result: arbitration</dt>
            <dd>{formatEther(preview.arbitration)} ETH</dd>
            <dt>Gas</dt>
            <dd>
              {preview.gas === null
                ? preview.approval !== null
                  ? "two transactions: the approval, then the post (estimated once approved)"
                  : "—"
                : `${preview.gas.toLocaleString()} gas at ${Number(formatGwei(preview.gasPrice)).toPrecision(3)} gwei ≈ ${Number(formatEther(preview.gas * preview.gasPrice)).toPrecision(3)} ETH`}
            </dd>
            <dt>Spec blob</dt>
            <dd className="mono" data-testid="spec-id">
              {preview.specId} ({preview.spec.length} bytes)
            </dd>
          </dl>
          {preview.revert && <ErrorNotice error={preview.revert} />}
          <button
            type="button"
            disabled={busy || preview.revert !== null}
            onClick={() => void post()}
          >
            {preview.approval !== null
              ? `Approve ${inUnit(preview.approval)}, publish the spec and post`
              : `Publish the spec and post (${inUnit(preview.params.payment)})`}
          </button>
        </div>
      )}
      <TxStatus state={tx.state} />
    </section>
  );
}
