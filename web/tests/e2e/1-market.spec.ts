// The first flow of issue 17, in a real browser against a real devnet: connect, post an ETH
// task from the page, a Rust worker (aos-worker with the local model) claims and submits, the
// page shows the result and the verdict, the requester accepts, the worker's balance rises.
// Also measured: the first page's bundle (gzipped) and its first contentful paint.
import { expect, test } from "./fixtures";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  type Abi,
  type Hex,
  createPublicClient,
  createWalletClient,
  erc20Abi,
  formatEther,
  http,
  parseUnits,
  zeroAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { taskMarketAbi } from "../../src/gen/abi";
import { accessible, screenshot } from "./checks";
import { connect } from "./connect";
import { account, devnet, state } from "./devnet";
import { devnetChain, installWallet } from "./wallet";

const BUNDLE_BUDGET_BYTES = 250 * 1024;
const FCP_BUDGET_MS = 1000;

test("first page: bundle size and first contentful paint", async ({ page, browser }) => {
  const bodies: { url: string; bytes: number; gzip: number }[] = [];
  page.on("response", async (r) => {
    const t = r.request().resourceType();
    if (["document", "script", "stylesheet"].includes(t) && r.ok()) {
      const b = await r.body().catch(() => null);
      if (b) bodies.push({ url: r.url(), bytes: b.length, gzip: gzipSync(b, { level: 9 }).length });
    }
  });
  await page.goto(state().url, { waitUntil: "networkidle" });
  await expect(page.getByRole("heading", { name: "Market" })).toBeVisible();
  const total = bodies.reduce((s, b) => s + b.gzip, 0);
  // First contentful paint of a cold page (a fresh context: empty cache), 3 times; the
  // median is compared with the budget (this machine's 2 cores are shared with builds).
  const fcps: number[] = [];
  for (let i = 0; i < 3; i++) {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(state().url, { waitUntil: "load" });
    await expect(p.getByRole("heading", { name: "Market" })).toBeVisible();
    // the paint entry is recorded after the frame is presented: wait for it (5 s at most)
    fcps.push(
      await p.evaluate(
        () =>
          new Promise<number>((resolve) => {
            setTimeout(() => resolve(-1), 5_000);
            new PerformanceObserver((list) => {
              const e = list.getEntriesByName("first-contentful-paint")[0];
              if (e) resolve(e.startTime);
            }).observe({ type: "paint", buffered: true });
          }),
      ),
    );
    await ctx.close();
  }
  const median = [...fcps].sort((a, b) => a - b)[1]!;
  console.log(
    `bench: first page (Market) on loopback, headless Chromium: bundle ${bodies.length} files, ` +
      `${(bodies.reduce((s, b) => s + b.bytes, 0) / 1024).toFixed(1)} kB raw, ` +
      `${(total / 1024).toFixed(1)} kB gzipped (budget 250 kB); first contentful paint of a ` +
      `cold page ${fcps.map((f) => f.toFixed(0)).join(", ")} ms, median ${median.toFixed(0)} ms ` +
      `(budget ${FCP_BUDGET_MS} ms)`,
  );
  for (const b of bodies) {
    console.log(`bench:   ${b.url.replace(state().url, "")} ${(b.gzip / 1024).toFixed(1)} kB gz`);
  }
  expect(Math.min(...fcps)).toBeGreaterThan(0);
  expect(median).toBeLessThanOrEqual(FCP_BUDGET_MS);
  expect(total).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
});

test("post an ETH task, a worker does it, accept, the worker is paid", async ({ page }) => {
  const d = devnet();
  const requester = account("requester");
  const chain = createPublicClient({ chain: devnetChain(), transport: http(d.rpc_url) });
  await installWallet(page, requester.private_key);
  await page.setViewportSize({ width: 390, height: 844 }); // a phone
  await page.goto(state().url);
  await connect(page);
  await screenshot(page, "market-phone");
  await accessible(page, "market");

  await page.getByRole("link", { name: "Post a task" }).click();
  await page
    .getByLabel("What should the worker do?")
    .fill(
      "Summarise in two sentences: the checkout service failed for 40 minutes because its TLS certificate expired; renewing it restored service.",
    );
  await page.getByLabel("Minimum characters").fill("20");
  await page.getByRole("button", { name: "Review costs" }).click();
  await expect(page.getByTestId("cost-payment")).toHaveText("0.01 ETH");
  await screenshot(page, "post-preview-phone");
  await accessible(page, "post");
  await page.getByRole("button", { name: /Publish the spec and post/ }).click();

  // The task page: the worker claims and submits (the local model answers).
  await expect(page).toHaveURL(/#\/task\/0x[0-9a-f]{64}$/, { timeout: 30_000 });
  const taskId = page.url().split("/").pop() as `0x${string}`;
  await expect(page.getByTestId("task-status")).toHaveText("Submitted", { timeout: 150_000 });
  await expect(page.getByTestId("result")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("verdict")).toContainText(/Pass|Fail/, { timeout: 60_000 });
  await expect(page.getByTestId("verdict")).toContainText("length");

  const task = (await (
    await page.request.get(`${state().url}/api/indexer/tasks/${taskId}`)
  ).json()) as {
    worker: `0x${string}`;
  };
  const worker = task.worker;
  const owed = () =>
    chain.readContract({
      address: d.deployments.taskMarket,
      abi: taskMarketAbi,
      functionName: "balanceOf",
      args: [worker, zeroAddress],
    });
  const worth = async () => (await chain.getBalance({ address: worker })) + (await owed());
  const before = await worth();
  await screenshot(page, "task-submitted-phone");

  await page.getByRole("button", { name: "Accept and pay" }).click();
  await expect(page.getByTestId("tx-done")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("task-status")).toHaveText("Accepted", { timeout: 30_000 });
  const after = await worth();
  console.log(
    `flow: worker ${worker} balance (wallet + owed by the market) ${formatEther(before)} → ${formatEther(after)} ETH`,
  );
  expect(after).toBeGreaterThan(before);
  await screenshot(page, "task-accepted-phone");
  await accessible(page, "task");

  // The worker's karma and earnings, as anyone sees them.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${state().url}/#/agent/${worker}`);
  await expect(page.getByRole("img", { name: "Karma per domain" })).toBeVisible({
    timeout: 20_000,
  });
  await expect(page.getByText(/ETH/).first()).toBeVisible();
  await screenshot(page, "agent-desktop");
  await accessible(page, "agent");
  await page.getByRole("link", { name: "Jury" }).click();
  await expect(page.getByRole("heading", { name: "Your seats" })).toBeVisible();
  await screenshot(page, "jury-desktop");
  await accessible(page, "jury");
});

test("post an ERC-20 task: approve, then post; cancel refunds the tokens", async ({ page }) => {
  const d = devnet();
  const requester = account("requester");
  const chain = devnetChain();
  const pub = createPublicClient({ chain, transport: http(d.rpc_url) });
  // A plain mintable token (contracts/test/mocks/Tokens.sol), built and deployed for the test.
  const root = join(import.meta.dirname, "../../..");
  const built = spawnSync("forge", ["build", "contracts/test/mocks/Tokens.sol"], {
    cwd: root,
    encoding: "utf8",
  });
  expect(built.status, built.stderr).toBe(0);
  const art = JSON.parse(
    readFileSync(join(root, "contracts/out/Tokens.sol/MockERC20.json"), "utf8"),
  ) as { abi: Abi; bytecode: { object: Hex } };
  const deployer = createWalletClient({
    account: privateKeyToAccount(account("deployer").private_key),
    chain,
    transport: http(d.rpc_url),
  });
  const deployed = await pub.waitForTransactionReceipt({
    hash: await deployer.deployContract({
      abi: art.abi,
      bytecode: art.bytecode.object,
      args: ["USDX"],
    }),
  });
  const token = deployed.contractAddress!;
  await pub.waitForTransactionReceipt({
    hash: await deployer.writeContract({
      address: token,
      abi: art.abi,
      functionName: "mint",
      args: [requester.address, parseUnits("100", 18)],
    }),
  });
  const held = () =>
    pub.readContract({
      address: token,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [requester.address],
    });

  await installWallet(page, requester.private_key);
  await page.goto(`${state().url}/#/post`);
  await connect(page);
  await page.getByLabel(/^Pay in/).fill(token);
  await page.getByLabel(/^Payment/).fill("5");
  await page.getByLabel("What should the worker do?").fill("Translate 'good morning' to French.");
  await page.getByRole("button", { name: "Review costs" }).click();
  await expect(page.getByTestId("cost-payment")).toHaveText("5 USDX");
  await screenshot(page, "post-erc20-preview");
  await page.getByRole("button", { name: "Approve 5 USDX, publish the spec and post" }).click();
  await expect(page).toHaveURL(/#\/task\/0x[0-9a-f]{64}$/, { timeout: 30_000 });
  await expect(page.getByTestId("task-status")).toHaveText("Open");
  expect(await held()).toBe(parseUnits("95", 18));
  // listed in the market in the token's own units
  await page.getByRole("link", { name: "Market" }).click();
  await expect(page.getByRole("link", { name: "summarisation · 5 USDX" })).toBeVisible();
  await screenshot(page, "market-open-erc20");
  await page.goBack();

  // No devnet worker takes this token: the requester cancels; the escrow is credited back.
  await page.getByRole("button", { name: "Cancel and refund" }).click();
  await expect(page.getByTestId("task-status")).toHaveText("Cancelled", { timeout: 30_000 });
  const owed = await pub.readContract({
    address: d.deployments.taskMarket,
    abi: taskMarketAbi,
    functionName: "balanceOf",
    args: [requester.address, token],
  });
  expect(owed).toBe(parseUnits("5", 18));
});
