//! LoRA adapters in PEFT's layout (`adapter_config.json` + `adapter_model.safetensors`), so an
//! adapter trained here loads in PEFT and one trained in PEFT loads here.
//!
//! PEFT names modules as the Hugging Face model does. For Llama/Qwen that is one module per
//! projection (`…self_attn.q_proj`). GPT-2 fuses q, k and v into one Conv1D, `c_attn`, so its
//! adapter is one LoRA over [q | k | v]: separate q/k/v adapters of rank r export exactly as one
//! of rank 3r (A stacked, B block-diagonal, alpha scaled so alpha/r is unchanged), and a fused
//! adapter imports as q/k/v adapters sharing A with B split by output rows. PEFT stores lora_A
//! [r, in] and lora_B [out, r] for Conv1D as for Linear (it reads in/out from Conv1D's
//! [in, out] weight), so only `fan_in_fan_out` (how the base weight is stored) differs.

use std::collections::{BTreeMap, HashMap};

use burn::tensor::{Tensor, TensorData};
use serde_json::json;

use crate::ModelError;
use crate::config::ModelConfig;
use crate::io::checkpoint::{parse, read_tensor, transposed};
use crate::io::peft_targets::{Naming, PeftModule, Selection, TargetModules, modules};
use crate::io::weights::{read_values, serialize};
use crate::layers::lora::{LoraAdapter, LoraConfig};
use crate::model::Model;

const PEFT_PREFIX: &str = "base_model.model.";
const ADAPTER_FILE: &str = "adapter_model.safetensors";

/// The adapter settings we honour from an `adapter_config.json`.
struct PeftConfig {
    lora: LoraConfig,
    selection: Selection,
    rank_pattern: BTreeMap<String, usize>,
    alpha_pattern: BTreeMap<String, f64>,
    rslora: bool,
}

impl PeftConfig {
    /// A per-module override: PEFT matches a pattern key against the end of the module path.
    fn lookup<T: Copy>(pattern: &BTreeMap<String, T>, path: &str) -> Option<T> {
        pattern.iter().find(|(key, _)| path == key.as_str() || path.ends_with(&format!(".{key}"))).map(|(_, &v)| v)
    }

    fn rank(&self, path: &str) -> usize {
        Self::lookup(&self.rank_pattern, path).unwrap_or(self.lora.rank)
    }

    fn scale(&self, path: &str) -> f64 {
        let alpha = Self::lookup(&self.alpha_pattern, path).unwrap_or(self.lora.alpha);
        let rank = self.rank(path) as f64;
        if self.rslora { alpha / rank.sqrt() } else { alpha / rank }
    }
}

fn parse_config(text: &str, model: &ModelConfig) -> Result<PeftConfig, ModelError> {
    let err = |m: String| ModelError::Weights(format!("adapter_config.json: {m}"));
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
    let field = |name: &str| value.get(name).ok_or_else(|| err(format!("missing field `{name}`")));
    if let Some(kind) = value.get("peft_type").and_then(|v| v.as_str())
        && kind != "LORA"
    {
        return Err(err(format!("peft_type is {kind}; only LORA adapters are supported")));
    }
    if value.get("use_dora").and_then(|v| v.as_bool()) == Some(true) {
        return Err(err("use_dora is true; DoRA adapters are not supported".into()));
    }
    let rank = field("r")?.as_u64().ok_or_else(|| err("`r` must be a positive integer".into()))? as usize;
    let alpha = field("lora_alpha")?.as_f64().ok_or_else(|| err("`lora_alpha` must be a number".into()))?;
    let dropout = value.get("lora_dropout").and_then(|v| v.as_f64()).unwrap_or(0.0);
    if rank == 0 {
        return Err(err("`r` must be positive".into()));
    }
    let selection = TargetModules::parse(&value).and_then(|t| t.resolve(model)).map_err(err)?;
    let pattern = |name: &str| -> Result<BTreeMap<String, f64>, ModelError> {
        match value.get(name) {
            None | Some(serde_json::Value::Null) => Ok(BTreeMap::new()),
            Some(serde_json::Value::Object(map)) => map
                .iter()
                .map(|(k, v)| Ok((k.clone(), v.as_f64().ok_or_else(|| err(format!("`{name}.{k}` must be a number")))?)))
                .collect(),
            Some(_) => Err(err(format!("`{name}` must be an object"))),
        }
    };
    let rank_pattern = pattern("rank_pattern")?
        .into_iter()
        .map(|(k, v)| {
            if v >= 1.0 && v.fract() == 0.0 {
                Ok((k, v as usize))
            } else {
                Err(err(format!("rank_pattern `{k}` must be a positive integer")))
            }
        })
        .collect::<Result<_, _>>()?;
    let lora = LoraConfig { rank, alpha, dropout, targets: selection.targets.clone() };
    lora.check().map_err(err)?;
    Ok(PeftConfig {
        lora,
        selection,
        rank_pattern,
        alpha_pattern: pattern("alpha_pattern")?,
        rslora: value.get("use_rslora").and_then(|v| v.as_bool()) == Some(true),
    })
}

/// Reads the fields of a PEFT `adapter_config.json` that we honour for a model of `model`,
/// rejecting what we cannot. GPT-2's module names map onto our projections (`c_attn` → q, k, v).
pub fn parse_peft_config(text: &str, model: &ModelConfig) -> Result<LoraConfig, ModelError> {
    parse_config(text, model).map(|c| c.lora)
}

impl Model {
    /// The adapter in PEFT's layout: (`adapter_config.json`, `adapter_model.safetensors`).
    pub async fn adapter_to_peft(&self, lora: &LoraConfig, base_model: &str) -> Result<(String, Vec<u8>), ModelError> {
        let naming = Naming::of(&self.config);
        let mut tensors = Vec::new();
        let mut target_names: Vec<&str> = Vec::new();
        // Rank and alpha of fused modules, whose rank differs from `r`.
        let mut patterns: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
        for (i, layer) in self.layers.iter().enumerate() {
            for module in modules(&self.config, naming, i) {
                let (a, b, scale) = fuse(layer, &module).await?;
                let Some((a_shape, b_shape)) = a.as_ref().zip(b.as_ref()).map(|(a, b)| (a.0.clone(), b.0.clone()))
                else {
                    continue;
                };
                let rank = a_shape[0];
                if !target_names.contains(&module.target_name) {
                    target_names.push(module.target_name);
                }
                if rank != lora.rank || (scale - lora.scaling()).abs() > 1e-12 * scale.abs().max(1.0) {
                    let alpha = scale * rank as f64;
                    match patterns.insert(module.target_name, (rank, alpha)) {
                        Some(before) if before != (rank, alpha) => {
                            return Err(ModelError::Weights(format!(
                                "adapters on `{}` differ in rank or scale between layers; PEFT cannot store them",
                                module.target_name
                            )));
                        }
                        _ => {}
                    }
                }
                let path = format!("{PEFT_PREFIX}{}", module.path);
                let (a, b) = (a.expect("present").1, b.expect("present").1);
                tensors.push((format!("{path}.lora_A.weight"), a_shape, to_bytes(&a)));
                tensors.push((format!("{path}.lora_B.weight"), b_shape, to_bytes(&b)));
            }
        }
        if tensors.is_empty() {
            return Err(ModelError::Weights("the model has no LoRA adapter to export".into()));
        }
        let rank_pattern: BTreeMap<&str, usize> = patterns.iter().map(|(k, v)| (*k, v.0)).collect();
        let alpha_pattern: BTreeMap<&str, f64> = patterns.iter().map(|(k, v)| (*k, v.1)).collect();
        let config = json!({
            "peft_type": "LORA",
            "task_type": "CAUSAL_LM",
            "r": lora.rank,
            "lora_alpha": lora.alpha,
            "lora_dropout": lora.dropout,
            "target_modules": target_names,
            "rank_pattern": rank_pattern,
            "alpha_pattern": alpha_pattern,
            "base_model_name_or_path": base_model,
            "bias": "none",
            // GPT-2's Conv1D stores its weight [in, out]; PEFT sets this for it (merging only).
            "fan_in_fan_out": naming == Naming::Gpt2,
            "inference_mode": true,
            "init_lora_weights": true,
            "modules_to_save": null,
            "use_rslora": false,
            "use_dora": false,
        });
        let mut metadata = HashMap::new();
        metadata.insert("format".to_string(), "pt".to_string());
        Ok((serde_json::to_string_pretty(&config).expect("json"), serialize(tensors, metadata)?))
    }

    /// Attaches an adapter saved in PEFT's layout, replacing any adapter the model had.
    pub fn with_peft_adapter(mut self, config_json: &str, bytes: &[u8]) -> Result<(Self, LoraConfig), ModelError> {
        let peft = parse_config(config_json, &self.config)?;
        let file = parse(bytes, ADAPTER_FILE)?;
        let device = self.device();
        self = self.without_lora();
        for i in 0..self.layers.len() {
            for module in modules(&self.config, peft.selection.naming, i) {
                if !peft.selection.modules.contains(&module.target_name) {
                    continue;
                }
                let layer = &mut self.layers[i];
                let d_in = layer.projection(module.covers[0]).expect("covered projection").d_in();
                let outs: Vec<usize> =
                    module.covers.iter().map(|&t| layer.projection(t).expect("covered projection").d_out()).collect();
                let d_out: usize = outs.iter().sum();
                let rank = peft.rank(&module.path);
                let path = format!("{PEFT_PREFIX}{}", module.path);
                let a = read_tensor(&file, &format!("{path}.lora_A.weight"), &[rank, d_in], ADAPTER_FILE)?;
                let b = read_tensor(&file, &format!("{path}.lora_B.weight"), &[d_out, rank], ADAPTER_FILE)?;
                // Ours are A [in, r] and B [r, out]: PEFT's transposed (on the host, see `transposed`).
                let a = TensorData::new(transposed(&a, rank, d_in), [d_in, rank]);
                let mut offset = 0;
                for (&target, &out) in module.covers.iter().zip(&outs) {
                    if peft.lora.targets.contains(&target) {
                        let b_rows = &b[offset * rank..(offset + out) * rank];
                        let b_rows = TensorData::new(transposed(b_rows, out, rank), [rank, out]);
                        let mut adapter = LoraAdapter::from_factors(
                            Tensor::from_data(a.clone(), &device),
                            Tensor::from_data(b_rows, &device),
                            &peft.lora,
                        );
                        adapter.scale = peft.scale(&module.path);
                        layer.projection_mut(target).expect("covered projection").lora = Some(adapter);
                    }
                    offset += out;
                }
            }
        }
        Ok((self, peft.lora))
    }
}

type Matrix = (Vec<usize>, Vec<f32>);

/// PEFT's (lora_A [R, in], lora_B [out, R], scale) for one module from the adapters on the
/// projections it covers; `None`s when none of them has an adapter. Several adapters fuse as
/// A stacked by rows and B block-diagonal, rescaled to the first adapter's scale.
async fn fuse(
    layer: &crate::model::Block,
    module: &PeftModule,
) -> Result<(Option<Matrix>, Option<Matrix>, f64), ModelError> {
    let mut parts = Vec::new();
    let mut d_out = 0;
    for &target in &module.covers {
        let dense = layer.projection(target).expect("covered projection");
        if let Some(adapter) = &dense.lora {
            let (_, a) = read_values(adapter.a.val().transpose()).await?;
            let (_, b) = read_values(adapter.b.val().transpose()).await?;
            parts.push((d_out, adapter.rank(), dense.d_in(), dense.d_out(), adapter.scale, a, b));
        }
        d_out += dense.d_out();
    }
    let Some(&(_, _, d_in, _, scale, _, _)) = parts.first() else {
        return Ok((None, None, 0.0));
    };
    let rank: usize = parts.iter().map(|p| p.1).sum();
    let mut a_all = Vec::with_capacity(rank * d_in);
    let mut b_all = vec![0f32; d_out * rank];
    let mut col = 0;
    for (row, r, _, out, part_scale, a, b) in parts {
        a_all.extend_from_slice(&a);
        let factor = (part_scale / scale) as f32;
        for i in 0..out {
            for j in 0..r {
                b_all[(row + i) * rank + col + j] = b[i * r + j] * factor;
            }
        }
        col += r;
    }
    Ok((Some((vec![rank, d_in], a_all)), Some((vec![d_out, rank], b_all)), scale))
}

fn to_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}
