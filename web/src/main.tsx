import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { loadConfig } from "./lib/config";
import "./style.css";

const root = createRoot(document.getElementById("root") as HTMLElement);
loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <App config={config} />
      </StrictMode>,
    ),
  (e: unknown) =>
    root.render(
      <main className="page">
        <h1>AOS</h1>
        <div className="notice notice-error" role="alert">
          Cannot start: {e instanceof Error ? e.message : String(e)}. Start the page with{" "}
          <code>aos web</code> (it serves the app, the indexer API and the blobs on one origin).
        </div>
      </main>,
    ),
);
