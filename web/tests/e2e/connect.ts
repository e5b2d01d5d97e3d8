import { expect, type Page } from "@playwright/test";

/**
 * Connect the test wallet. wagmi reconnects a wallet that already answers `eth_accounts` on
 * its own (as it does for a real wallet the person authorised before), so click only when
 * that did not happen.
 */
export async function connect(page: Page) {
  const account = page.getByTestId("account");
  const button = page.getByRole("button", { name: "Connect Mock Wallet" });
  await expect(account.or(button)).toBeVisible();
  await page.waitForTimeout(500);
  if (!(await account.isVisible())) await button.click();
  await expect(account).toBeVisible();
}
