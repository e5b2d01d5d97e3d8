// Polling reads (live updates without a websocket): react-query with an interval.
import { useEffect, useState } from "react";
import { useQuery, type UseQueryResult } from "@tanstack/react-query";

export function usePolled<T>(
  key: readonly unknown[],
  fn: () => Promise<T>,
  intervalMs = 2_000,
  enabled = true,
): UseQueryResult<T, Error> {
  return useQuery({
    queryKey: key,
    queryFn: fn,
    refetchInterval: intervalMs,
    enabled,
    retry: false,
  });
}

/** The wall clock in unix seconds, ticking every `everyMs` (countdowns re-render with it). */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  useEffect(() => {
    const t = setInterval(() => setNow(Math.floor(Date.now() / 1000)), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
