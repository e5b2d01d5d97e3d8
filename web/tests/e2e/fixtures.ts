// The `test` every spec uses: Playwright's, with the page's uncaught errors and console errors
// printed (a blank page then says why), failing the test, and the HTTP errors it met listed.
import { test as base, expect, type Page } from "@playwright/test";

/** Prints `page`'s uncaught errors and HTTP errors; collects the uncaught ones in `into`. */
export function watchErrors(page: Page, into: string[]) {
  page.on("pageerror", (e) => {
    into.push(e.message);
    console.log(`page error: ${e.stack ?? e.message}`);
  });
  // the browser logs a failed resource without its address: say which
  page.on("response", (r) => {
    if (r.status() >= 400) console.log(`http ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
}

export const test = base.extend({
  page: async ({ page }, use) => {
    const errors: string[] = [];
    watchErrors(page, errors);
    await use(page);
    expect(errors, "uncaught errors in the page").toEqual([]);
  },
});
export { expect };
