// Checks every page test makes: a screenshot saved to the artefact folder that is not blank,
// and an axe-core accessibility scan without serious or critical violations.
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { ARTEFACTS } from "./devnet";

/** Distinct colours in a PNG's pixels (RGB or RGBA, 8-bit, no interlace), sampled. */
function distinctColours(png: Buffer): number {
  let off = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString("ascii", off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      colorType = data[9]!;
    } else if (type === "IDAT") idat.push(data);
    off += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const prev = Buffer.alloc(stride);
  const cur = Buffer.alloc(stride);
  const seen = new Set<number>();
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1);
    const filter = raw[row]!;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? cur[x - bpp]! : 0;
      const b = prev[x]!;
      const c = x >= bpp ? prev[x - bpp]! : 0;
      const v = raw[row + 1 + x]!;
      let out: number;
      switch (filter) {
        case 1:
          out = v + a;
          break;
        case 2:
          out = v + b;
          break;
        case 3:
          out = v + ((a + b) >> 1);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a),
            pb = Math.abs(p - b),
            pc = Math.abs(p - c);
          out = v + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          out = v;
      }
      cur[x] = out & 0xff;
    }
    if (y % 4 === 0) {
      for (let x = 0; x < width; x += 4) {
        const i = x * bpp;
        seen.add((cur[i]! << 16) | (cur[i + 1]! << 8) | cur[i + 2]!);
      }
    }
    cur.copy(prev);
  }
  return seen.size;
}

/** Saves `artefacts/screenshots/<name>.png` (full page) and checks it is not blank. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = join(ARTEFACTS, "screenshots");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  const png = await page.screenshot({ path, fullPage: true });
  const colours = distinctColours(png);
  expect(colours, `${name}.png looks blank (${colours} colours)`).toBeGreaterThan(8);
  return path;
}

/** axe-core: no serious or critical violation on the page as it is. */
export async function accessible(page: Page, name: string) {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const text = bad.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
  expect(text, `axe on ${name}`).toEqual([]);
}
