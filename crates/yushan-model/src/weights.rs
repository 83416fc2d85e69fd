//! Model weights and LoRA adapters as safetensors, with Hugging Face names.
//!
//! Projections are stored as Hugging Face writes `nn.Linear` weights, [out, in]; in memory we
//! keep [in, out] so the forward pass is a plain `x · W`. Adapters use PEFT's names and shapes
//! (`…q_proj.lora_A.weight` [r, in], `…lora_B.weight` [out, r]).

use std::collections::{BTreeMap, HashMap};

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde_json::json;

use crate::dense::Dense;
use crate::lora::{LoraAdapter, LoraConfig, LoraTarget};
use crate::model::Model;
use crate::norm::Norm;
use crate::{ModelConfig, ModelError};

const PEFT_PREFIX: &str = "base_model.model.";

/// A named parameter of the model, as stored on disk.
enum Slot<'a> {
    /// Stored as is.
    Plain2(&'a mut Param<Tensor<2>>),
    Plain1(&'a mut Param<Tensor<1>>),
    /// A projection: transposed between memory [in, out] and disk [out, in].
    Linear(&'a mut Param<Tensor<2>>),
}

fn dense_slots<'a>(prefix: &str, dense: &'a mut Dense, out: &mut Vec<(String, Slot<'a>)>) {
    out.push((format!("{prefix}.weight"), Slot::Linear(&mut dense.weight)));
    if let Some(bias) = dense.bias.as_mut() {
        out.push((format!("{prefix}.bias"), Slot::Plain1(bias)));
    }
}

fn norm_slots<'a>(prefix: &str, norm: &'a mut Norm, out: &mut Vec<(String, Slot<'a>)>) {
    out.push((format!("{prefix}.weight"), Slot::Plain1(&mut norm.weight)));
    if let Some(bias) = norm.bias.as_mut() {
        out.push((format!("{prefix}.bias"), Slot::Plain1(bias)));
    }
}

fn model_slots(model: &mut Model) -> Vec<(String, Slot<'_>)> {
    let mut out = Vec::new();
    out.push(("model.embed_tokens.weight".to_string(), Slot::Plain2(&mut model.embed_tokens)));
    if let Some(pos) = model.embed_positions.as_mut() {
        out.push(("model.embed_positions.weight".to_string(), Slot::Plain2(pos)));
    }
    for (i, layer) in model.layers.iter_mut().enumerate() {
        let p = format!("model.layers.{i}");
        norm_slots(&format!("{p}.input_layernorm"), &mut layer.input_norm, &mut out);
        let attn = &mut layer.attention;
        dense_slots(&format!("{p}.self_attn.q_proj"), &mut attn.q_proj, &mut out);
        dense_slots(&format!("{p}.self_attn.k_proj"), &mut attn.k_proj, &mut out);
        dense_slots(&format!("{p}.self_attn.v_proj"), &mut attn.v_proj, &mut out);
        dense_slots(&format!("{p}.self_attn.o_proj"), &mut attn.o_proj, &mut out);
        norm_slots(&format!("{p}.post_attention_layernorm"), &mut layer.post_attention_norm, &mut out);
        let mlp = &mut layer.mlp;
        if let Some(gate) = mlp.gate_proj.as_mut() {
            dense_slots(&format!("{p}.mlp.gate_proj"), gate, &mut out);
        }
        dense_slots(&format!("{p}.mlp.up_proj"), &mut mlp.up_proj, &mut out);
        dense_slots(&format!("{p}.mlp.down_proj"), &mut mlp.down_proj, &mut out);
    }
    norm_slots("model.norm", &mut model.norm, &mut out);
    if let Some(head) = model.lm_head.as_mut() {
        out.push(("lm_head.weight".to_string(), Slot::Linear(&mut head.weight)));
    }
    out
}

/// Hugging Face module path of a projection (`model.layers.3.self_attn.q_proj`).
pub fn projection_path(layer: usize, target: LoraTarget) -> String {
    let group = match target {
        LoraTarget::Q | LoraTarget::K | LoraTarget::V | LoraTarget::O => "self_attn",
        LoraTarget::Gate | LoraTarget::Up | LoraTarget::Down => "mlp",
    };
    format!("model.layers.{layer}.{group}.{}", target.module_name())
}

/// f32 bytes of a tensor, read back without blocking (a requirement on wasm).
async fn read_f32<const D: usize>(tensor: Tensor<D>) -> Result<(Vec<usize>, Vec<u8>), ModelError> {
    let shape = tensor.dims().to_vec();
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| ModelError::Weights(format!("reading a tensor back from the device: {e:?}")))?;
    let values = data
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| ModelError::Weights(format!("{e:?}")))?;
    Ok((shape, values.iter().flat_map(|v| v.to_le_bytes()).collect()))
}

fn serialize(tensors: Vec<(String, Vec<usize>, Vec<u8>)>, metadata: HashMap<String, String>) -> Result<Vec<u8>, ModelError> {
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .map(|(name, shape, bytes)| {
            let view = TensorView::new(Dtype::F32, shape.clone(), bytes).expect("consistent tensor view");
            (name.clone(), view)
        })
        .collect();
    safetensors::serialize(views, Some(metadata)).map_err(|e| ModelError::Weights(format!("{e}")))
}

/// Reads one tensor as f32 (from f32, f16 or bf16), checking its shape.
fn read_tensor(file: &SafeTensors<'_>, name: &str, expected: &[usize], source: &str) -> Result<Vec<f32>, ModelError> {
    let view = file
        .tensor(name)
        .map_err(|_| ModelError::Weights(format!("{source}: missing tensor `{name}` (expected shape {expected:?})")))?;
    if view.shape() != expected {
        return Err(ModelError::Weights(format!(
            "{source}: tensor `{name}` has shape {:?}, expected {expected:?}",
            view.shape()
        )));
    }
    let bytes = view.data();
    let values = match view.dtype() {
        Dtype::F32 => bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
        Dtype::F16 => bytes.chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
        Dtype::BF16 => bytes.chunks_exact(2).map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
        other => {
            return Err(ModelError::Weights(format!(
                "{source}: tensor `{name}` has dtype {other:?}; expected F32, F16 or BF16"
            )));
        }
    };
    Ok(values)
}

fn parse<'a>(bytes: &'a [u8], source: &str) -> Result<SafeTensors<'a>, ModelError> {
    SafeTensors::deserialize(bytes).map_err(|e| ModelError::Weights(format!("{source}: not a valid safetensors file: {e}")))
}

impl Model {
    /// The base weights (adapters excluded) as a safetensors file.
    pub async fn to_safetensors(&self) -> Result<Vec<u8>, ModelError> {
        let mut model = self.clone();
        let mut tensors = Vec::new();
        for (name, slot) in model_slots(&mut model) {
            let (shape, bytes) = match slot {
                Slot::Plain2(p) => read_f32(p.val()).await?,
                Slot::Plain1(p) => read_f32(p.val()).await?,
                Slot::Linear(p) => read_f32(p.val().transpose()).await?,
            };
            tensors.push((name, shape, bytes));
        }
        let mut metadata = HashMap::new();
        metadata.insert("format".to_string(), "pt".to_string());
        serialize(tensors, metadata)
    }

    /// Builds a model from its config and a safetensors file written with our names.
    pub fn from_safetensors(config: &ModelConfig, bytes: &[u8], device: &Device) -> Result<Self, ModelError> {
        config.validate()?;
        let file = parse(bytes, "model.safetensors")?;
        let mut model = Model::init(config, 0, device);
        for (name, slot) in model_slots(&mut model) {
            match slot {
                Slot::Plain2(p) => {
                    let shape = p.dims();
                    let values = read_tensor(&file, &name, &shape, "model.safetensors")?;
                    *p = Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device));
                }
                Slot::Plain1(p) => {
                    let shape = p.dims();
                    let values = read_tensor(&file, &name, &shape, "model.safetensors")?;
                    *p = Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device));
                }
                Slot::Linear(p) => {
                    let [d_in, d_out] = p.dims();
                    let values = read_tensor(&file, &name, &[d_out, d_in], "model.safetensors")?;
                    let t: Tensor<2> = Tensor::from_data(TensorData::new(values, [d_out, d_in]), device);
                    *p = Param::from_tensor(t.transpose());
                }
            }
        }
        Ok(model)
    }

    /// The adapter in PEFT's layout: (`adapter_config.json`, `adapter_model.safetensors`).
    pub async fn adapter_to_peft(&self, lora: &LoraConfig, base_model: &str) -> Result<(String, Vec<u8>), ModelError> {
        let mut tensors = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            for target in LoraTarget::ALL {
                let Some(adapter) = layer.projection(target).and_then(|d| d.lora.as_ref()) else {
                    continue;
                };
                let path = format!("{PEFT_PREFIX}{}", projection_path(i, target));
                let (shape, bytes) = read_f32(adapter.a.val().transpose()).await?;
                tensors.push((format!("{path}.lora_A.weight"), shape, bytes));
                let (shape, bytes) = read_f32(adapter.b.val().transpose()).await?;
                tensors.push((format!("{path}.lora_B.weight"), shape, bytes));
            }
        }
        if tensors.is_empty() {
            return Err(ModelError::Weights("the model has no LoRA adapter to export".into()));
        }
        let targets: Vec<&str> = lora.targets.iter().map(|t| t.module_name()).collect();
        let config = json!({
            "peft_type": "LORA",
            "task_type": "CAUSAL_LM",
            "r": lora.rank,
            "lora_alpha": lora.alpha,
            "lora_dropout": lora.dropout,
            "target_modules": targets,
            "base_model_name_or_path": base_model,
            "bias": "none",
            "fan_in_fan_out": false,
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
        let lora = parse_peft_config(config_json)?;
        let file = parse(bytes, "adapter_model.safetensors")?;
        let device = self.device();
        self = self.without_lora();
        for (i, layer) in self.layers.iter_mut().enumerate() {
            for &target in &lora.targets {
                let Some(dense) = layer.projection_mut(target) else {
                    return Err(ModelError::Weights(format!(
                        "adapter_config.json: target_modules names `{}`, which this architecture does not have",
                        target.module_name()
                    )));
                };
                let path = format!("{PEFT_PREFIX}{}", projection_path(i, target));
                let (d_in, d_out, r) = (dense.d_in(), dense.d_out(), lora.rank);
                let source = "adapter_model.safetensors";
                let a = read_tensor(&file, &format!("{path}.lora_A.weight"), &[r, d_in], source)?;
                let b = read_tensor(&file, &format!("{path}.lora_B.weight"), &[d_out, r], source)?;
                let a: Tensor<2> = Tensor::from_data(TensorData::new(a, [r, d_in]), &device);
                let b: Tensor<2> = Tensor::from_data(TensorData::new(b, [d_out, r]), &device);
                dense.lora = Some(LoraAdapter::from_factors(a.transpose(), b.transpose(), &lora));
            }
        }
        Ok((self, lora))
    }
}

/// Reads the fields of a PEFT `adapter_config.json` that we honour, rejecting what we cannot.
pub fn parse_peft_config(text: &str) -> Result<LoraConfig, ModelError> {
    let err = |m: String| ModelError::Weights(format!("adapter_config.json: {m}"));
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
    let field = |name: &str| value.get(name).ok_or_else(|| err(format!("missing field `{name}`")));
    if let Some(kind) = value.get("peft_type").and_then(|v| v.as_str())
        && kind != "LORA"
    {
        return Err(err(format!("peft_type is {kind}; only LORA adapters are supported")));
    }
    let rank = field("r")?.as_u64().ok_or_else(|| err("`r` must be a positive integer".into()))? as usize;
    let alpha = field("lora_alpha")?.as_f64().ok_or_else(|| err("`lora_alpha` must be a number".into()))?;
    let dropout = value.get("lora_dropout").and_then(|v| v.as_f64()).unwrap_or(0.0);
    let modules = field("target_modules")?;
    let names: Vec<&str> = match modules {
        serde_json::Value::Array(items) => items.iter().filter_map(|v| v.as_str()).collect(),
        serde_json::Value::String(s) => vec![s.as_str()],
        _ => return Err(err("`target_modules` must be a list of module names".into())),
    };
    let mut targets = Vec::new();
    for name in names {
        let target = LoraTarget::parse(name).ok_or_else(|| err(format!("unknown target module `{name}`")))?;
        targets.push(target);
    }
    if rank == 0 || targets.is_empty() {
        return Err(err("`r` must be positive and `target_modules` non-empty".into()));
    }
    Ok(LoraConfig { rank, alpha, dropout, targets })
}

/// Names and shapes of every tensor in a safetensors file (for error messages and tools).
pub fn describe(bytes: &[u8]) -> Result<BTreeMap<String, Vec<usize>>, ModelError> {
    let file = parse(bytes, "safetensors")?;
    Ok(file.tensors().into_iter().map(|(n, v)| (n, v.shape().to_vec())).collect())
}
