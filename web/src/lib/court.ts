// The juror's vote commitment, the same bytes as aos-chain's `commitment_of`
// (chain/src/court.rs) and DisputeCourt's `commitmentOf`:
// keccak256(abi.encode(choice, salt, juror, disputeId, round)).
import { type Address, type Hex, encodeAbiParameters, keccak256, toHex } from "viem";

export function commitmentOf(
  choice: bigint,
  salt: Hex,
  juror: Address,
  disputeId: bigint,
  round: bigint,
): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "uint256" },
        { type: "bytes32" },
        { type: "address" },
        { type: "uint256" },
        { type: "uint256" },
      ],
      [choice, salt, juror, disputeId, round],
    ),
  );
}

/** 32 random bytes from the browser's CSPRNG. */
export function newSalt(): Hex {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}

/** What is kept per vote, in localStorage and in the downloaded file. */
export interface SavedVote {
  chainId: number;
  court: Address;
  disputeId: string;
  round: string;
  juror: Address;
  choice: string;
  salt: Hex;
  commitment: Hex;
}

const key = (v: Pick<SavedVote, "chainId" | "court" | "disputeId" | "round" | "juror">) =>
  `aos.vote.${v.chainId}.${v.court.toLowerCase()}.${v.disputeId}.${v.round}.${v.juror.toLowerCase()}`;

export function saveVote(v: SavedVote): void {
  localStorage.setItem(key(v), JSON.stringify(v));
}

export function loadVote(
  k: Pick<SavedVote, "chainId" | "court" | "disputeId" | "round" | "juror">,
): SavedVote | null {
  const raw = localStorage.getItem(key(k));
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<SavedVote>;
    if (
      typeof v.salt === "string" &&
      typeof v.choice === "string" &&
      typeof v.commitment === "string"
    ) {
      return v as SavedVote;
    }
  } catch {
    /* a corrupt entry is treated as missing */
  }
  return null;
}

/** Parses a downloaded vote file; throws with the reason when it is not one. */
export function parseVoteFile(text: string): SavedVote {
  const v = JSON.parse(text) as Partial<SavedVote>;
  for (const k of ["disputeId", "round", "juror", "choice", "salt", "commitment"] as const) {
    if (typeof v[k] !== "string") throw new Error(`the vote file has no "${k}"`);
  }
  return v as SavedVote;
}
