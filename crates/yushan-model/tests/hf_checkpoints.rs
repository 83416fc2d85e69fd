//! Tiny checkpoints in Hugging Face's exact layout (config.json text + safetensors bytes),
//! written here with seeded random weights, loaded by us and compared with independent
//! implementations: candle-transformers for Llama, Qwen2 and Qwen3, and a straight-loop f64
//! GPT-2 below.

mod common;

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use candle_core::{DType, Device as CandleDevice, Tensor as CandleTensor};
use candle_nn::VarBuilder;
use candle_transformers::models::{llama, qwen2, qwen3};
use common::{max_abs, max_abs_diff, randomise_adapters, values};
use safetensors::{Dtype, tensor::TensorView};
use yushan_model::{LoraConfig, LoraTarget, Model, ModelConfig};
use yushan_rng::SplitMix64;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Precision {
    F32,
    F16,
    Bf16,
}

/// Named tensors in file order; values are already rounded to the stored precision, so the
/// references see exactly what the file holds.
struct Checkpoint {
    tensors: Vec<(String, Vec<usize>, Vec<f32>)>,
    precision: Precision,
    rng: SplitMix64,
}

impl Checkpoint {
    fn new(precision: Precision, seed: u64) -> Self {
        Self { tensors: Vec::new(), precision, rng: SplitMix64::new(seed) }
    }

    fn add(&mut self, name: &str, shape: &[usize], mean: f64, std: f64) {
        let n = shape.iter().product();
        let values = self
            .rng
            .normal_vec(n, std)
            .into_iter()
            .map(|v| {
                let v = v + mean as f32;
                match self.precision {
                    Precision::F32 => v,
                    Precision::F16 => half::f16::from_f32(v).to_f32(),
                    Precision::Bf16 => half::bf16::from_f32(v).to_f32(),
                }
            })
            .collect();
        self.tensors.push((name.to_string(), shape.to_vec(), values));
    }

    fn get(&self, name: &str) -> &[f32] {
        &self.tensors.iter().find(|(n, _, _)| n == name).unwrap_or_else(|| panic!("no tensor {name}")).2
    }

    /// The safetensors bytes of the tensors `keep` accepts.
    fn bytes_of(&self, keep: impl Fn(&str) -> bool) -> Vec<u8> {
        let encoded: Vec<(String, Vec<usize>, Vec<u8>)> = self
            .tensors
            .iter()
            .filter(|(n, _, _)| keep(n))
            .map(|(n, s, v)| {
                let bytes = match self.precision {
                    Precision::F32 => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
                    Precision::F16 => v.iter().flat_map(|x| half::f16::from_f32(*x).to_le_bytes()).collect(),
                    Precision::Bf16 => v.iter().flat_map(|x| half::bf16::from_f32(*x).to_le_bytes()).collect(),
                };
                (n.clone(), s.clone(), bytes)
            })
            .collect();
        let dtype = match self.precision {
            Precision::F32 => Dtype::F32,
            Precision::F16 => Dtype::F16,
            Precision::Bf16 => Dtype::BF16,
        };
        let views: Vec<(String, TensorView<'_>)> =
            encoded.iter().map(|(n, s, b)| (n.clone(), TensorView::new(dtype, s.clone(), b).unwrap())).collect();
        safetensors::serialize(views, None).unwrap()
    }

    fn bytes(&self) -> Vec<u8> {
        self.bytes_of(|_| true)
    }
}

// ---------------------------------------------------------------------------------------------
// Llama family

struct LlamaDims {
    vocab: usize,
    hidden: usize,
    ff: usize,
    layers: usize,
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
    qkv_bias: bool,
    /// A bias on o_proj too (Llama/Qwen3 `attention_bias`).
    o_bias: bool,
    qk_norm: bool,
    tied: bool,
}

fn llama_checkpoint(d: &LlamaDims, precision: Precision, seed: u64) -> Checkpoint {
    let mut ck = Checkpoint::new(precision, seed);
    let (h, q, kv) = (d.hidden, d.heads * d.head_dim, d.kv_heads * d.head_dim);
    ck.add("model.embed_tokens.weight", &[d.vocab, h], 0.0, 0.5);
    for i in 0..d.layers {
        let p = format!("model.layers.{i}");
        ck.add(&format!("{p}.input_layernorm.weight"), &[h], 1.0, 0.1);
        for (name, out) in [("q_proj", q), ("k_proj", kv), ("v_proj", kv)] {
            ck.add(&format!("{p}.self_attn.{name}.weight"), &[out, h], 0.0, 0.2);
            if d.qkv_bias {
                ck.add(&format!("{p}.self_attn.{name}.bias"), &[out], 0.0, 0.1);
            }
        }
        ck.add(&format!("{p}.self_attn.o_proj.weight"), &[h, q], 0.0, 0.2);
        if d.o_bias {
            ck.add(&format!("{p}.self_attn.o_proj.bias"), &[h], 0.0, 0.1);
        }
        if d.qk_norm {
            ck.add(&format!("{p}.self_attn.q_norm.weight"), &[d.head_dim], 1.0, 0.1);
            ck.add(&format!("{p}.self_attn.k_norm.weight"), &[d.head_dim], 1.0, 0.1);
        }
        ck.add(&format!("{p}.post_attention_layernorm.weight"), &[h], 1.0, 0.1);
        ck.add(&format!("{p}.mlp.gate_proj.weight"), &[d.ff, h], 0.0, 0.2);
        ck.add(&format!("{p}.mlp.up_proj.weight"), &[d.ff, h], 0.0, 0.2);
        ck.add(&format!("{p}.mlp.down_proj.weight"), &[h, d.ff], 0.0, 0.2);
    }
    ck.add("model.norm.weight", &[h], 1.0, 0.1);
    if !d.tied {
        ck.add("lm_head.weight", &[d.vocab, h], 0.0, 0.3);
    }
    ck
}

fn gqa_llama() -> LlamaDims {
    LlamaDims {
        vocab: 31,
        hidden: 32,
        ff: 40,
        layers: 2,
        heads: 4,
        kv_heads: 2,
        head_dim: 8,
        qkv_bias: false,
        o_bias: false,
        qk_norm: false,
        tied: false,
    }
}

fn llama_json(d: &LlamaDims, extra: &str) -> String {
    format!(
        r#"{{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": {}, "hidden_size": {},
        "intermediate_size": {}, "num_hidden_layers": {}, "num_attention_heads": {}, "num_key_value_heads": {},
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 32, "hidden_act": "silu",
        "attention_bias": false, "tie_word_embeddings": {}, "torch_dtype": "float32"{extra}}}"#,
        d.vocab, d.hidden, d.ff, d.layers, d.heads, d.kv_heads, d.tied
    )
}

fn qwen_json(model_type: &str, d: &LlamaDims) -> String {
    format!(
        r#"{{"architectures": ["Qwen2ForCausalLM"], "model_type": "{model_type}", "vocab_size": {}, "hidden_size": {},
        "intermediate_size": {}, "num_hidden_layers": {}, "num_attention_heads": {}, "num_key_value_heads": {},
        "head_dim": {}, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "max_position_embeddings": 32,
        "hidden_act": "silu", "attention_bias": {}, "tie_word_embeddings": {}, "rope_scaling": null,
        "sliding_window": 32, "max_window_layers": 2, "use_sliding_window": false, "bos_token_id": 0}}"#,
        d.vocab,
        d.hidden,
        d.ff,
        d.layers,
        d.heads,
        d.kv_heads,
        d.head_dim,
        d.qkv_bias && model_type == "qwen3",
        d.tied
    )
}

/// Logits of every position, computed as candle's models do for the last one, prefix by prefix.
fn candle_logits(kind: &str, json: &str, bytes: &[u8], seq: &[u32]) -> Vec<f32> {
    let dev = CandleDevice::Cpu;
    let vb = VarBuilder::from_buffered_safetensors(bytes.to_vec(), DType::F32, &dev).unwrap();
    let mut out = Vec::new();
    let input = |t: usize| CandleTensor::new(&seq[..t], &dev).unwrap().unsqueeze(0).unwrap();
    let mut push = |logits: CandleTensor| out.extend(logits.flatten_all().unwrap().to_vec1::<f32>().unwrap());
    match kind {
        "llama" => {
            let cfg: llama::LlamaConfig = serde_json::from_str(json).unwrap();
            let cfg = cfg.into_config(false);
            let model = llama::Llama::load(vb, &cfg).unwrap();
            for t in 1..=seq.len() {
                let mut cache = llama::Cache::new(false, DType::F32, &cfg, &dev).unwrap();
                push(model.forward(&input(t), 0, &mut cache).unwrap());
            }
        }
        "qwen2" => {
            let cfg: qwen2::Config = serde_json::from_str(json).unwrap();
            let mut model = qwen2::ModelForCausalLM::new(&cfg, vb).unwrap();
            for t in 1..=seq.len() {
                model.clear_kv_cache();
                push(model.forward(&input(t), 0).unwrap());
            }
        }
        "qwen3" => {
            let cfg: qwen3::Config = serde_json::from_str(json).unwrap();
            let mut model = qwen3::ModelForCausalLM::new(&cfg, vb).unwrap();
            for t in 1..=seq.len() {
                model.clear_kv_cache();
                push(model.forward(&input(t), 0).unwrap());
            }
        }
        other => panic!("no candle model {other}"),
    }
    out
}

// ---------------------------------------------------------------------------------------------
// GPT-2

struct Gpt2Dims {
    vocab: usize,
    embd: usize,
    layers: usize,
    heads: usize,
    positions: usize,
}

const GPT2: Gpt2Dims = Gpt2Dims { vocab: 29, embd: 16, layers: 2, heads: 4, positions: 12 };

fn gpt2_json(d: &Gpt2Dims) -> String {
    format!(
        r#"{{"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": {}, "n_embd": {}, "n_layer": {},
        "n_head": {}, "n_positions": {}, "n_ctx": {}, "n_inner": null, "layer_norm_epsilon": 1e-5,
        "activation_function": "gelu_new", "resid_pdrop": 0.1, "embd_pdrop": 0.1, "attn_pdrop": 0.1,
        "scale_attn_weights": true, "use_cache": true, "bos_token_id": 0, "eos_token_id": 0}}"#,
        d.vocab, d.embd, d.layers, d.heads, d.positions, d.positions
    )
}

fn gpt2_checkpoint(d: &Gpt2Dims, prefix: &str, precision: Precision, seed: u64) -> Checkpoint {
    let mut ck = Checkpoint::new(precision, seed);
    let (e, ff) = (d.embd, 4 * d.embd);
    ck.add(&format!("{prefix}wte.weight"), &[d.vocab, e], 0.0, 0.5);
    ck.add(&format!("{prefix}wpe.weight"), &[d.positions, e], 0.0, 0.3);
    for i in 0..d.layers {
        let h = format!("{prefix}h.{i}");
        ck.add(&format!("{h}.ln_1.weight"), &[e], 1.0, 0.1);
        ck.add(&format!("{h}.ln_1.bias"), &[e], 0.0, 0.1);
        // The causal-mask buffer old exports carry: it must be ignored.
        ck.add(&format!("{h}.attn.bias"), &[1, 1, d.positions, d.positions], 0.0, 1.0);
        ck.add(&format!("{h}.attn.c_attn.weight"), &[e, 3 * e], 0.0, 0.2);
        ck.add(&format!("{h}.attn.c_attn.bias"), &[3 * e], 0.0, 0.1);
        ck.add(&format!("{h}.attn.c_proj.weight"), &[e, e], 0.0, 0.2);
        ck.add(&format!("{h}.attn.c_proj.bias"), &[e], 0.0, 0.1);
        ck.add(&format!("{h}.ln_2.weight"), &[e], 1.0, 0.1);
        ck.add(&format!("{h}.ln_2.bias"), &[e], 0.0, 0.1);
        ck.add(&format!("{h}.mlp.c_fc.weight"), &[e, ff], 0.0, 0.2);
        ck.add(&format!("{h}.mlp.c_fc.bias"), &[ff], 0.0, 0.1);
        ck.add(&format!("{h}.mlp.c_proj.weight"), &[ff, e], 0.0, 0.2);
        ck.add(&format!("{h}.mlp.c_proj.bias"), &[e], 0.0, 0.1);
    }
    ck.add(&format!("{prefix}ln_f.weight"), &[e], 1.0, 0.1);
    ck.add(&format!("{prefix}ln_f.bias"), &[e], 0.0, 0.1);
    ck
}

/// GPT-2 as `transformers` computes it, in f64 with plain loops.
fn gpt2_reference(ck: &Checkpoint, prefix: &str, d: &Gpt2Dims, seq: &[u32]) -> Vec<f32> {
    let t = |name: String| ck.get(&name).iter().map(|&v| v as f64).collect::<Vec<f64>>();
    let (e, n, heads) = (d.embd, seq.len(), d.heads);
    let hd = e / heads;
    // y[n, out] = x[n, in] · W[in, out] + b  (Conv1D)
    let conv1d = |x: &[Vec<f64>], w: &[f64], b: &[f64], d_in: usize, d_out: usize| -> Vec<Vec<f64>> {
        x.iter()
            .map(|row| (0..d_out).map(|o| b[o] + (0..d_in).map(|i| row[i] * w[i * d_out + o]).sum::<f64>()).collect())
            .collect()
    };
    let layer_norm = |x: &[Vec<f64>], g: &[f64], b: &[f64]| -> Vec<Vec<f64>> {
        x.iter()
            .map(|row| {
                let mean = row.iter().sum::<f64>() / row.len() as f64;
                let var = row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / row.len() as f64;
                row.iter().enumerate().map(|(i, v)| (v - mean) / (var + 1e-5).sqrt() * g[i] + b[i]).collect()
            })
            .collect()
    };
    let gelu_new = |x: f64| 0.5 * x * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh());
    let (wte, wpe) = (t(format!("{prefix}wte.weight")), t(format!("{prefix}wpe.weight")));
    let mut x: Vec<Vec<f64>> = seq
        .iter()
        .enumerate()
        .map(|(p, &tok)| (0..e).map(|i| wte[tok as usize * e + i] + wpe[p * e + i]).collect())
        .collect();
    for l in 0..d.layers {
        let h = format!("{prefix}h.{l}");
        let a = layer_norm(&x, &t(format!("{h}.ln_1.weight")), &t(format!("{h}.ln_1.bias")));
        let qkv = conv1d(&a, &t(format!("{h}.attn.c_attn.weight")), &t(format!("{h}.attn.c_attn.bias")), e, 3 * e);
        let mut merged = vec![vec![0.0; e]; n];
        for head in 0..heads {
            for i in 0..n {
                let q = &qkv[i][head * hd..(head + 1) * hd];
                let scores: Vec<f64> = (0..=i)
                    .map(|j| {
                        let k = &qkv[j][e + head * hd..e + (head + 1) * hd];
                        q.iter().zip(k).map(|(a, b)| a * b).sum::<f64>() / (hd as f64).sqrt()
                    })
                    .collect();
                let max = scores.iter().cloned().fold(f64::MIN, f64::max);
                let exps: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
                let total: f64 = exps.iter().sum();
                for (j, w) in exps.iter().enumerate() {
                    for c in 0..hd {
                        merged[i][head * hd + c] += w / total * qkv[j][2 * e + head * hd + c];
                    }
                }
            }
        }
        let attn = conv1d(&merged, &t(format!("{h}.attn.c_proj.weight")), &t(format!("{h}.attn.c_proj.bias")), e, e);
        for i in 0..n {
            for c in 0..e {
                x[i][c] += attn[i][c];
            }
        }
        let m = layer_norm(&x, &t(format!("{h}.ln_2.weight")), &t(format!("{h}.ln_2.bias")));
        let mut up = conv1d(&m, &t(format!("{h}.mlp.c_fc.weight")), &t(format!("{h}.mlp.c_fc.bias")), e, 4 * e);
        up.iter_mut().for_each(|row| row.iter_mut().for_each(|v| *v = gelu_new(*v)));
        let down = conv1d(&up, &t(format!("{h}.mlp.c_proj.weight")), &t(format!("{h}.mlp.c_proj.bias")), 4 * e, e);
        for i in 0..n {
            for c in 0..e {
                x[i][c] += down[i][c];
            }
        }
    }
    let x = layer_norm(&x, &t(format!("{prefix}ln_f.weight")), &t(format!("{prefix}ln_f.bias")));
    let wte = &wte;
    x.iter()
        .flat_map(|row| (0..d.vocab).map(move |v| (0..e).map(|c| row[c] * wte[v * e + c]).sum::<f64>() as f32))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Our side

fn cpu() -> Device {
    Device::flex()
}

fn sequences(vocab: usize) -> Vec<Vec<u32>> {
    let mut rng = SplitMix64::new(99);
    (0..3).map(|_| (0..7).map(|_| (rng.next_u64() % vocab as u64) as u32).collect()).collect()
}

fn load(json: &str, files: &[(&str, Vec<u8>)]) -> Model {
    let config = ModelConfig::from_json(json).unwrap();
    Model::from_checkpoint_files(&config, files, &cpu()).unwrap()
}

/// Our logits for each sequence (run as one batch), flattened per sequence.
fn our_logits(model: &Model, seqs: &[Vec<u32>]) -> Vec<Vec<f32>> {
    let len = seqs[0].len();
    let ids: Vec<i32> = seqs.iter().flatten().map(|&t| t as i32).collect();
    let tokens = Tensor::from_data(TensorData::new(ids, [seqs.len(), len]), &model.device());
    let all = values(model.forward(tokens));
    let per = all.len() / seqs.len();
    all.chunks(per).map(<[f32]>::to_vec).collect()
}

fn assert_close(ours: &[f32], reference: &[f32], what: &str) {
    let rel = max_abs_diff(ours, reference) / max_abs(reference);
    assert!(rel < 1e-4, "{what}: relative error {rel:e}");
    assert!(max_abs(reference) > 0.1, "{what}: the reference logits are degenerate");
}

fn check_against_candle(kind: &str, json: &str, ck: &Checkpoint, files: &[(&str, Vec<u8>)]) {
    let model = load(json, files);
    let vocab = model.config.vocab_size;
    let bytes = ck.bytes();
    for (seq, ours) in sequences(vocab).iter().zip(our_logits(&model, &sequences(vocab))) {
        let reference = candle_logits(kind, json, &bytes, seq);
        assert_close(&ours, &reference, &format!("{kind} {:?} {seq:?}", ck.precision));
    }
}

#[test]
fn gpt2_matches_a_reference_forward_pass_with_and_without_the_transformer_prefix() {
    for (prefix, precision) in [("transformer.", Precision::F32), ("", Precision::F16)] {
        let ck = gpt2_checkpoint(&GPT2, prefix, precision, 1);
        let model = load(&gpt2_json(&GPT2), &[("model.safetensors", ck.bytes())]);
        assert_eq!(model.config.intermediate_size, 4 * GPT2.embd, "n_inner null means 4·n_embd");
        let seqs = sequences(GPT2.vocab);
        for (seq, ours) in seqs.iter().zip(our_logits(&model, &seqs)) {
            assert_close(&ours, &gpt2_reference(&ck, prefix, &GPT2, seq), &format!("gpt2 `{prefix}` {precision:?}"));
        }
    }
}

#[test]
fn llama_with_grouped_query_attention_matches_candle_also_when_sharded() {
    let dims = gqa_llama();
    let json = llama_json(&dims, "");
    let ck = llama_checkpoint(&dims, Precision::F32, 2);
    check_against_candle("llama", &json, &ck, &[("model.safetensors", ck.bytes())]);

    // The same weights in two shards with an index.
    let first = |n: &str| n.starts_with("model.embed_tokens") || n.starts_with("model.layers.0.");
    let shard1 = ck.bytes_of(first);
    let shard2 = ck.bytes_of(|n| !first(n));
    let map: serde_json::Map<String, serde_json::Value> = ck
        .tensors
        .iter()
        .map(|(n, _, _)| {
            let file = if first(n) { "model-00001-of-00002.safetensors" } else { "model-00002-of-00002.safetensors" };
            (n.clone(), serde_json::Value::from(file))
        })
        .collect();
    let index = serde_json::json!({"metadata": {"total_size": 0}, "weight_map": map}).to_string();
    let files = [
        ("model.safetensors.index.json", index.into_bytes()),
        ("model-00001-of-00002.safetensors", shard1),
        ("model-00002-of-00002.safetensors", shard2),
    ];
    check_against_candle("llama", &json, &ck, &files);
}

#[test]
fn llama3_rope_scaling_matches_candle() {
    let dims = gqa_llama();
    let scaling = r#", "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8, "rope_type": "llama3"}"#;
    let json = llama_json(&dims, scaling).replace("\"rope_theta\": 10000.0", "\"rope_theta\": 500000.0");
    let config = ModelConfig::from_json(&json).unwrap();
    assert!(config.rope_scaling.is_some());
    let ck = llama_checkpoint(&dims, Precision::F32, 3);
    check_against_candle("llama", &json, &ck, &[("model.safetensors", ck.bytes())]);
}

#[test]
fn qwen2_with_qkv_bias_and_tied_embeddings_in_bf16_matches_candle() {
    let dims = LlamaDims {
        vocab: 37,
        hidden: 32,
        ff: 48,
        layers: 2,
        heads: 4,
        kv_heads: 2,
        head_dim: 8,
        qkv_bias: true,
        o_bias: false,
        qk_norm: false,
        tied: true,
    };
    let json = qwen_json("qwen2", &dims).replace("\"head_dim\": 8,", "");
    let config = ModelConfig::from_json(&json).unwrap();
    assert!(config.attention_bias && config.tie_embeddings && !config.attention_out_bias);
    let mut ck = llama_checkpoint(&dims, Precision::Bf16, 4);
    check_against_candle("qwen2", &json, &ck, &[("model.safetensors", ck.bytes())]);
    // Some tied checkpoints still carry lm_head.weight: it is accepted and unused.
    ck.add("lm_head.weight", &[dims.vocab, dims.hidden], 0.0, 0.3);
    let model = load(&json, &[("model.safetensors", ck.bytes())]);
    assert!(model.lm_head.is_none());
}

#[test]
fn qwen3_with_a_wide_head_dim_and_qk_norm_in_f16_matches_candle() {
    // head_dim 10 while hidden / heads = 6: q_proj is [40, 24] and o_proj [24, 40].
    let dims = LlamaDims {
        vocab: 33,
        hidden: 24,
        ff: 40,
        layers: 2,
        heads: 4,
        kv_heads: 2,
        head_dim: 10,
        qkv_bias: false,
        o_bias: false,
        qk_norm: true,
        tied: false,
    };
    let json = qwen_json("qwen3", &dims);
    let config = ModelConfig::from_json(&json).unwrap();
    assert_eq!((config.head_dim(), config.qk_norm), (10, true));
    let ck = llama_checkpoint(&dims, Precision::F16, 5);
    check_against_candle("qwen3", &json, &ck, &[("model.safetensors", ck.bytes())]);

    // attention_bias: bias on q, k, v and o.
    let dims = LlamaDims { qkv_bias: true, o_bias: true, ..dims };
    let json = qwen_json("qwen3", &dims);
    let config = ModelConfig::from_json(&json).unwrap();
    assert!(config.attention_bias && config.attention_out_bias);
    let ck = llama_checkpoint(&dims, Precision::F32, 14);
    check_against_candle("qwen3", &json, &ck, &[("model.safetensors", ck.bytes())]);
}

#[test]
fn cached_decoding_agrees_with_the_full_pass_for_qwen3() {
    let dims = LlamaDims {
        vocab: 33,
        hidden: 24,
        ff: 40,
        layers: 2,
        heads: 4,
        kv_heads: 2,
        head_dim: 10,
        qkv_bias: false,
        o_bias: false,
        qk_norm: true,
        tied: false,
    };
    let ck = llama_checkpoint(&dims, Precision::F32, 6);
    let model = load(&qwen_json("qwen3", &dims), &[("model.safetensors", ck.bytes())]);
    let seq = &sequences(dims.vocab)[0];
    let full = our_logits(&model, std::slice::from_ref(seq)).remove(0);
    let mut cache = model.new_cache(1, seq.len());
    for (pos, &tok) in seq.iter().enumerate() {
        let token = Tensor::from_data(TensorData::new(vec![tok as i32], [1, 1]), &model.device());
        let step = values(model.decode_step(token, pos, &mut cache));
        assert_close(&step, &full[pos * dims.vocab..(pos + 1) * dims.vocab], "qwen3 cached step");
    }
}

// ---------------------------------------------------------------------------------------------
// Config errors and the weight estimate

#[test]
fn unsupported_configs_are_refused_by_name() {
    let err = ModelConfig::from_json(r#"{"model_type": "mistral", "hidden_size": 8}"#).unwrap_err().to_string();
    assert!(err.contains("mistral") && err.contains("gpt2, llama, qwen2, qwen3"), "{err}");

    let yarn = llama_json(&gqa_llama(), r#", "rope_scaling": {"rope_type": "yarn", "factor": 4.0}"#);
    let err = ModelConfig::from_json(&yarn).unwrap_err().to_string();
    assert!(err.contains("rope_scaling") && err.contains("yarn"), "{err}");

    let relu = gpt2_json(&GPT2).replace("gelu_new", "relu");
    let err = ModelConfig::from_json(&relu).unwrap_err().to_string();
    assert!(err.contains("activation_function") && err.contains("relu"), "{err}");

    let gelu = llama_json(&gqa_llama(), "").replace("\"silu\"", "\"gelu\"");
    let err = ModelConfig::from_json(&gelu).unwrap_err().to_string();
    assert!(err.contains("hidden_act"), "{err}");
}

#[test]
fn hf_configs_take_transformers_defaults() {
    let llama = ModelConfig::from_json(
        r#"{"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
        "num_hidden_layers": 1, "num_attention_heads": 2, "max_position_embeddings": 16}"#,
    )
    .unwrap();
    // No num_key_value_heads: one per head; Llama does not tie by default.
    assert_eq!((llama.num_kv_heads, llama.tie_embeddings, llama.head_dim()), (2, false, 4));
    let gpt2 = ModelConfig::from_json(&gpt2_json(&GPT2)).unwrap();
    assert!(gpt2.tie_embeddings);
    assert_eq!((gpt2.hidden_size, gpt2.num_layers, gpt2.max_seq_len), (16, 2, 12));
    // Our own format still round-trips, new fields included.
    let qwen3 = ModelConfig::from_json(&qwen_json("qwen3", &gqa_llama())).unwrap();
    assert_eq!(ModelConfig::from_json(&qwen3.to_json()).unwrap(), qwen3);
}

#[test]
fn the_weight_estimate_counts_what_the_model_holds() {
    let qwen3 = LlamaDims {
        vocab: 33,
        hidden: 24,
        ff: 40,
        layers: 2,
        heads: 4,
        kv_heads: 2,
        head_dim: 10,
        qkv_bias: true,
        o_bias: false,
        qk_norm: true,
        tied: false,
    };
    let configs = [
        common::tiny_llama(),
        common::tiny_gpt2(),
        ModelConfig::from_json(&qwen_json("qwen3", &qwen3)).unwrap(),
        ModelConfig::from_json(&gpt2_json(&GPT2)).unwrap(),
    ];
    for config in configs {
        let estimate = config.weight_estimate();
        let model = Model::init(&config, 1, &cpu());
        assert_eq!(estimate.params, model.num_params() as u64, "{config:?}");
        assert_eq!(estimate.bytes, 4 * estimate.params);
        // What f16 storage halves: the embeddings, every projection and the head.
        let count = |p: &burn::module::Param<burn::tensor::Tensor<2>>| p.lazy_shape().num_elements() as u64;
        let projections: u64 = model
            .layers
            .iter()
            .flat_map(|l| LoraTarget::ALL.into_iter().filter_map(move |t| l.projection(t)))
            .chain(model.lm_head.as_ref())
            .map(|d| count(&d.weight))
            .sum();
        let matrices = projections + count(&model.embed_tokens) + model.embed_positions.as_ref().map_or(0, count);
        assert_eq!(estimate.matrix_params, matrices, "{config:?}");
        let half = estimate.clone().with_matrix_dtype(burn::tensor::FloatDType::F16);
        assert_eq!(half.bytes, 2 * matrices + 4 * (estimate.params - matrices));
        assert_eq!(half.largest_bytes * 2, estimate.largest_bytes);
    }
    // Qwen2.5-0.5B: 494,032,768 parameters; its tied embedding alone is 544.5 MB as f32.
    let qwen = ModelConfig::from_json(
        r#"{"model_type": "qwen2", "vocab_size": 151936, "hidden_size": 896, "intermediate_size": 4864,
        "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2, "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "max_position_embeddings": 32768, "tie_word_embeddings": true,
        "hidden_act": "silu", "use_sliding_window": false, "sliding_window": 32768, "max_window_layers": 21}"#,
    )
    .unwrap();
    let estimate = qwen.weight_estimate();
    assert_eq!(estimate.params, 494_032_768);
    assert_eq!((estimate.largest_name.as_str(), estimate.largest_bytes), ("model.embed_tokens.weight", 544_538_624));
    let err = estimate.check_buffer_limit(256 << 20).unwrap_err().to_string();
    assert!(err.contains("model.embed_tokens.weight") && err.contains("544.5 MB as f32"), "{err}");
    estimate.check_buffer_limit(1 << 30).unwrap();
    // In f16 the whole model is 988.2 MB instead of 1976.1 MB; the embedding alone (272.3 MB)
    // still exceeds WebGPU's default 256 MiB buffer.
    let half = estimate.clone().with_matrix_dtype(burn::tensor::FloatDType::F16);
    assert_eq!((estimate.bytes, half.bytes), (1_976_131_072, 988_208_640));
    let err = half.check_buffer_limit(256 << 20).unwrap_err().to_string();
    assert!(err.contains("272.3 MB as f16"), "{err}");
    half.check_buffer_limit(300 << 20).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Broken checkpoints

fn tiny_llama_files() -> (String, Checkpoint) {
    let dims = LlamaDims { layers: 1, ..gqa_llama() };
    (llama_json(&dims, ""), llama_checkpoint(&dims, Precision::F32, 7))
}

fn load_err(json: &str, files: &[(&str, Vec<u8>)]) -> String {
    let config = ModelConfig::from_json(json).unwrap();
    match Model::from_checkpoint_files(&config, files, &cpu()) {
        Ok(_) => panic!("the broken checkpoint loaded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_missing_tensor_is_named_with_its_shape_and_file() {
    let (json, ck) = tiny_llama_files();
    let bytes = ck.bytes_of(|n| n != "model.layers.0.mlp.up_proj.weight");
    let err = load_err(&json, &[("model.safetensors", bytes)]);
    assert!(
        err.contains("`model.layers.0.mlp.up_proj.weight`")
            && err.contains("[40, 32]")
            && err.contains("model.safetensors"),
        "{err}"
    );

    // Sharded: a tensor the index does not list, and a shard that is not there.
    let index = |map: serde_json::Value| serde_json::json!({"weight_map": map}).to_string().into_bytes();
    let err = load_err(
        &json,
        &[("model.safetensors.index.json", index(serde_json::json!({"model.norm.weight": "a.safetensors"})))],
    );
    assert!(err.contains("does not list tensor `model.embed_tokens.weight`"), "{err}");
    let all: serde_json::Map<_, _> =
        ck.tensors.iter().map(|(n, _, _)| (n.clone(), serde_json::Value::from("gone.safetensors"))).collect();
    let err = load_err(&json, &[("model.safetensors.index.json", index(all.into()))]);
    assert!(err.contains("gone.safetensors") && err.contains("missing"), "{err}");
    let err = load_err(&json, &[]);
    assert!(err.contains("model.safetensors") && err.contains("model.safetensors.index.json"), "{err}");
}

#[test]
fn a_wrong_shape_or_dtype_is_reported_with_both_sides() {
    let (json, ck) = tiny_llama_files();
    let wider = json.replace("\"intermediate_size\": 40", "\"intermediate_size\": 44");
    let err = load_err(&wider, &[("model.safetensors", ck.bytes())]);
    assert!(err.contains("has shape [40, 32], expected [44, 32]"), "{err}");

    // One tensor stored as integers.
    let mut encoded: Vec<(String, Vec<usize>, Vec<u8>)> = ck
        .tensors
        .iter()
        .map(|(n, s, v)| (n.clone(), s.clone(), v.iter().flat_map(|x| x.to_le_bytes()).collect()))
        .collect();
    let dtypes: Vec<Dtype> =
        encoded.iter().map(|(n, _, _)| if n == "model.norm.weight" { Dtype::I32 } else { Dtype::F32 }).collect();
    let views: Vec<(String, TensorView<'_>)> = encoded
        .iter_mut()
        .zip(dtypes)
        .map(|((n, s, b), dtype)| (n.clone(), TensorView::new(dtype, s.clone(), b).unwrap()))
        .collect();
    let bytes = safetensors::serialize(views, None).unwrap();
    let err = load_err(&json, &[("model.safetensors", bytes)]);
    assert!(err.contains("`model.norm.weight`") && err.contains("I32"), "{err}");
}

#[test]
fn truncated_files_and_lying_headers_fail_cleanly() {
    let (json, ck) = tiny_llama_files();
    let bytes = ck.bytes();
    let expect = |bytes: Vec<u8>, words: &[&str]| {
        let err = load_err(&json, &[("model.safetensors", bytes)]);
        assert!(words.iter().all(|w| err.contains(w)), "{err}");
    };
    // Cut inside the tensor data.
    expect(bytes[..bytes.len() - 100].to_vec(), &["model.safetensors", "truncated"]);
    // Cut inside the header, and shorter than the length prefix.
    expect(bytes[..40].to_vec(), &["header claims", "truncated"]);
    expect(bytes[..5].to_vec(), &["too few", "truncated"]);
    // A header length of 1 TB in a file of a few kilobytes: refused without allocating it.
    let mut huge = bytes.clone();
    huge[..8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    expect(huge, &["header claims to be 1099511627776 bytes"]);
    // A header whose offsets run past the end of the data.
    let header = r#"{"model.norm.weight":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,4000000000]}}"#;
    let mut lying = (header.len() as u64).to_le_bytes().to_vec();
    lying.extend_from_slice(header.as_bytes());
    lying.extend_from_slice(&[0; 64]);
    expect(lying, &["do not cover", "truncated"]);
    // Offsets that disagree with shape and dtype.
    let header = r#"{"model.norm.weight":{"dtype":"F32","shape":[1000000],"data_offsets":[0,64]}}"#;
    let mut lying = (header.len() as u64).to_le_bytes().to_vec();
    lying.extend_from_slice(header.as_bytes());
    lying.extend_from_slice(&[0; 64]);
    expect(lying, &["does not match its shape and dtype"]);
}

// ---------------------------------------------------------------------------------------------
// PEFT adapters

fn tensor_of(bytes: &[u8], name: &str) -> (Vec<usize>, Vec<f32>) {
    let file = safetensors::SafeTensors::deserialize(bytes).unwrap();
    let view = file.tensor(name).unwrap_or_else(|_| panic!("no {name}"));
    let values = view.data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    (view.shape().to_vec(), values)
}

/// Exports, checks the files, imports onto the base and checks outputs and merged weights.
/// `modules` lists (PEFT module path, the projections it covers in output order).
fn peft_round_trip(base: &Model, lora: &LoraConfig, modules: &[(&str, &[LoraTarget])]) -> serde_json::Value {
    let adapted = randomise_adapters(base.clone().with_lora(lora, 11), 12);
    let seqs = sequences(base.config.vocab_size);
    let expected = our_logits(&adapted, &seqs);
    let (json, bytes) = pollster::block_on(adapted.adapter_to_peft(lora, "tiny")).unwrap();
    let (imported, _) = base.clone().with_peft_adapter(&json, &bytes).unwrap();
    for (e, got) in expected.iter().zip(our_logits(&imported, &seqs)) {
        assert!(max_abs_diff(e, &got) < 1e-5 * max_abs(e).max(1.0), "the imported adapter changed the outputs");
    }
    let config: serde_json::Value = serde_json::from_str(&json).unwrap();
    // Merged weight = base + (alpha/r)·(B·A)ᵀ in our [in, out] layout, with PEFT's alpha and r
    // for the module (its rank_pattern / alpha_pattern when present).
    let merged = imported.merge_lora();
    for (path, covers) in modules {
        let key = path.rsplit('.').next().unwrap();
        let pattern_key = if path.contains("attn.c_proj") {
            "attn.c_proj"
        } else if path.contains("mlp.c_proj") {
            "mlp.c_proj"
        } else {
            key
        };
        let r =
            config["rank_pattern"].get(pattern_key).and_then(|v| v.as_u64()).unwrap_or(config["r"].as_u64().unwrap())
                as usize;
        let alpha = config["alpha_pattern"]
            .get(pattern_key)
            .and_then(|v| v.as_f64())
            .unwrap_or(config["lora_alpha"].as_f64().unwrap());
        let (a_shape, a) = tensor_of(&bytes, &format!("base_model.model.{path}.lora_A.weight"));
        let (b_shape, b) = tensor_of(&bytes, &format!("base_model.model.{path}.lora_B.weight"));
        assert_eq!((a_shape[0], b_shape[1]), (r, r), "{path}: rank");
        let d_in = a_shape[1];
        let layer: usize = path.split('.').find_map(|p| p.parse().ok()).unwrap();
        let mut row = 0;
        for &target in *covers {
            let before = values(base.layers[layer].projection(target).unwrap().weight.val());
            let after = values(merged.layers[layer].projection(target).unwrap().weight.val());
            let d_out = before.len() / d_in;
            for i in 0..d_in {
                for o in 0..d_out {
                    let delta: f64 = (0..r).map(|k| a[k * d_in + i] as f64 * b[(row + o) * r + k] as f64).sum();
                    let want = before[i * d_out + o] as f64 + alpha / r as f64 * delta;
                    assert!((after[i * d_out + o] as f64 - want).abs() < 1e-5, "{path} {target:?}: merged weight");
                }
            }
            row += d_out;
        }
        assert_eq!(row, b_shape[0], "{path}: lora_B rows cover the module's outputs");
    }
    config
}

#[test]
fn gpt2_adapters_export_as_peft_fused_c_attn_and_import_back() {
    use LoraTarget::*;
    let ck = gpt2_checkpoint(&GPT2, "transformer.", Precision::F32, 8);
    let base = load(&gpt2_json(&GPT2), &[("model.safetensors", ck.bytes())]);
    let lora = LoraConfig::new(2, 6.0, &[Q, K, V, O, Up, Down]);
    let config = peft_round_trip(
        &base,
        &lora,
        &[
            ("transformer.h.1.attn.c_attn", &[Q, K, V]),
            ("transformer.h.0.attn.c_proj", &[O]),
            ("transformer.h.0.mlp.c_fc", &[Up]),
            ("transformer.h.1.mlp.c_proj", &[Down]),
        ],
    );
    assert_eq!(config["target_modules"], serde_json::json!(["c_attn", "attn.c_proj", "c_fc", "mlp.c_proj"]));
    // Three rank-2 adapters fuse into one of rank 6 with alpha scaled alike: alpha/r stays 3.
    assert_eq!(config["rank_pattern"], serde_json::json!({"c_attn": 6}));
    assert_eq!(config["alpha_pattern"], serde_json::json!({"c_attn": 18.0}));
    assert_eq!(config["fan_in_fan_out"], serde_json::json!(true));

    // Only q and v adapted: k's rows of the fused B stay zero.
    let config =
        peft_round_trip(&base, &LoraConfig::new(3, 3.0, &[Q, V]), &[("transformer.h.0.attn.c_attn", &[Q, K, V])]);
    assert_eq!(config["target_modules"], serde_json::json!(["c_attn"]));
    assert_eq!(config["rank_pattern"], serde_json::json!({"c_attn": 6}));
}

#[test]
fn a_peft_gpt2_adapter_as_peft_writes_it_imports() {
    // What PEFT saves for GPT-2 with target_modules ["c_attn"], r = 2: lora_A [2, 16] and
    // lora_B [48, 2] per layer, no patterns.
    let ck = gpt2_checkpoint(&GPT2, "", Precision::F32, 9);
    let base = load(&gpt2_json(&GPT2), &[("model.safetensors", ck.bytes())]);
    let mut adapter = Checkpoint::new(Precision::F32, 10);
    for i in 0..GPT2.layers {
        let p = format!("base_model.model.transformer.h.{i}.attn.c_attn");
        adapter.add(&format!("{p}.lora_A.weight"), &[2, GPT2.embd], 0.0, 0.3);
        adapter.add(&format!("{p}.lora_B.weight"), &[3 * GPT2.embd, 2], 0.0, 0.3);
    }
    let json = r#"{"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 2, "lora_alpha": 8, "lora_dropout": 0.05,
        "target_modules": ["c_attn"], "fan_in_fan_out": true, "bias": "none", "rank_pattern": {}, "alpha_pattern": {}}"#;
    let (model, lora) = base.clone().with_peft_adapter(json, &adapter.bytes()).unwrap();
    assert_eq!(lora.targets, vec![LoraTarget::Q, LoraTarget::K, LoraTarget::V]);
    // Against the reference with the merged Conv1D weight W + 4·(B·A)ᵀ.
    let mut merged = gpt2_checkpoint(&GPT2, "", Precision::F32, 9);
    let e = GPT2.embd;
    for i in 0..GPT2.layers {
        let p = format!("base_model.model.transformer.h.{i}.attn.c_attn");
        let (a, b) =
            (adapter.get(&format!("{p}.lora_A.weight")).to_vec(), adapter.get(&format!("{p}.lora_B.weight")).to_vec());
        let w = &mut merged.tensors.iter_mut().find(|(n, _, _)| *n == format!("h.{i}.attn.c_attn.weight")).unwrap().2;
        for row in 0..e {
            for col in 0..3 * e {
                w[row * 3 * e + col] += 4.0 * (0..2).map(|k| a[k * e + row] * b[col * 2 + k]).sum::<f32>();
            }
        }
    }
    let seqs = sequences(GPT2.vocab);
    for (seq, ours) in seqs.iter().zip(our_logits(&model, &seqs)) {
        assert_close(&ours, &gpt2_reference(&merged, "", &GPT2, seq), "gpt2 with a PEFT adapter");
    }
}

#[test]
fn llama_adapters_round_trip_through_peft() {
    use LoraTarget::*;
    let dims = gqa_llama();
    let ck = llama_checkpoint(&dims, Precision::F32, 13);
    let base = load(&llama_json(&dims, ""), &[("model.safetensors", ck.bytes())]);
    let config = peft_round_trip(
        &base,
        &LoraConfig::new(4, 8.0, &LoraTarget::ALL),
        &[
            ("model.layers.0.self_attn.q_proj", &[Q]),
            ("model.layers.1.self_attn.k_proj", &[K]),
            ("model.layers.0.self_attn.o_proj", &[O]),
            ("model.layers.1.mlp.gate_proj", &[Gate]),
            ("model.layers.0.mlp.down_proj", &[Down]),
        ],
    );
    assert_eq!(config["fan_in_fan_out"], serde_json::json!(false));
    assert_eq!(config["rank_pattern"], serde_json::json!({}));
}
