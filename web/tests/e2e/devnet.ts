// What global-setup started, shared with the tests through a file in the artefact folder.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const ARTEFACTS = join(import.meta.dirname, "../../artefacts");
export const STATE_FILE = join(ARTEFACTS, "e2e-state.json");

export interface Account {
  role: string;
  index: number;
  address: `0x${string}`;
  private_key: `0x${string}`;
}

/** The parts of `<dir>/devnet.json` the tests read (cli/src/devnet_file.rs). */
export interface DevnetFile {
  rpc_url: string;
  chain_id: number;
  indexer_url: string | null;
  deployments: { taskMarket: `0x${string}`; disputeCourt: `0x${string}` };
  accounts: Account[];
  services: { name: string; pid: number; service?: string }[];
}

export interface E2EState {
  /** The `aos web` origin. */
  url: string;
  /** The devnet folder. */
  dir: string;
  /** `aos web`'s pid (stopped by global-teardown). */
  webPid: number;
  /** Seconds the devnet took to come up. */
  devnetUpS: number;
}

export function state(): E2EState {
  return JSON.parse(readFileSync(STATE_FILE, "utf8")) as E2EState;
}

export function devnet(): DevnetFile {
  return JSON.parse(readFileSync(join(state().dir, "devnet.json"), "utf8")) as DevnetFile;
}

export function account(role: string): Account {
  const a = devnet().accounts.find((x) => x.role === role);
  if (!a) throw new Error(`the devnet has no ${role} account`);
  return a;
}
