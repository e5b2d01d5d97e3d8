// Jury: join or leave the court with a stake, see seats and their deadlines, read the
// evidence, commit and reveal. The salt is made in the browser, kept in localStorage and
// offered as a file to download before the commit is sent; the commitment is
// keccak256(abi.encode(choice, salt, juror, disputeId, round)) (lib/court.ts).
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { type Abi, type Address, formatEther, parseEther, zeroAddress } from "viem";
import { useAccount, usePublicClient } from "wagmi";
import { Link } from "wouter";
import { disputeCourtAbi } from "../gen/abi";
import { useServices } from "../lib/context";
import {
  commitmentOf,
  loadVote,
  newSalt,
  parseVoteFile,
  saveVote,
  type SavedVote,
} from "../lib/court";
import { explain } from "../lib/errors";
import { relative, when } from "../lib/format";
import type { Dispute, Vote } from "../lib/indexer";
import { useNow, usePolled } from "../lib/poll";
import { Gated } from "../ui/Gated";
import { Notice } from "../ui/Notice";

/** Solved disputes whose seats the page still shows (to settle them, to see the rewards). */
const RECENT_SOLVED = 10;

const CHOICES = [
  { v: "1", label: "Requester wins (the result fails its spec)" },
  { v: "2", label: "Worker wins (the result meets its spec)" },
  { v: "0", label: "Refuse to rule" },
];

function Seat({ d, seat, now }: { d: Dispute; seat: Vote; now: number }) {
  const { config } = useServices();
  const { address } = useAccount();
  const court = config.deployments.disputeCourt;
  const key = {
    chainId: config.chainId,
    court,
    disputeId: d.disputeId,
    round: String(seat.round),
    juror: address as Address,
  };
  const [saved, setSaved] = useState<SavedVote | null>(() => loadVote(key));
  const [choice, setChoice] = useState("2");
  const [downloaded, setDownloaded] = useState(false);
  const [fileError, setFileError] = useState<string | null>(null);

  // A notice for each phase change of this seat (remembered per seat in localStorage).
  const seenKey = `aos.seen.${config.chainId}.${d.disputeId}.${seat.round}`;
  // The phase, not the seat's state: a person's own commit or reveal is no news to them.
  const current = d.phase;
  const [seen, setSeen] = useState(() => localStorage.getItem(seenKey) ?? current);
  useEffect(() => localStorage.setItem(seenKey, current), [seenKey, current]);
  const changed =
    seen !== current
      ? `Dispute #${d.disputeId} moved from the ${seen} phase to ${current} since you last looked.`
      : null;

  function prepare() {
    const salt = newSalt();
    const v: SavedVote = {
      ...key,
      choice,
      salt,
      commitment: commitmentOf(
        BigInt(choice),
        salt,
        address as Address,
        BigInt(d.disputeId),
        BigInt(seat.round),
      ),
    };
    saveVote(v);
    setSaved(v);
    setDownloaded(false);
  }
  const fileHref = saved
    ? URL.createObjectURL(new Blob([JSON.stringify(saved, null, 1)], { type: "application/json" }))
    : undefined;

  return (
    <li className="card" data-testid={`seat-${d.disputeId}`}>
      <h3>
        Dispute #{d.disputeId} · round {seat.round}
      </h3>
      {changed && (
        <Notice tone="info" testId="phase-change">
          {changed}{" "}
          <button type="button" className="secondary" onClick={() => setSeen(current)}>
            Got it
          </button>
        </Notice>
      )}
      <dl>
        <dt>Phase</dt>
        <dd>{d.phase}</dd>
        <dt>Deadline</dt>
        <dd>
          {when(d.deadline)} ({relative(d.deadline, now)})
        </dd>
        <dt>Your seat</dt>
        <dd>{seat.state}</dd>
        {d.taskId && (
          <>
            <dt>Evidence</dt>
            <dd>
              <Link href={`/task/${d.taskId}`}>the task, its result, verdicts and evidence</Link>
            </dd>
          </>
        )}
      </dl>
      {d.phase === "Commit" && seat.state === "Drawn" && (
        <div>
          <fieldset>
            <legend>Your vote</legend>
            {CHOICES.map((c) => (
              <label key={c.v} className="radio">
                <input
                  type="radio"
                  name={`choice-${d.disputeId}`}
                  value={c.v}
                  checked={choice === c.v}
                  onChange={() => {
                    setChoice(c.v);
                    setSaved(null);
                  }}
                />
                {c.label}
              </label>
            ))}
          </fieldset>
          {!saved || saved.choice !== choice ? (
            <button type="button" onClick={prepare}>
              Make the salt
            </button>
          ) : (
            <>
              <p className="small">
                Keep this file: revealing needs the salt. It is also kept in this browser.
              </p>
              <a
                className="button"
                href={fileHref}
                download={`aos-vote-${d.disputeId}-${seat.round}.json`}
                onClick={() => setDownloaded(true)}
              >
                Download the salt file
              </a>
              <Gated
                label="Commit the vote"
                disabled={!downloaded}
                deps={[d.phase, seat.state, saved.commitment]}
                call={{
                  address: court,
                  abi: disputeCourtAbi as Abi,
                  functionName: "commit",
                  args: [BigInt(d.disputeId), saved.commitment],
                }}
              />
              {!downloaded && <p className="small muted">Download the salt file first.</p>}
            </>
          )}
        </div>
      )}
      {d.phase === "Reveal" && seat.state === "Committed" && (
        <div>
          {saved ? (
            <Gated
              label={`Reveal: ${CHOICES.find((c) => c.v === saved.choice)?.label ?? saved.choice}`}
              deps={[d.phase, seat.state]}
              call={{
                address: court,
                abi: disputeCourtAbi as Abi,
                functionName: "reveal",
                args: [BigInt(d.disputeId), BigInt(saved.choice), saved.salt],
              }}
            />
          ) : (
            <label>
              This browser has no salt for this seat: load the salt file
              <input
                type="file"
                accept="application/json"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  if (!f) return;
                  void f.text().then((t) => {
                    try {
                      const v = parseVoteFile(t);
                      saveVote({ ...v, chainId: config.chainId, court });
                      setSaved(v);
                      setFileError(null);
                    } catch (err) {
                      setFileError((err as Error).message);
                    }
                  });
                }}
              />
            </label>
          )}
          {fileError && <Notice tone="error">{fileError}</Notice>}
        </div>
      )}
      {d.solved && seat.state !== "Settled" && (
        <Gated
          label="Settle this seat"
          deps={[d.phase, seat.state]}
          call={{
            address: court,
            abi: disputeCourtAbi as Abi,
            functionName: "settle",
            args: [BigInt(d.disputeId), BigInt(seat.round), address as Address],
          }}
        />
      )}
      {seat.verdict && (
        <p>
          Settled: {seat.verdict}
          {seat.feeReward ? `, fee reward ${formatEther(BigInt(seat.feeReward))} ETH` : ""}
          {seat.stakeReward ? `, stake reward ${formatEther(BigInt(seat.stakeReward))} ETH` : ""}
        </p>
      )}
    </li>
  );
}

export default function Jury() {
  const { config, indexer } = useServices();
  const { address } = useAccount();
  const publicClient = usePublicClient();
  const court = config.deployments.disputeCourt;
  const [stake, setStake] = useState("1");
  const juror = usePolled(
    ["juror", address],
    () =>
      publicClient!.readContract({
        address: court,
        abi: disputeCourtAbi,
        functionName: "jurorOf",
        args: [address!],
      }),
    4_000,
    !!address && !!publicClient,
  );
  const balance = usePolled(
    ["court-balance", address],
    () =>
      publicClient!.readContract({
        address: court,
        abi: disputeCourtAbi,
        functionName: "balanceOf",
        args: [address!, zeroAddress],
      }),
    4_000,
    !!address && !!publicClient,
  );
  const stakeToken = useQuery({
    queryKey: ["court-stake-token"],
    enabled: !!publicClient,
    queryFn: () =>
      publicClient!.readContract({
        address: court,
        abi: disputeCourtAbi,
        functionName: "stakeToken",
      }),
  });
  const ethStake = stakeToken.data === zeroAddress;
  const courtParams = useQuery({
    queryKey: ["court-params"],
    enabled: !!publicClient,
    queryFn: () =>
      publicClient!.readContract({ address: court, abi: disputeCourtAbi, functionName: "params" }),
  });
  const seats = usePolled(
    ["seats", address],
    async () => {
      // The indexer lists disputes by id, not by juror: look at the open ones and the
      // most recent solved ones (a seat there may still wait to be settled).
      const list = await indexer.disputes({ limit: 1000 });
      const open = list.disputes.filter((d) => !d.delivered);
      const recent = list.disputes.filter((d) => d.delivered).slice(-RECENT_SOLVED);
      const details = await Promise.all(
        [...open, ...recent].map((d) => indexer.dispute(d.disputeId)),
      );
      const me = address!.toLowerCase();
      return details.flatMap((d) =>
        d.votes
          .filter((v) => v.juror.toLowerCase() === me && v.round === d.round)
          .map((v) => ({ d, v })),
      );
    },
    3_000,
    !!address,
  );
  const now = useNow();
  let stakeWei: bigint | null;
  try {
    stakeWei = parseEther(stake);
  } catch {
    stakeWei = null;
  }
  return (
    <section>
      <h1>Jury</h1>
      {!address && <p>Connect a wallet to sit on juries.</p>}
      {address && juror.data && (
        <dl className="facts">
          <dt>Your stake</dt>
          <dd>{formatEther(juror.data.stake)} ETH</dd>
          <dt>Locked in seats</dt>
          <dd>{formatEther(juror.data.locked)} ETH</dd>
          <dt>In the pool</dt>
          <dd>{juror.data.listed ? "yes" : "no"}</dd>
          {juror.data.leaveRequestedAt > 0 && (
            <>
              <dt>Leave requested</dt>
              <dd>{when(juror.data.leaveRequestedAt)}</dd>
            </>
          )}
          {courtParams.data && (
            <>
              <dt>Minimum stake per seat</dt>
              <dd>{formatEther(courtParams.data.minStake)} ETH</dd>
            </>
          )}
          <dt>Court balance (rewards, refunds)</dt>
          <dd>{balance.data !== undefined ? `${formatEther(balance.data)} ETH` : "…"}</dd>
        </dl>
      )}
      {address && (
        <div className="actions">
          <label>
            Stake to add (ETH)
            <input value={stake} inputMode="decimal" onChange={(e) => setStake(e.target.value)} />
          </label>
          {stakeToken.data !== undefined && !ethStake && (
            <p className="small muted">
              This court takes its stake in the ERC-20 {stakeToken.data}: staking from this page
              (which needs an approval first) is not offered yet; use `aos juror join`.
            </p>
          )}
          {stakeWei !== null && ethStake && (
            <Gated
              label={`Join / add ${stake} ETH`}
              deps={[stake, juror.data?.stake]}
              call={{
                address: court,
                abi: disputeCourtAbi as Abi,
                functionName: "join",
                args: [stakeWei],
                value: stakeWei,
              }}
            />
          )}
          <Gated
            label="Request to leave"
            deps={[juror.data?.leaveRequestedAt]}
            call={{
              address: court,
              abi: disputeCourtAbi as Abi,
              functionName: "requestLeave",
              args: [],
            }}
          />
          <Gated
            label="Leave (take free stake out)"
            deps={[juror.data?.leaveRequestedAt, juror.data?.stake]}
            call={{
              address: court,
              abi: disputeCourtAbi as Abi,
              functionName: "executeLeave",
              args: [],
            }}
          />
          <Gated
            label="Withdraw court balance"
            deps={[balance.data]}
            call={{
              address: court,
              abi: disputeCourtAbi as Abi,
              functionName: "withdraw",
              args: [zeroAddress, address],
            }}
          />
        </div>
      )}
      <h2>Your seats</h2>
      {seats.error && <Notice tone="error">{explain(seats.error).message}</Notice>}
      {seats.data && seats.data.length === 0 && (
        <p>No seats: you have not been drawn in an open dispute.</p>
      )}
      <ul className="cards">
        {seats.data?.map(({ d, v }) => (
          <Seat key={`${d.disputeId}-${v.round}`} d={d} seat={v} now={now} />
        ))}
      </ul>
    </section>
  );
}
