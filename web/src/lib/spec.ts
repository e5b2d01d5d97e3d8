// A white-paper §6.2 task spec built from the Post form, validated against aos-protocol's
// own JSON Schema (protocol/schemas/task_spec.json, copied by scripts/gen.mjs) before it is
// published, so a worker's `TaskSpec::from_json` accepts what the page publishes.
import type { Check, TaskSpec } from "../gen/protocol";
import schema from "../gen/task_spec.schema.json";

/**
 * The requester's agent id when the page posts from a wallet only: the all-zero Ed25519 key,
 * base58. The spec is then unsigned; the chain's `requester` (the account that escrowed the
 * payment) is who posted it (cli/src/review.rs "Who a verdict speaks for").
 */
export const UNSIGNED_REQUESTER = "11111111111111111111111111111111";

/** What the Post form collects. */
export interface SpecForm {
  taskType: string;
  prompt: string;
  /** The payment in the asset's base units (wei for ETH). */
  paymentBase: bigint;
  /** Currency code of the payment (`ETH`, or the token's symbol). */
  currency: string;
  /** Decimals of the payment's asset (18 for ETH). */
  decimals: number;
  deadlineMs: number;
  minChars?: number;
  maxChars?: number;
  /** One regex per line: must match. */
  requiredPatterns: string[];
  /** One regex per line: must not match. */
  forbiddenPatterns: string[];
  /** ISO 639-3, e.g. `eng`; empty for none. */
  language: string;
  /** A JSON Schema the output must satisfy, as text; empty for none. */
  jsonSchema: string;
  requiredSkills: string[];
  /** Fractions in [0, 1] per karma dimension. */
  karmaMin: Record<string, number>;
}

/** The checks the form asks for (aos-protocol `Check`), in a fixed order. */
export function checksOf(f: SpecForm): Check[] {
  const checks: Check[] = [];
  if (f.jsonSchema.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(f.jsonSchema);
    } catch (e) {
      throw new Error(`the JSON Schema is not JSON: ${(e as Error).message}`, { cause: e });
    }
    checks.push({ kind: "json_schema", schema: parsed } as Check);
  }
  if (f.minChars !== undefined || f.maxChars !== undefined) {
    const c: Record<string, unknown> = { kind: "length" };
    if (f.minChars !== undefined) c.min_chars = f.minChars;
    if (f.maxChars !== undefined) c.max_chars = f.maxChars;
    checks.push(c as Check);
  }
  for (const regex of f.requiredPatterns) checks.push({ kind: "pattern", regex, required: true });
  for (const regex of f.forbiddenPatterns) checks.push({ kind: "pattern", regex, required: false });
  if (f.language) checks.push({ kind: "language", code: f.language });
  return checks;
}

/** A spec for `f` (unsigned, see [`UNSIGNED_REQUESTER`]); `nonce` makes its id unique. */
export function buildSpec(f: SpecForm, nowMs: number, nonce: string): TaskSpec {
  const checks = checksOf(f);
  const spec: TaskSpec = {
    task_id: `web-${nonce}`,
    type: f.taskType,
    requester: UNSIGNED_REQUESTER,
    requirements: {
      deadline_ms: f.deadlineMs,
      ...(Object.keys(f.karmaMin).length ? { karma_min: f.karmaMin } : {}),
      ...(f.requiredSkills.length ? { required_skills: f.requiredSkills } : {}),
    },
    payment: { amount: f.paymentBase.toString(), currency: f.currency, decimals: f.decimals },
    input: { prompt: f.prompt },
    delegation_allowed: false,
    max_delegation_depth: 0,
    created_at: nowMs,
    ...(checks.length ? { acceptance: { checks } } : {}),
  };
  return spec;
}

let validator: ((v: unknown) => string[]) | null = null;

/** Validates `spec` against the TaskSpec schema; returns the problems (empty when valid). */
export async function validateSpec(spec: unknown): Promise<string[]> {
  if (!validator) {
    const { Ajv2020 } = await import("ajv/dist/2020.js");
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    const check = ajv.compile(schema);
    validator = (v) =>
      check(v)
        ? []
        : (check.errors ?? []).map(
            (e) => `${e.instancePath || "(spec)"} ${e.message ?? "is invalid"}`,
          );
  }
  return validator(spec);
}

/** A token symbol as a §6.2 currency code (1–16 of `A-Z`, `0-9`), `TOKEN` when nothing is left. */
export function currencyCode(symbol: string): string {
  const c = symbol
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "")
    .slice(0, 16);
  return c || "TOKEN";
}

/** The bytes published: compact JSON, UTF-8. */
export function specBytes(spec: TaskSpec): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(spec));
}
