// The `test` every spec uses: Playwright's, with the page's uncaught errors and console errors
// printed (a blank page then says why) and failing the test.
import { test as base, expect } from "@playwright/test";

export const test = base.extend({
  page: async ({ page }, use) => {
    const errors: string[] = [];
    page.on("pageerror", (e) => {
      errors.push(e.message);
      console.log(`page error: ${e.stack ?? e.message}`);
    });
    page.on("console", (m) => {
      if (m.type() === "error") console.log(`console error: ${m.text()}`);
    });
    await use(page);
    expect(errors, "uncaught errors in the page").toEqual([]);
  },
});
export { expect };
