// `aos` commands the tests run against the devnet (moving a dispute along, the clock).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { account, state } from "./devnet";

/** Runs `aos --config <devnet>/config.toml <args>` as a spare account; throws on failure. */
export function aos(...args: string[]): string {
  const s = state();
  const r = spawnSync(
    "aos",
    [
      "--config",
      join(s.dir, "config.toml"),
      "--private-key",
      account("spare").private_key,
      ...args,
    ],
    { encoding: "utf8", timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`aos ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** `aos devnet warp`: the chain's clock forward by `span` (e.g. `3m`), one block mined. */
export function warp(span: string) {
  aos("devnet", "warp", span);
}
