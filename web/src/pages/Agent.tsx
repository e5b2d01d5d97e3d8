// Agent: any address's karma vector (per-domain accuracy and completion, decayed to now,
// and how it decays from here — the indexer decays to any `at`), earnings per asset, task
// history; withdraw for the connected account.
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { type Abi, type Address, formatEther, isAddress, zeroAddress } from "viem";
import { useAccount, usePublicClient } from "wagmi";
import { Link, useLocation } from "wouter";
import { taskMarketAbi } from "../gen/abi";
import { useServices } from "../lib/context";
import { explain } from "../lib/errors";
import { IndexerError } from "../lib/indexer";
import { amount, short } from "../lib/format";
import { usePolled } from "../lib/poll";
import uPlot from "uplot";
import { Amount } from "../ui/Amount";
import { Chart } from "../ui/Chart";
import { Gated } from "../ui/Gated";
import { Notice } from "../ui/Notice";

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];

export default function AgentPage({ address: param }: { address?: string }) {
  const { config, indexer } = useServices();
  const { address: me } = useAccount();
  const publicClient = usePublicClient();
  const [, navigate] = useLocation();
  const who = param ?? me;
  const [input, setInput] = useState(param ?? "");
  const agent = usePolled(
    ["agent", who],
    () => indexer.agent(who!),
    5_000,
    !!who && isAddress(who),
  );
  const a = agent.data;

  // Decay projection: the same record decayed to now + k·halfLife/2, k = 0..8.
  const projection = useQuery({
    queryKey: ["decay", who, a?.decayedTo, a?.karma.length],
    enabled: !!a && a.karma.length > 0,
    queryFn: async () => {
      const step = Math.max(1, Math.floor(a!.halfLifeSeconds / 2));
      const ts = Array.from({ length: 9 }, (_, k) => a!.decayedTo + k * step);
      const rows = await Promise.all(ts.map((at) => indexer.agentAt(who!, at)));
      return { ts, rows };
    },
  });

  const bars = useMemo(() => {
    if (!a || a.karma.length === 0) return null;
    const xs = a.karma.map((_, i) => i + 1);
    return {
      data: [
        xs,
        a.karma.map((k) => k.accuracyDecayed),
        a.karma.map((k) => k.completionDecayed),
      ] as [number[], number[], number[]],
      options: {
        title: "Karma now, per domain (1.0 = perfect)",
        scales: {
          x: { time: false, range: [0.5, a.karma.length + 0.5] as [number, number] },
          y: { range: [0, 1] as [number, number] },
        },
        axes: [
          {
            values: (_u: unknown, splits: number[]) =>
              splits.map((s) => (Number.isInteger(s) ? (a.karma[s - 1]?.domainName ?? "") : "")),
          },
          {},
        ],
        series: [
          {},
          {
            label: "accuracy",
            stroke: COLORS[0],
            fill: `${COLORS[0]}aa`,
            paths: uPlot.paths.bars!({ size: [0.35, 48], align: -1 }),
            points: { show: false },
          },
          {
            label: "completion",
            stroke: COLORS[1],
            fill: `${COLORS[1]}aa`,
            paths: uPlot.paths.bars!({ size: [0.35, 48], align: 1 }),
            points: { show: false },
          },
        ],
      },
    };
  }, [a]);

  const decay = useMemo(() => {
    if (!a || !projection.data) return null;
    const { ts, rows } = projection.data;
    const days = ts.map((t) => (t - ts[0]!) / 86_400);
    const series = a.karma.map((k) =>
      rows.map((r) => r.karma.find((x) => x.domain === k.domain)?.accuracyDecayed ?? 0),
    );
    return {
      data: [days, ...series] as [number[], ...number[][]],
      options: {
        title: "Accuracy decaying without new work (days from now)",
        scales: { x: { time: false }, y: { range: [0, 1] as [number, number] } },
        series: [
          { label: "days" },
          ...a.karma.map((k, i) => ({
            label: k.domainName || short(k.domain),
            stroke: COLORS[i % COLORS.length],
            width: 2,
          })),
        ],
      },
    };
  }, [a, projection.data]);

  const balance = usePolled(
    ["market-balance", me],
    () =>
      publicClient!.readContract({
        address: config.deployments.taskMarket,
        abi: taskMarketAbi,
        functionName: "balanceOf",
        args: [me!, zeroAddress],
      }),
    3_000,
    !!me && !!publicClient,
  );
  const worked = usePolled(
    ["worked", who],
    () => indexer.tasks({ worker: who!, status: "any", limit: 50 }),
    5_000,
    !!who && isAddress(who),
  );
  const posted = usePolled(
    ["posted", who],
    () => indexer.tasks({ requester: who!, status: "any", limit: 50 }),
    5_000,
    !!who && isAddress(who),
  );
  const mine = !!me && !!who && me.toLowerCase() === who.toLowerCase();

  return (
    <section>
      <h1>Agent</h1>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          if (isAddress(input.trim())) navigate(`/agent/${input.trim()}`);
        }}
      >
        <label>
          Address
          <input value={input} onChange={(e) => setInput(e.target.value)} placeholder="0x…" />
        </label>
        <button type="submit" disabled={!isAddress(input.trim())}>
          Show
        </button>
      </form>
      {!who && <p>Connect a wallet or enter an address.</p>}
      {who && !isAddress(who) && (
        <Notice tone="error">{who} is not an address (0x + 40 hex digits).</Notice>
      )}
      {agent.error &&
        (agent.error instanceof IndexerError && agent.error.status === 404 ? (
          <p data-testid="no-record">
            No registration, karma or juror stake on record for this address yet.
          </p>
        ) : (
          <Notice tone="error">{explain(agent.error).message}</Notice>
        ))}
      {a && (
        <>
          <p className="mono small">{a.account}</p>
          <p>{a.registered ? "Registered agent." : "Not a registered agent."}</p>
          {bars && <Chart label="Karma per domain" options={bars.options} data={bars.data} />}
          {decay && (
            <Chart label="Karma decay projection" options={decay.options} data={decay.data} />
          )}
          <table>
            <caption>Karma vector</caption>
            <thead>
              <tr>
                <th scope="col">Domain</th>
                <th scope="col">Accuracy</th>
                <th scope="col">Completion</th>
                <th scope="col">Tasks</th>
                <th scope="col">Disputes won/lost</th>
              </tr>
            </thead>
            <tbody>
              {a.karma.map((k) => (
                <tr key={k.domain}>
                  <td>{k.domainName || short(k.domain)}</td>
                  <td>{k.accuracyDecayed.toFixed(3)}</td>
                  <td>{k.completionDecayed.toFixed(3)}</td>
                  <td>{k.tasks}</td>
                  <td>
                    {k.disputesWon}/{k.disputesLost}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Earnings</h2>
          <ul>
            {a.earnings.length === 0 && <li>None yet.</li>}
            {a.earnings.map((e) => (
              <li key={e.asset}>{amount(e.total, e.asset)}</li>
            ))}
          </ul>
        </>
      )}
      {mine && (
        <>
          <h2>Withdraw</h2>
          <p data-testid="market-balance">
            The market owes this account{" "}
            {balance.data !== undefined ? `${formatEther(balance.data)} ETH` : "…"}.
          </p>
          <Gated
            label="Withdraw ETH"
            deps={[balance.data]}
            call={{
              address: config.deployments.taskMarket,
              abi: taskMarketAbi as Abi,
              functionName: "withdraw",
              args: [zeroAddress, me as Address],
            }}
          />
        </>
      )}
      {who && isAddress(who) && (
        <>
          <h2>Task history</h2>
          <ul>
            {[
              ...(worked.data?.tasks ?? []).map((t) => ({ t, role: "worked" })),
              ...(posted.data?.tasks ?? []).map((t) => ({ t, role: "posted" })),
            ].map(({ t, role }) => (
              <li key={`${role}-${t.taskId}`}>
                <Link href={`/task/${t.taskId}`}>
                  {role}: {t.domainName} · <Amount value={t.payment} asset={t.asset} /> · {t.status}
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
