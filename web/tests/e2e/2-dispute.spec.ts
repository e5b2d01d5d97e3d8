// Reject with evidence → the dispute appears; three jurors commit and reveal from the Jury
// page (the salt downloaded before each commit); the ruling is delivered and the requester
// executes it from the Task page. The court's deadlines are passed with `aos devnet warp`.
import type { Browser, Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { accessible, screenshot } from "./checks";
import { aos, warp } from "./cli";
import { connect } from "./connect";
import { ARTEFACTS, devnet, state } from "./devnet";
import { expect, test, watchErrors } from "./fixtures";
import { installWallet } from "./wallet";

interface DisputeRow {
  disputeId: string;
  phase: string;
  ruling: number | null;
}

async function dispute(page: Page, id: string): Promise<DisputeRow> {
  const r = await page.request.get(`${state().url}/api/indexer/disputes/${id}`);
  return (await r.json()) as DisputeRow;
}

/** Waits until the indexer shows dispute `id` in `phase`; if `warpTo` is given and the phase
 *  has not come within 10 s, moves the clock past the deadline and advances the dispute. */
async function reachPhase(page: Page, id: string, phase: string, warpTo?: string) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if ((await dispute(page, id)).phase === phase) return;
    await page.waitForTimeout(500);
  }
  if (warpTo) {
    warp(warpTo);
    aos("dispute", "advance", id);
  }
  await expect.poll(async () => (await dispute(page, id)).phase, { timeout: 20_000 }).toBe(phase);
}

async function jurorPage(browser: Browser, key: `0x${string}`, errors: string[]) {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  watchErrors(page, errors);
  await installWallet(page, key);
  await page.goto(`${state().url}/#/jury`);
  await connect(page);
  return page;
}

test("reject with evidence, jurors commit and reveal from the page, the ruling executes", async ({
  page,
  browser,
}) => {
  const d = devnet();
  const requester = d.accounts.find((a) => a.role === "requester")!;
  const jurors = d.accounts.filter((a) => a.role === "juror");
  expect(jurors.length).toBeGreaterThanOrEqual(3);

  // The requester posts a task whose criterion no answer meets.
  await installWallet(page, requester.private_key);
  await page.goto(`${state().url}/#/post`);
  await connect(page);
  await page
    .getByLabel("What should the worker do?")
    .fill("Summarise: the nightly backup job failed twice.");
  await page.getByLabel("Must match (one regular expression per line)").fill("ZQXJ-NEVER-WRITTEN");
  await page.getByRole("button", { name: "Review costs" }).click();
  await page.getByRole("button", { name: /Publish the spec and post/ }).click();
  await expect(page).toHaveURL(/#\/task\/0x[0-9a-f]{64}$/, { timeout: 30_000 });
  const taskId = page.url().split("/").pop()!;
  await expect(page.getByTestId("task-status")).toHaveText("Submitted", { timeout: 150_000 });
  await expect(page.getByTestId("verdict")).toContainText("Fail", { timeout: 60_000 });

  // Reject with the verdict as evidence: a dispute opens.
  await page.getByRole("button", { name: /Reject with the verdict as evidence/ }).click();
  await expect(page.getByTestId("tx-done")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("task-status")).toHaveText("Disputed", { timeout: 30_000 });
  const task = (await (
    await page.request.get(`${state().url}/api/indexer/tasks/${taskId}`)
  ).json()) as {
    disputeId: string;
    evidence: unknown[];
  };
  expect(task.evidence.length).toBeGreaterThanOrEqual(1);
  const id = task.disputeId;
  await expect(page.getByTestId("dispute")).toContainText("Drawing phase");
  await screenshot(page, "task-disputed");

  // Anyone draws the jury; each juror votes from the page.
  aos("dispute", "draw", id);
  await reachPhase(page, id, "Commit");
  const errors: string[] = [];
  const pages: Page[] = [];
  for (const [i, j] of jurors.slice(0, 3).entries()) {
    const jp = await jurorPage(browser, j.private_key, errors);
    pages.push(jp);
    const seat = jp.getByTestId(`seat-${id}`);
    await expect(seat).toBeVisible({ timeout: 20_000 });
    await seat.getByLabel(/Requester wins/).check();
    await seat.getByRole("button", { name: "Make the salt" }).click();
    await expect(seat.getByRole("button", { name: "Commit the vote" })).toBeDisabled();
    const [download] = await Promise.all([
      jp.waitForEvent("download"),
      seat.getByRole("link", { name: "Download the salt file" }).click(),
    ]);
    const saved = join(ARTEFACTS, `vote-${id}-${i}.json`);
    await download.saveAs(saved);
    const vote = JSON.parse(readFileSync(saved, "utf8")) as { salt: string; choice: string };
    expect(vote.choice).toBe("1");
    expect(vote.salt).toMatch(/^0x[0-9a-f]{64}$/);
    if (i === 0) {
      await screenshot(jp, "jury-commit");
      await accessible(jp, "jury with a seat");
    }
    await seat.getByRole("button", { name: "Commit the vote" }).click();
    await expect(seat.getByTestId("tx-done")).toBeVisible({ timeout: 30_000 });
  }

  await reachPhase(page, id, "Reveal", "3m");
  for (const jp of pages) {
    // the open page polls: the phase change is announced without a reload
    const seat = jp.getByTestId(`seat-${id}`);
    await expect(seat.getByTestId("phase-change")).toContainText("from the Commit phase to Reveal");
    await seat.getByRole("button", { name: /^Reveal: Requester wins/ }).click();
    await expect(seat.getByTestId("tx-done")).toBeVisible({ timeout: 30_000 });
  }
  await screenshot(pages[0]!, "jury-revealed");

  // The appeal window passes; the ruling reaches the market; the requester executes it.
  await reachPhase(page, id, "Appeal", "3m");
  warp("3m");
  aos("dispute", "advance", id);
  await expect.poll(async () => (await dispute(page, id)).ruling, { timeout: 20_000 }).toBe(1);
  await page.reload();
  await expect(page.getByTestId("task-status")).toHaveText("RuledForRequester", {
    timeout: 30_000,
  });
  await page.getByRole("button", { name: "Execute the ruling" }).click();
  await expect(page.getByTestId("task-status")).toHaveText("Resolved", { timeout: 30_000 });
  await screenshot(page, "task-resolved");

  // The requester takes the refund out from the Agent page.
  await page.getByRole("link", { name: "Agent" }).click();
  await expect(page.getByTestId("no-record")).toBeVisible(); // a requester has no karma
  const owed = page.getByTestId("market-balance");
  await expect(owed).not.toContainText("owes this account 0 ETH");
  await page.getByRole("button", { name: "Withdraw ETH" }).click();
  await expect(page.getByTestId("tx-done")).toBeVisible({ timeout: 30_000 });
  await expect(owed).toContainText("owes this account 0 ETH", { timeout: 15_000 });

  // A coherent juror settles the seat and withdraws the reward.
  const jp = pages[0]!;
  const seat = jp.getByTestId(`seat-${id}`);
  await seat.getByRole("button", { name: "Settle this seat" }).click();
  await expect(seat.getByTestId("tx-done")).toBeVisible({ timeout: 30_000 });
  await expect(seat).toContainText("Settled: Coherent", { timeout: 15_000 });
  await jp.getByRole("button", { name: "Withdraw court balance" }).click();
  await expect(jp.getByTestId("tx-done").first()).toBeVisible({ timeout: 30_000 });
  await screenshot(jp, "jury-settled");
  expect(errors, "uncaught errors in the jurors' pages").toEqual([]);
  for (const jp of pages) await jp.context().close();
});
