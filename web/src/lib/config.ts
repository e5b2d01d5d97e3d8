// What `aos web` tells the page about the deployment it serves (GET /config.json, written
// by cli/src/cmd/web.rs `WebConfig`). Read once at start; every other module takes it as an
// argument so tests can hand in their own.
import { type Address, type Chain, defineChain, isAddress } from "viem";

/** The contracts of one deployment (the deployments JSON of script/Deploy.s.sol). */
export interface Deployments {
  chainId: number;
  startBlock: number;
  deployer: Address;
  owner: Address;
  agentRegistry: Address;
  karmaRegistry: Address;
  randomness: Address;
  disputeCourt: Address;
  taskMarket: Address;
}

/** `GET /config.json`. Paths are on the page's own origin. */
export interface AppConfig {
  /** EIP-155 chain id of the deployment. */
  chainId: number;
  /** The chain's own JSON-RPC URL (offered to the wallet by `wallet_addEthereumChain`). */
  chainRpcUrl: string;
  /** Same-origin JSON-RPC proxy the page reads through (`/rpc`). */
  rpcPath: string;
  /** Same-origin prefix of the indexer API (`/api/indexer`). */
  indexerPath: string;
  /** Same-origin blob route: `GET <blobsPath>/<0x id>`, `PUT <blobsPath>/<0x id>`. */
  blobsPath: string;
  /** Same-origin verdict route: `POST <verdictsPath>/<task id>` evaluates a submission. */
  verdictsPath: string;
  /** Whether the server can store blobs (it has a blob folder). */
  blobsWritable: boolean;
  deployments: Deployments;
}

function field<T>(o: Record<string, unknown>, k: string, ok: (v: unknown) => v is T): T {
  const v = o[k];
  if (!ok(v)) throw new Error(`config.json: "${k}" is missing or malformed`);
  return v;
}
const isStr = (v: unknown): v is string => typeof v === "string";
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);
const isBool = (v: unknown): v is boolean => typeof v === "boolean";
const isAddr = (v: unknown): v is Address => typeof v === "string" && isAddress(v);
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Checks the shape of a parsed config.json (data from outside: no `any`). */
export function parseConfig(raw: unknown): AppConfig {
  if (!isObj(raw)) throw new Error("config.json is not a JSON object");
  const d = field(raw, "deployments", isObj);
  const deployments: Deployments = {
    chainId: field(d, "chainId", isNum),
    startBlock: field(d, "startBlock", isNum),
    deployer: field(d, "deployer", isAddr),
    owner: field(d, "owner", isAddr),
    agentRegistry: field(d, "agentRegistry", isAddr),
    karmaRegistry: field(d, "karmaRegistry", isAddr),
    randomness: field(d, "randomness", isAddr),
    disputeCourt: field(d, "disputeCourt", isAddr),
    taskMarket: field(d, "taskMarket", isAddr),
  };
  return {
    chainId: field(raw, "chainId", isNum),
    chainRpcUrl: field(raw, "chainRpcUrl", isStr),
    rpcPath: field(raw, "rpcPath", isStr),
    indexerPath: field(raw, "indexerPath", isStr),
    blobsPath: field(raw, "blobsPath", isStr),
    verdictsPath: field(raw, "verdictsPath", isStr),
    blobsWritable: field(raw, "blobsWritable", isBool),
    deployments,
  };
}

/** Fetches and checks `/config.json`. */
export async function loadConfig(): Promise<AppConfig> {
  const r = await fetch("/config.json", { cache: "no-store" });
  if (!r.ok)
    throw new Error(`GET /config.json answered ${r.status}: is this page served by \`aos web\`?`);
  return parseConfig(await r.json());
}

/** The viem chain the deployment lives on; reads go through the same-origin proxy. */
export function chainOf(c: AppConfig): Chain {
  const rpc = new URL(c.rpcPath, window.location.origin).toString();
  return defineChain({
    id: c.chainId,
    name: c.chainId === 31337 ? "AOS devnet (anvil)" : `AOS chain ${c.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpc] } },
  });
}
