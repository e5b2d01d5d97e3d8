// Errors a person can act on. viem's error classes are walked to the cause (a wallet's
// refusal, a wrong chain, missing funds, a revert decoded against the contracts' ABIs) and
// each is said with what to do next.
import {
  BaseError,
  ChainMismatchError,
  ContractFunctionRevertedError,
  InsufficientFundsError,
  UserRejectedRequestError,
  formatEther,
} from "viem";
import { IndexerError } from "./indexer";

/** What went wrong and what to do, for a notice. */
export interface Explained {
  kind: "rejected" | "wrong-chain" | "funds" | "revert" | "indexer-down" | "indexer" | "other";
  message: string;
}

const fmt = (v: unknown): string =>
  typeof v === "bigint" ? v.toString() : typeof v === "string" ? v : JSON.stringify(v);

/** A contract's custom error, said plainly (names from contracts/src/interfaces). */
export function revertText(name: string, args: readonly unknown[]): string {
  const a = args.map(fmt);
  switch (name) {
    case "TaskMarketWrongStatus":
      return `the task is not in a state that allows this (status ${a[1]}); reload the task`;
    case "TaskMarketDeadlinePassed":
      return `the deadline passed (${new Date(Number(a[1]) * 1000).toLocaleString()})`;
    case "TaskMarketDeadlineNotPassed":
      return `not yet: this is allowed after ${new Date(Number(a[1]) * 1000).toLocaleString()}`;
    case "TaskMarketUnauthorized":
      return `this account (${a[0]}) is not the task's ${a[1]}: connect that account`;
    case "TaskMarketWrongValue":
      return `the ETH sent (${formatEther(BigInt(a[1] ?? 0))}) is not the ${formatEther(BigInt(a[0] ?? 0))} ETH required`;
    case "TaskMarketNothingToWithdraw":
      return "nothing to withdraw for this account in this asset";
    case "TaskMarketFeeMismatch":
      return `the market's fee changed to ${a[0]} bps: reload and post again`;
    case "TaskMarketTaskExists":
      return "a task with exactly these terms exists already: change the salt (post again)";
    case "TaskMarketBadParams":
      return `the terms are invalid: ${a[0]}`;
    case "TaskMarketEmptyEvidence":
      return "a rejection needs evidence (a verdict blob)";
    case "TaskMarketNotRegistered":
      return `${a[0]} is not a registered agent`;
    case "DisputeCourtWrongPhase":
      return `the dispute is in another phase now (${a[1]}); reload`;
    case "DisputeCourtWrongSeat":
      return `your seat is not in the right state for this (state ${a[3]})`;
    case "DisputeCourtBadReveal":
      return "the choice and salt do not match your commitment: use the salt file saved when you committed";
    case "DisputeCourtDeadlinePassed":
      return "the phase's deadline passed; anyone may advance the dispute";
    case "DisputeCourtDeadlineNotPassed":
      return `not yet: allowed after ${new Date(Number(a[1]) * 1000).toLocaleString()}`;
    case "DisputeCourtLeaveNotReady":
      return a[1] === "0"
        ? "request to leave first; the stake comes out after the court's leave delay"
        : `leaving completes after ${new Date(Number(a[1]) * 1000).toLocaleString()}`;
    case "DisputeCourtNotRegistered":
      return "jurors must be registered agents (`aos worker register`)";
    case "DisputeCourtBadStake":
      return `the stake ${a[0]} is below the court's minimum`;
    case "DisputeCourtNothingFree":
      return "no free stake to leave with (some is locked in seats)";
    case "DisputeCourtNothingToWithdraw":
      return "nothing to withdraw from the court";
    default:
      return `${name}(${a.join(", ")})`;
  }
}

/** Explains `e` for a person (see the module docs). */
export function explain(e: unknown): Explained {
  if (e instanceof IndexerError) {
    return e.down
      ? {
          kind: "indexer-down",
          message:
            "The indexer is not answering, so the market cannot be listed. Check that aos-indexer runs (`aos devnet status`, then `aos devnet restart indexer`); this page retries on its own.",
        }
      : { kind: "indexer", message: e.message };
  }
  if (e instanceof BaseError) {
    if (e.walk((x) => x instanceof UserRejectedRequestError)) {
      return {
        kind: "rejected",
        message:
          "You declined the request in your wallet. Nothing was sent; press the button again when you want to sign.",
      };
    }
    if (e.walk((x) => x instanceof ChainMismatchError)) {
      return {
        kind: "wrong-chain",
        message: "Your wallet is on another network: switch to the AOS chain and try again.",
      };
    }
    if (e.walk((x) => x instanceof InsufficientFundsError)) {
      return {
        kind: "funds",
        message:
          "Not enough ETH in this account for the value plus gas. Fund it, or lower the payment.",
      };
    }
    const r = e.walk((x) => x instanceof ContractFunctionRevertedError);
    if (r instanceof ContractFunctionRevertedError) {
      const name = r.data?.errorName;
      return {
        kind: "revert",
        message: name
          ? `The contract would refuse: ${revertText(name, r.data?.args ?? [])}.`
          : `The contract would refuse: ${r.reason ?? r.shortMessage}.`,
      };
    }
    return { kind: "other", message: e.shortMessage };
  }
  return { kind: "other", message: e instanceof Error ? e.message : String(e) };
}
