// The `test` every spec uses: Playwright's, with the page's uncaught errors and console errors
// printed (a blank page then says why) and failing the test.
import { test as base, expect, type Page } from "@playwright/test";

/** Prints `page`'s uncaught errors and console errors; collects the uncaught ones in `into`. */
export function watchErrors(page: Page, into: string[]) {
  page.on("pageerror", (e) => {
    into.push(e.message);
    console.log(`page error: ${e.stack ?? e.message}`);
  });
  page.on("console", (m) => {
    if (m.type() === "error") console.log(`console error: ${m.text()}`);
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
