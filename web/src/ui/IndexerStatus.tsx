// The indexer's health, polled: down (what to do) or behind (by how many blocks).
import { useServices } from "../lib/context";
import { explain } from "../lib/errors";
import { usePolled } from "../lib/poll";
import { Notice } from "./Notice";

/** Blocks of lag before the page says the indexer is behind. */
const BEHIND_BLOCKS = 3;

export function IndexerStatus() {
  const { indexer } = useServices();
  const h = usePolled(["health"], () => indexer.health(), 3_000);
  if (h.error) {
    return (
      <Notice tone="error" testId="indexer-down">
        {explain(h.error).message}
      </Notice>
    );
  }
  if (h.data && h.data.lagBlocks > BEHIND_BLOCKS) {
    return (
      <Notice tone="warn" testId="indexer-behind">
        The indexer is {h.data.lagBlocks} blocks behind the chain (at block{" "}
        {h.data.lastBlock ?? "none"}
        of {h.data.headBlock}): lists may miss the latest changes.
      </Notice>
    );
  }
  return null;
}
