// The one typed client of the indexer API: openapi-fetch over the types generated from
// indexer/openapi.yaml (which the aos-indexer-api crate generates), reached through
// `aos web`'s same-origin proxy. No string-keyed JSON: every body is a generated type.
import createClient from "openapi-fetch";
import type { components, paths } from "../gen/indexer";

export type Task = components["schemas"]["Task"];
export type TaskDetail = components["schemas"]["TaskDetail"];
export type HistoryEvent = components["schemas"]["HistoryEvent"];
export type Agent = components["schemas"]["Agent"];
export type Karma = components["schemas"]["Karma"];
export type Dispute = components["schemas"]["Dispute"];
export type DisputeDetail = components["schemas"]["DisputeDetail"];
export type Vote = components["schemas"]["Vote"];
export type Health = components["schemas"]["Health"];
export type ErrorBody = components["schemas"]["ErrorBody"];
export type TasksQuery = NonNullable<paths["/tasks"]["get"]["parameters"]["query"]>;

/** The indexer could not answer: unreachable (`down`), or an error body. */
export class IndexerError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = "IndexerError";
  }
  /** The proxy could not reach the indexer at all (HTTP 502/504 from `aos web`, or no answer). */
  get down(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 504;
  }
}

type Result<T> = { data?: T; error?: ErrorBody | unknown; response: Response };

function unwrap<T>(r: Result<T>, what: string): T {
  if (r.data !== undefined) return r.data;
  const body = r.error as Partial<ErrorBody> | undefined;
  const detail = body?.error;
  const msg = detail?.message ?? r.response.statusText;
  throw new IndexerError(`${what}: ${msg}`, r.response.status, detail?.code ?? "unknown");
}

/** A client over the same-origin prefix `base` (config `indexerPath`). */
export function indexerClient(base: string) {
  const c = createClient<paths>({ baseUrl: new URL(base, window.location.origin).toString() });
  const guard = async <T>(p: Promise<Result<T>>, what: string): Promise<T> => {
    let r: Result<T>;
    try {
      r = await p;
    } catch (e) {
      throw new IndexerError(`${what}: the indexer is unreachable (${String(e)})`, 0, "down");
    }
    return unwrap(r, what);
  };
  return {
    health: () => guard(c.GET("/health"), "indexer health"),
    tasks: (query: TasksQuery) => guard(c.GET("/tasks", { params: { query } }), "task list"),
    task: (id: string) => guard(c.GET("/tasks/{id}", { params: { path: { id } } }), `task ${id}`),
    agent: (address: string) =>
      guard(c.GET("/agents/{address}", { params: { path: { address } } }), `agent ${address}`),
    /** The agent with karma decayed to `at` (unix seconds). */
    agentAt: (address: string, at: number) =>
      guard(
        c.GET("/agents/{address}", { params: { path: { address }, query: { at } } }),
        `agent ${address}`,
      ),
    disputes: (query: NonNullable<paths["/disputes"]["get"]["parameters"]["query"]>) =>
      guard(c.GET("/disputes", { params: { query } }), "dispute list"),
    dispute: (id: string) =>
      guard(c.GET("/disputes/{id}", { params: { path: { id } } }), `dispute ${id}`),
  };
}
export type IndexerClient = ReturnType<typeof indexerClient>;
