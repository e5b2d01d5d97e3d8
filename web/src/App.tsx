import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Suspense, lazy, useMemo } from "react";
import { WagmiProvider } from "wagmi";
import { hashFn } from "wagmi/query";
import { Link, Route, Router, Switch } from "wouter";
import { useHashLocation } from "wouter/use-hash-location";
import type { AppConfig } from "./lib/config";
import { ServicesContext } from "./lib/context";
import { indexerClient } from "./lib/indexer";
import { wagmiConfig } from "./lib/wagmi";
import { Market } from "./pages/Market";
import { ErrorBoundary } from "./ui/ErrorBoundary";
import { IndexerStatus } from "./ui/IndexerStatus";
import { Wallet } from "./ui/Wallet";

// Pages other than the market load on demand, so the first page stays small.
const Post = lazy(() => import("./pages/Post"));
const TaskPage = lazy(() => import("./pages/Task"));
const Jury = lazy(() => import("./pages/Jury"));
const AgentPage = lazy(() => import("./pages/Agent"));

export function App({ config }: { config: AppConfig }) {
  const wagmi = useMemo(() => wagmiConfig(config), [config]);
  // wagmi's key hash: query keys may hold bigints (balances, stakes), which JSON cannot encode.
  const queries = useMemo(
    () => new QueryClient({ defaultOptions: { queries: { queryKeyHashFn: hashFn } } }),
    [],
  );
  const services = useMemo(
    () => ({ config, indexer: indexerClient(config.indexerPath) }),
    [config],
  );
  return (
    <WagmiProvider config={wagmi}>
      <QueryClientProvider client={queries}>
        <ServicesContext.Provider value={services}>
          <Router hook={useHashLocation}>
            <header className="top">
              <Link href="/" className="brand">
                AOS
              </Link>
              <nav aria-label="Pages">
                <Link href="/">Market</Link>
                <Link href="/post">Post a task</Link>
                <Link href="/jury">Jury</Link>
                <Link href="/agent">Agent</Link>
              </nav>
              <Wallet />
            </header>
            <IndexerStatus />
            <main className="page">
              <ErrorBoundary>
                <Suspense fallback={<p>Loading…</p>}>
                  <Switch>
                    <Route path="/" component={Market} />
                    <Route path="/post" component={Post} />
                    <Route path="/task/:id">{(p) => <TaskPage id={p.id} />}</Route>
                    <Route path="/jury" component={Jury} />
                    <Route path="/agent/:address?">
                      {(p) => <AgentPage address={p.address} />}
                    </Route>
                    <Route>
                      <h1>Not found</h1>
                      <p>
                        No such page. <Link href="/">Back to the market</Link>.
                      </p>
                    </Route>
                  </Switch>
                </Suspense>
              </ErrorBoundary>
            </main>
          </Router>
        </ServicesContext.Provider>
      </QueryClientProvider>
    </WagmiProvider>
  );
}
