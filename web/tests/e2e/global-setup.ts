// Starts a real devnet (`aos devnet up`: anvil, contracts, indexer, blob gateway, one worker
// running the local model) and `aos web` over it. Needs the workspace's binaries (aos,
// aos-worker, aos-indexer on PATH: `source script/env.sh` after `cargo build --workspace
// --bins`) and the model (script/fetch-model.sh). script/test.sh's web step does both.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARTEFACTS, STATE_FILE, type E2EState } from "./devnet";

function need(bin: string) {
  const r = spawnSync("sh", ["-c", `command -v ${bin}`]);
  if (r.status !== 0) {
    throw new Error(
      `${bin} is not on PATH: build the workspace (cargo build --workspace --bins) and source script/env.sh`,
    );
  }
}

export default async function globalSetup() {
  for (const b of ["aos", "aos-worker", "aos-indexer", "anvil"]) need(b);
  mkdirSync(ARTEFACTS, { recursive: true });
  // An already running devnet and `aos web` (while working on the tests): not stopped after.
  if (process.env.AOS_E2E_DIR && process.env.AOS_E2E_URL) {
    const s: E2EState = {
      url: process.env.AOS_E2E_URL,
      dir: process.env.AOS_E2E_DIR,
      webPid: 0,
      devnetUpS: 0,
    };
    writeFileSync(STATE_FILE, JSON.stringify(s, null, 1));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "aos-web-e2e-"));
  const t0 = Date.now();
  const up = spawnSync(
    "aos",
    [
      "devnet",
      "up",
      "--dir",
      dir,
      "--port",
      "0",
      "--workers",
      "2",
      "--defectors",
      "0",
      "--jurors",
      "3",
      // the jurors vote from the page in these tests, not through their agents
      "--no-juror-agents",
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 240_000 },
  );
  if (up.status !== 0) {
    throw new Error(`aos devnet up failed (${up.status}):\n${up.stdout}\n${up.stderr}`);
  }
  const devnetUpS = (Date.now() - t0) / 1000;
  const log = openSync(join(ARTEFACTS, "aos-web.log"), "w");
  const web = spawn(
    "aos",
    ["--json", "--config", join(dir, "config.toml"), "web", "--dir", dir, "--bind", "127.0.0.1:0"],
    { stdio: ["ignore", "pipe", log], detached: false },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`aos web did not start: ${out}`)), 30_000);
    web.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /"url":\s*"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    web.on("exit", (code) =>
      reject(new Error(`aos web exited (${code}); see artefacts/aos-web.log`)),
    );
  });
  web.unref();
  const s: E2EState = { url, dir, webPid: web.pid!, devnetUpS };
  writeFileSync(STATE_FILE, JSON.stringify(s, null, 1));
  console.log(`e2e: devnet up in ${devnetUpS.toFixed(1)} s (${dir}); aos web on ${url}`);
}
