#!/usr/bin/env python3
"""Write a tiny random-weight llama-architecture GGUF for protocol tests.

The model is about 200 KB: 2 layers, 64-wide embeddings, 4 attention heads,
and a byte-level BPE vocabulary (`tokenizer.ggml.model = gpt2`) of 256 byte
tokens, a few merges (`bo`, `box`, `boxe`, `boxed`) and `<s>`/`</s>`. Every
byte is a token, so the model can spell any text, `\\boxed{42}` included, and a
grammar-constrained request can force known answers.

The weights are small Gaussian noise (std 0.02), so the next-token
distribution is close to uniform: what it writes freely is gibberish, and
between the alternatives a grammar allows it picks nearly at random. Nothing
is downloaded. Needs `pip install gguf numpy`.

    python3 scripts/make_tiny_gguf.py /tmp/tiny.gguf
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

try:
    import gguf
except ImportError:  # pragma: no cover - a message beats a traceback
    sys.exit("make_tiny_gguf.py needs the gguf package: pip install gguf")

N_EMBD = 64
N_HEAD = 4
N_HEAD_KV = 4
N_FF = 128
N_LAYER = 2
N_CTX_TRAIN = 512
MERGES = ["b o", "bo x", "box e", "boxe d"]


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character map (as in llama.cpp's unicode.cpp)."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(printable, chars)}


def vocabulary() -> tuple[list[str], list[int], int, int]:
    tokens = ["<s>", "</s>"]
    types = [gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    byte_map = bytes_to_unicode()
    tokens += [byte_map[b] for b in range(256)]
    types += [gguf.TokenType.NORMAL] * 256
    for merge in MERGES:
        tokens.append(merge.replace(" ", ""))
        types.append(gguf.TokenType.NORMAL)
    assert len(set(tokens)) == len(tokens)
    return tokens, [int(t) for t in types], 0, 1


def write(path: str, seed: int) -> int:
    tokens, types, bos, eos = vocabulary()
    n_vocab = len(tokens)
    rng = np.random.default_rng(seed)

    def matrix(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols)) * 0.02).astype(np.float16)

    writer = gguf.GGUFWriter(path, "llama")
    writer.add_name("gvm tiny random llama")
    writer.add_description("random weights, for protocol tests only")
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    writer.add_vocab_size(n_vocab)
    writer.add_context_length(N_CTX_TRAIN)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD_KV)
    writer.add_rope_dimension_count(N_EMBD // N_HEAD)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)

    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(MERGES)
    writer.add_bos_token_id(bos)
    writer.add_eos_token_id(eos)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)

    # numpy shapes are (rows, cols) = ggml's ne reversed.
    writer.add_tensor("token_embd.weight", matrix(n_vocab, N_EMBD))
    writer.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    writer.add_tensor("output.weight", matrix(n_vocab, N_EMBD))
    head_dim = N_EMBD // N_HEAD
    for layer in range(N_LAYER):
        prefix = f"blk.{layer}."
        writer.add_tensor(prefix + "attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        writer.add_tensor(prefix + "attn_q.weight", matrix(N_HEAD * head_dim, N_EMBD))
        writer.add_tensor(prefix + "attn_k.weight", matrix(N_HEAD_KV * head_dim, N_EMBD))
        writer.add_tensor(prefix + "attn_v.weight", matrix(N_HEAD_KV * head_dim, N_EMBD))
        writer.add_tensor(prefix + "attn_output.weight", matrix(N_EMBD, N_HEAD * head_dim))
        writer.add_tensor(prefix + "ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        writer.add_tensor(prefix + "ffn_gate.weight", matrix(N_FF, N_EMBD))
        writer.add_tensor(prefix + "ffn_up.weight", matrix(N_FF, N_EMBD))
        writer.add_tensor(prefix + "ffn_down.weight", matrix(N_EMBD, N_FF))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return os.path.getsize(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="the .gguf file to write")
    parser.add_argument("--seed", type=int, default=1234, help="weights seed (default 1234)")
    args = parser.parse_args()
    size = write(args.output, args.seed)
    print(f"wrote {args.output}: {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
