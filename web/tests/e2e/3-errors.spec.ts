// Errors a person can act on: the wallet on another chain (the page offers to switch), a
// signature the person refused, the indexer down (the page says what to do). Runs after
// 1-market and 2-dispute (files run in name order, one worker): it stops the devnet's indexer.
import { expect, test } from "./fixtures";
import { spawnSync } from "node:child_process";
import { generatePrivateKey } from "viem/accounts";
import { mainnet } from "viem/chains";
import { screenshot } from "./checks";
import { connect } from "./connect";
import { account, devnet, state } from "./devnet";
import { installWallet } from "./wallet";

test("wrong chain: the page offers to switch, and the switch works", async ({ page }) => {
  await installWallet(page, account("requester").private_key, { startChain: mainnet });
  await page.goto(state().url);
  await connect(page);
  const notice = page.getByTestId("wrong-chain");
  await expect(notice).toContainText(`this market runs on chain ${devnet().chain_id}`);
  await screenshot(page, "error-wrong-chain");
  await notice.getByRole("button", { name: /Switch to chain/ }).click();
  await expect(notice).toBeHidden();
});

test("a refused signature: nothing is sent and the page says so", async ({ page }) => {
  await installWallet(page, account("requester").private_key, { rejectTransactions: true });
  await page.goto(`${state().url}/#/post`);
  await connect(page);
  await page.getByLabel("What should the worker do?").fill("Say hello.");
  await page.getByRole("button", { name: "Review costs" }).click();
  await page.getByRole("button", { name: /Publish the spec and post/ }).click();
  await expect(page.getByTestId("error-rejected")).toContainText(
    "You declined the request in your wallet",
  );
  await screenshot(page, "error-rejected-signature");
});

test("insufficient funds: the cost preview says so before anything is signed", async ({ page }) => {
  // a fresh account: no ETH at all
  await installWallet(page, generatePrivateKey());
  await page.goto(`${state().url}/#/post`);
  await connect(page);
  await page.getByLabel("What should the worker do?").fill("Say hello.");
  await page.getByRole("button", { name: "Review costs" }).click();
  await expect(page.getByTestId("error-funds")).toContainText("Not enough ETH");
  await expect(page.getByRole("button", { name: /Publish the spec and post/ })).toBeDisabled();
  await screenshot(page, "error-insufficient-funds");
});

test("indexer down: the page says what to do", async ({ page }) => {
  const indexer = devnet().services.find((s) => s.name === "aos-indexer");
  expect(indexer, "the devnet runs an indexer").toBeTruthy();
  process.kill(indexer!.pid, "SIGTERM");
  await page.goto(state().url);
  await expect(page.getByTestId("indexer-down")).toContainText("The indexer is not answering", {
    timeout: 20_000,
  });
  await screenshot(page, "error-indexer-down");
  // and back: the devnet starts it again on the same chain; the page recovers by itself
  const r = spawnSync("aos", ["devnet", "restart", "indexer", "--dir", state().dir], {
    encoding: "utf8",
  });
  expect(r.status, r.stderr).toBe(0);
  await expect(page.getByTestId("indexer-down")).toBeHidden({ timeout: 30_000 });
});
