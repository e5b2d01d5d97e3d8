// Content-addressed blobs (DESIGN.md "Content"): a blob's id is `0x` + the BLAKE3 hash of
// its bytes (32 bytes; on chain as `bytes32`). The page computes ids itself (@noble/hashes'
// BLAKE3), checks every blob it reads against its id, and publishes through `aos web`
// (`PUT /blobs/<id>`), which checks the id again before writing.
import { blake3 } from "@noble/hashes/blake3.js";
import { bytesToHex, type Hex } from "viem";

/** `0x` + 64 hex digits: the BLAKE3 of `bytes`. */
export function contentId(bytes: Uint8Array): Hex {
  return bytesToHex(blake3(bytes));
}

/** A blob that is missing, unreachable or does not hash to its id. */
export class BlobError extends Error {
  override name = "BlobError";
}

/** Reads blob `id` and verifies it; throws [`BlobError`] when absent or tampered. */
export async function getBlob(base: string, id: Hex): Promise<Uint8Array> {
  const r = await fetch(`${base}/${id}`);
  if (!r.ok) {
    const text = (await r.text()).slice(0, 300);
    throw new BlobError(`blob ${id} is not available (HTTP ${r.status}${text ? `: ${text}` : ""})`);
  }
  const bytes = new Uint8Array(await r.arrayBuffer());
  const got = contentId(bytes);
  if (got !== id.toLowerCase()) {
    throw new BlobError(`blob ${id} was refused: its bytes hash to ${got} (corrupt or tampered)`);
  }
  return bytes;
}

/** Publishes `bytes` and returns their id (the server must agree on it). */
export async function putBlob(base: string, bytes: Uint8Array): Promise<Hex> {
  const id = contentId(bytes);
  const r = await fetch(`${base}/${id}`, {
    method: "PUT",
    body: bytes as BodyInit,
    headers: { "content-type": "application/octet-stream" },
  });
  if (!r.ok) {
    const text = (await r.text()).slice(0, 300);
    throw new BlobError(`publishing blob ${id} failed (HTTP ${r.status}): ${text}`);
  }
  return id;
}

/** UTF-8 text of a blob, or `null` when it is not text. */
export function textOf(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
