import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// `aos web` serves dist/ and, on the same origin, /config.json, /api/indexer/*, /rpc and
// /blobs/* (cli/src/cmd/web.rs). `npm run dev` proxies those to a running `aos web`.
const backend = process.env.AOS_WEB_BACKEND ?? "http://127.0.0.1:8090";

export default defineConfig({
  plugins: [react()],
  build: {
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: Object.fromEntries(["/config.json", "/api", "/rpc", "/blobs"].map((p) => [p, backend])),
  },
  test: {
    include: ["src/**/*.test.ts"],
  },
});
