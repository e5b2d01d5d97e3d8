// The app-wide services built from config.json: config, indexer client, blob routes.
import { createContext, useContext } from "react";
import type { AppConfig } from "./config";
import type { IndexerClient } from "./indexer";

export interface Services {
  config: AppConfig;
  indexer: IndexerClient;
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error("useServices outside <ServicesContext.Provider>");
  return s;
}
