#!/usr/bin/env python3
"""Write a tiny random-weight llama GGUF for fast plumbing tests (TOOLCHAIN.md).

2 layers, 64-wide, random f32 weights, with the real SmolLM2 tokenizer and chat template
copied from the default model, so tokenisation and templating are the real ones while
generation is noise. llama.cpp loads it in milliseconds. Good for plumbing and fallback
paths, never for quality.

Usage: python3 script/make-tiny-model.py SOURCE.gguf OUT.gguf   (needs the PyPI package
gguf==0.19.0 on PYTHONPATH; script/fetch-model.sh --tiny installs it under .models/pylib).
"""
import sys

import gguf
import numpy as np

src, out = sys.argv[1], sys.argv[2]
r = gguf.GGUFReader(src)


def field(name):
    f = r.fields[name]
    t = f.types[0]
    if t == gguf.GGUFValueType.ARRAY:
        if f.types[1] == gguf.GGUFValueType.STRING:
            return [bytes(f.parts[i]).decode("utf-8") for i in f.data]
        return [int(f.parts[i][0]) for i in f.data]
    if t == gguf.GGUFValueType.STRING:
        return bytes(f.parts[f.data[0]]).decode("utf-8")
    return f.parts[f.data[0]][0].item()


n_vocab = len(field("tokenizer.ggml.tokens"))
n_embd, n_layer, n_head, n_ff = 64, 2, 4, 128
w = gguf.GGUFWriter(out, "llama")
w.add_name("aos-tiny-random")
w.add_context_length(2048)
w.add_embedding_length(n_embd)
w.add_block_count(n_layer)
w.add_feed_forward_length(n_ff)
w.add_head_count(n_head)
w.add_head_count_kv(n_head)
w.add_rope_dimension_count(n_embd // n_head)
w.add_layer_norm_rms_eps(1e-5)
w.add_rope_freq_base(10000.0)
w.add_vocab_size(n_vocab)
w.add_tokenizer_model(field("tokenizer.ggml.model"))
w.add_tokenizer_pre(field("tokenizer.ggml.pre"))
w.add_token_list(field("tokenizer.ggml.tokens"))
w.add_token_types(field("tokenizer.ggml.token_type"))
w.add_token_merges(field("tokenizer.ggml.merges"))
w.add_bos_token_id(field("tokenizer.ggml.bos_token_id"))
w.add_eos_token_id(field("tokenizer.ggml.eos_token_id"))
w.add_unk_token_id(field("tokenizer.ggml.unknown_token_id"))
w.add_pad_token_id(field("tokenizer.ggml.padding_token_id"))
w.add_add_bos_token(False)
w.add_chat_template(field("tokenizer.chat_template"))
rng = np.random.default_rng(7)


def t(name, *shape):
    w.add_tensor(name, (rng.standard_normal(shape) * 0.02).astype(np.float32))


t("token_embd.weight", n_vocab, n_embd)
w.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
for i in range(n_layer):
    w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
    for n in ("attn_q", "attn_k", "attn_v", "attn_output"):
        t(f"blk.{i}.{n}.weight", n_embd, n_embd)
    w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
    t(f"blk.{i}.ffn_gate.weight", n_ff, n_embd)
    t(f"blk.{i}.ffn_up.weight", n_ff, n_embd)
    t(f"blk.{i}.ffn_down.weight", n_embd, n_ff)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
print(out)
