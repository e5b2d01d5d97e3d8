import type { ReactNode } from "react";
import type { Explained } from "../lib/errors";
import type { TxState } from "../lib/tx";

/** A message box: `error` and `warn` are announced (role=alert), `info` politely. */
export function Notice({
  tone,
  children,
  testId,
}: {
  tone: "info" | "warn" | "error" | "ok";
  children: ReactNode;
  testId?: string;
}) {
  return (
    <div
      className={`notice notice-${tone}`}
      role={tone === "error" || tone === "warn" ? "alert" : "status"}
      data-testid={testId}
    >
      {children}
    </div>
  );
}

export function ErrorNotice({ error }: { error: Explained }) {
  return (
    <Notice tone="error" testId={`error-${error.kind}`}>
      {error.message}
    </Notice>
  );
}

/** The progress of a transaction, said plainly. */
export function TxStatus({ state }: { state: TxState }) {
  switch (state.phase) {
    case "idle":
      return null;
    case "checking":
      return <Notice tone="info">Checking the call against the contract…</Notice>;
    case "signing":
      return <Notice tone="info">Confirm in your wallet…</Notice>;
    case "mining":
      return <Notice tone="info">Sent ({state.hash}); waiting for the block…</Notice>;
    case "done":
      return (
        <Notice tone="ok" testId="tx-done">
          Done: transaction {state.hash} confirmed.
        </Notice>
      );
    case "error":
      return state.error ? <ErrorNotice error={state.error} /> : null;
  }
}
