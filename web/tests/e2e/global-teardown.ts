// Stops what global-setup started: `aos web` by its pid, the devnet with `aos devnet down`.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { STATE_FILE, state } from "./devnet";

export default async function globalTeardown() {
  if (!existsSync(STATE_FILE)) return;
  const s = state();
  if (s.webPid === 0) return; // AOS_E2E_DIR / AOS_E2E_URL: not ours to stop
  try {
    process.kill(s.webPid, "SIGTERM");
  } catch {
    /* already gone */
  }
  if (process.env.AOS_E2E_KEEP) {
    console.log(`e2e: AOS_E2E_KEEP set: the devnet in ${s.dir} keeps running`);
    return;
  }
  spawnSync("aos", ["devnet", "down", "--dir", s.dir], { stdio: "inherit" });
}
