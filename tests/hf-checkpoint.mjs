// Writes a random Llama checkpoint in Hugging Face's layout (config.json, tokenizer.json,
// tokenizer_config.json with a chat template, bf16 safetensors in shards with
// model.safetensors.index.json), for the page's model-folder tests. safetensors: an 8-byte
// little-endian header length, the JSON header, then the raw tensor bytes.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from './harness.mjs';

// A small deterministic generator (mulberry32).
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

// f32 values as bf16 bytes (round to nearest even).
function bf16(values) {
  const bits = new Uint32Array(Float32Array.from(values).buffer);
  const out = new Uint16Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = (bits[i] + 0x7fff + ((bits[i] >>> 16) & 1)) >>> 16;
  return Buffer.from(out.buffer);
}

/** One safetensors file of `tensors` ([{name, shape, bytes}], bf16). */
export function safetensors(tensors) {
  const header = {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'BF16', shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, Buffer.from(json), ...tensors.map((t) => t.bytes)]);
}

/** The tensors of a Llama with `c` = {vocab, hidden, layers, heads, kvHeads, ff}, HF names, nn.Linear [out, in]. */
export function llamaTensors(c, seed = 0) {
  const next = random(seed);
  const tensor = (name, shape, fill = null) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = fill ?? (next() - 0.5) * 0.1;
    return { name, shape, bytes: bf16(values) };
  };
  const head = c.hidden / c.heads;
  const kv = c.kvHeads * head;
  const layers = [];
  for (let i = 0; i < c.layers; i++) {
    const p = `model.layers.${i}`;
    layers.push([
      tensor(`${p}.input_layernorm.weight`, [c.hidden], 1),
      tensor(`${p}.self_attn.q_proj.weight`, [c.hidden, c.hidden]),
      tensor(`${p}.self_attn.k_proj.weight`, [kv, c.hidden]),
      tensor(`${p}.self_attn.v_proj.weight`, [kv, c.hidden]),
      tensor(`${p}.self_attn.o_proj.weight`, [c.hidden, c.hidden]),
      tensor(`${p}.post_attention_layernorm.weight`, [c.hidden], 1),
      tensor(`${p}.mlp.gate_proj.weight`, [c.ff, c.hidden]),
      tensor(`${p}.mlp.up_proj.weight`, [c.ff, c.hidden]),
      tensor(`${p}.mlp.down_proj.weight`, [c.hidden, c.ff]),
    ]);
  }
  return {
    embed: tensor('model.embed_tokens.weight', [c.vocab, c.hidden]),
    layers,
    tail: [tensor('model.norm.weight', [c.hidden], 1), tensor('lm_head.weight', [c.vocab, c.hidden])],
  };
}

export const CHATML = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

/**
 * Writes the model into `dir` in `shards` files (1: model.safetensors alone), with the files a
 * Hugging Face folder also has and the page ignores. Returns {files: {name: bytes}, params}.
 */
export async function writeLlamaFolder(dir, { vocab = 128, hidden = 32, layers = 2, heads = 4, kvHeads = 2, ff = 64, shards = 2, seed = 0 } = {}) {
  const c = { vocab, hidden, layers, heads, kvHeads, ff };
  const t = llamaTensors(c, seed);
  // Shard k gets the embedding (first) or the norm and head (last), and its share of the layers.
  const groups = Array.from({ length: shards }, () => []);
  groups[0].push(t.embed);
  t.layers.forEach((layer, i) => groups[Math.min(shards - 1, Math.floor((i * shards) / layers))].push(...layer));
  groups[shards - 1].push(...t.tail);
  const files = {};
  if (shards === 1) {
    files['model.safetensors'] = safetensors(groups[0]);
  } else {
    const weightMap = {};
    let total = 0;
    groups.forEach((group, k) => {
      const name = `model-${String(k + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
      files[name] = safetensors(group);
      for (const tensor of group) {
        weightMap[tensor.name] = name;
        total += tensor.bytes.length;
      }
    });
    files['model.safetensors.index.json'] = Buffer.from(JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  }
  files['config.json'] = Buffer.from(JSON.stringify({
    architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: vocab, hidden_size: hidden,
    intermediate_size: ff, num_hidden_layers: layers, num_attention_heads: heads, num_key_value_heads: kvHeads,
    max_position_embeddings: 128, rms_norm_eps: 1e-6, rope_theta: 10000, hidden_act: 'silu',
    tie_word_embeddings: false, torch_dtype: 'bfloat16',
  }, null, 2));
  // The page's own character tokenizer (122 tokens, <|im_start|> and <|im_end|> among them).
  files['tokenizer.json'] = fs.readFileSync(path.join(ROOT, 'models/default/tokenizer.json'));
  files['tokenizer_config.json'] = Buffer.from(JSON.stringify({ bos_token: null, eos_token: '<|im_end|>', chat_template: CHATML }));
  // What else a downloaded folder holds; the page leaves it alone.
  const ignored = {
    'README.md': '# tiny-llama\n', '.gitattributes': '*.safetensors filter=lfs\n', 'generation_config.json': '{"max_new_tokens": 8}',
    'vocab.json': '{}', 'merges.txt': '#version: 0.2\n', 'pytorch_model.bin': 'not read', 'onnx/model.onnx': 'not read',
  };
  await fsp.mkdir(path.join(dir, 'onnx'), { recursive: true });
  for (const [name, bytes] of Object.entries({ ...files, ...ignored })) await fsp.writeFile(path.join(dir, name), bytes);
  const params = [t.embed, ...t.layers.flat(), ...t.tail].reduce((n, x) => n + x.shape.reduce((a, b) => a * b, 1), 0);
  return { files, params };
}
