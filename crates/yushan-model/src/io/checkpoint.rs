//! Reading model weights from safetensors checkpoints: one `model.safetensors`, or the shards
//! that `model.safetensors.index.json` lists. Tensor names are ours or Hugging Face's (for
//! Llama/Qwen they are the same; GPT-2's differ, see [`Layout`]).
//!
//! Nothing here touches a file system: the caller hands over each file's bytes by name, so the
//! page can pass browser `File`s and the CLI a folder on disk.

use std::collections::{BTreeMap, HashSet};

use burn::module::Param;
use burn::tensor::{DType, Device, FloatDType, Tensor, TensorData};
use safetensors::{Dtype, SafeTensorError, SafeTensors};

use crate::config::Architecture;
use crate::layers::dense::Dense;
use crate::layers::norm::Norm;
use crate::model::Model;
use crate::{ModelConfig, ModelError};

/// The weights of an unsharded checkpoint.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// The index of a sharded checkpoint: which shard holds each tensor.
pub const INDEX_FILE: &str = "model.safetensors.index.json";

/// How the tensors of a checkpoint are named and laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Our names (`model.embed_tokens.weight`, `model.layers.N.self_attn.q_proj.weight`), which
    /// are Hugging Face's for Llama, Qwen2 and Qwen3.
    Yushan,
    /// Hugging Face's GPT-2 (`transformer.h.N.attn.c_attn.weight`): Conv1D weights stored
    /// [in, out], q/k/v fused into `c_attn`. The original `gpt2` repository has no
    /// `transformer.` prefix.
    Gpt2 { prefixed: bool },
}

impl Layout {
    /// Picks the layout from the tensor names a checkpoint holds.
    pub fn detect<'a>(config: &ModelConfig, mut names: impl Iterator<Item = &'a str>) -> Self {
        if config.architecture != Architecture::Gpt2 {
            return Self::Yushan;
        }
        match names.find(|n| *n == "transformer.wte.weight" || *n == "wte.weight") {
            Some(n) => Self::Gpt2 { prefixed: n.starts_with("transformer.") },
            None => Self::Yushan,
        }
    }
}

/// How one parameter is stored on disk relative to memory.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Transform {
    /// The same layout.
    AsIs,
    /// `nn.Linear`: [out, in] on disk, [in, out] in memory.
    Transpose,
    /// Slice `index` of `parts` equal slices along the last axis (q, k, v of GPT-2's `c_attn`).
    Split { index: usize, parts: usize },
}

pub(crate) enum ParamRef<'a> {
    Matrix(&'a mut Param<Tensor<2>>),
    Vector(&'a mut Param<Tensor<1>>),
}

/// One model parameter and the tensor on disk it comes from.
pub(crate) struct Entry<'a> {
    pub name: String,
    pub transform: Transform,
    pub param: ParamRef<'a>,
}

impl Entry<'_> {
    /// The parameter's shape in memory, read without initialising it.
    pub fn memory_shape(&self) -> Vec<usize> {
        match &self.param {
            ParamRef::Matrix(p) => p.lazy_shape().to_vec(),
            ParamRef::Vector(p) => p.lazy_shape().to_vec(),
        }
    }

    /// The shape the tensor must have in the file.
    pub fn disk_shape(&self) -> Vec<usize> {
        let mut shape = self.memory_shape();
        match self.transform {
            Transform::AsIs => {}
            Transform::Transpose => shape.reverse(),
            Transform::Split { parts, .. } => *shape.last_mut().expect("a tensor has an axis") *= parts,
        }
        shape
    }

    /// Replaces the parameter with `values` read from the file (in the disk layout); a matrix is
    /// uploaded in `matrix_dtype` (converted on the host: the device never holds it as f32).
    fn set(self, values: Vec<f32>, device: &Device, matrix_dtype: FloatDType) {
        let disk = self.disk_shape();
        let values = match self.transform {
            Transform::Split { index, parts } => {
                let last = disk[disk.len() - 1];
                let part = last / parts;
                values.chunks_exact(last).flat_map(|row| &row[index * part..(index + 1) * part]).copied().collect()
            }
            _ => values,
        };
        match self.param {
            ParamRef::Matrix(p) => {
                let on_device = (device, DType::from(matrix_dtype));
                let (values, shape) = match self.transform {
                    Transform::Transpose => (transposed(&values, disk[0], disk[1]), [disk[1], disk[0]]),
                    _ => (values, p.lazy_shape().dims::<2>()),
                };
                *p = Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), on_device));
            }
            ParamRef::Vector(p) => {
                let len = values.len();
                *p = Param::from_tensor(Tensor::from_data(TensorData::new(values, [len]), device));
            }
        }
    }
}

fn dense<'a>(out: &mut Vec<Entry<'a>>, prefix: &str, dense: &'a mut Dense, transform: Transform) {
    out.push(Entry { name: format!("{prefix}.weight"), transform, param: ParamRef::Matrix(&mut dense.weight) });
    if let Some(bias) = dense.bias.as_mut() {
        let transform = match transform {
            Transform::Split { .. } => transform,
            _ => Transform::AsIs,
        };
        out.push(Entry { name: format!("{prefix}.bias"), transform, param: ParamRef::Vector(bias) });
    }
}

/// The untied output head, stored as `nn.Linear` under the same name in every layout.
fn lm_head<'a>(out: &mut Vec<Entry<'a>>, head: Option<&'a mut Dense>) {
    if let Some(head) = head {
        out.push(Entry {
            name: "lm_head.weight".into(),
            transform: Transform::Transpose,
            param: ParamRef::Matrix(&mut head.weight),
        });
    }
}

fn norm<'a>(out: &mut Vec<Entry<'a>>, prefix: &str, norm: &'a mut Norm) {
    out.push(Entry {
        name: format!("{prefix}.weight"),
        transform: Transform::AsIs,
        param: ParamRef::Vector(&mut norm.weight),
    });
    if let Some(bias) = norm.bias.as_mut() {
        out.push(Entry { name: format!("{prefix}.bias"), transform: Transform::AsIs, param: ParamRef::Vector(bias) });
    }
}

/// `values` [rows, cols] transposed to [cols, rows], on the host. Weights are uploaded in the
/// layout the model computes with, as `Model::init` makes them, rather than as transposed views:
/// the CPU's matmul kernels may round a strided operand differently, and a loaded model must
/// compute exactly what the saved one did.
pub(crate) fn transposed(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    (0..cols).flat_map(|c| (0..rows).map(move |r| values[r * cols + c])).collect()
}

/// Every parameter of `model` with the tensor it is stored as in `layout`.
pub(crate) fn entries(model: &mut Model, layout: Layout) -> Vec<Entry<'_>> {
    match layout {
        Layout::Yushan => yushan_entries(model),
        Layout::Gpt2 { prefixed } => gpt2_entries(model, if prefixed { "transformer." } else { "" }),
    }
}

fn yushan_entries(model: &mut Model) -> Vec<Entry<'_>> {
    use Transform::*;
    let mut out = Vec::new();
    let matrix = |name: &str, p| Entry { name: name.to_string(), transform: AsIs, param: ParamRef::Matrix(p) };
    out.push(matrix("model.embed_tokens.weight", &mut model.embed_tokens));
    if let Some(pos) = model.embed_positions.as_mut() {
        out.push(matrix("model.embed_positions.weight", pos));
    }
    for (i, layer) in model.layers.iter_mut().enumerate() {
        let p = format!("model.layers.{i}");
        norm(&mut out, &format!("{p}.input_layernorm"), &mut layer.input_norm);
        let attn = &mut layer.attention;
        dense(&mut out, &format!("{p}.self_attn.q_proj"), &mut attn.q_proj, Transpose);
        dense(&mut out, &format!("{p}.self_attn.k_proj"), &mut attn.k_proj, Transpose);
        dense(&mut out, &format!("{p}.self_attn.v_proj"), &mut attn.v_proj, Transpose);
        dense(&mut out, &format!("{p}.self_attn.o_proj"), &mut attn.o_proj, Transpose);
        if let Some(q_norm) = attn.q_norm.as_mut() {
            norm(&mut out, &format!("{p}.self_attn.q_norm"), q_norm);
        }
        if let Some(k_norm) = attn.k_norm.as_mut() {
            norm(&mut out, &format!("{p}.self_attn.k_norm"), k_norm);
        }
        norm(&mut out, &format!("{p}.post_attention_layernorm"), &mut layer.post_attention_norm);
        let mlp = &mut layer.mlp;
        if let Some(gate) = mlp.gate_proj.as_mut() {
            dense(&mut out, &format!("{p}.mlp.gate_proj"), gate, Transpose);
        }
        dense(&mut out, &format!("{p}.mlp.up_proj"), &mut mlp.up_proj, Transpose);
        dense(&mut out, &format!("{p}.mlp.down_proj"), &mut mlp.down_proj, Transpose);
    }
    norm(&mut out, "model.norm", &mut model.norm);
    lm_head(&mut out, model.lm_head.as_mut());
    out
}

fn gpt2_entries<'a>(model: &'a mut Model, p: &str) -> Vec<Entry<'a>> {
    use Transform::*;
    let mut out = Vec::new();
    out.push(Entry {
        name: format!("{p}wte.weight"),
        transform: AsIs,
        param: ParamRef::Matrix(&mut model.embed_tokens),
    });
    if let Some(pos) = model.embed_positions.as_mut() {
        out.push(Entry { name: format!("{p}wpe.weight"), transform: AsIs, param: ParamRef::Matrix(pos) });
    }
    for (i, layer) in model.layers.iter_mut().enumerate() {
        let h = format!("{p}h.{i}");
        norm(&mut out, &format!("{h}.ln_1"), &mut layer.input_norm);
        let attn = &mut layer.attention;
        // Conv1D keeps [in, out], our memory layout; c_attn is [q | k | v] along `out`.
        for (index, proj) in [&mut attn.q_proj, &mut attn.k_proj, &mut attn.v_proj].into_iter().enumerate() {
            dense(&mut out, &format!("{h}.attn.c_attn"), proj, Split { index, parts: 3 });
        }
        dense(&mut out, &format!("{h}.attn.c_proj"), &mut attn.o_proj, AsIs);
        norm(&mut out, &format!("{h}.ln_2"), &mut layer.post_attention_norm);
        dense(&mut out, &format!("{h}.mlp.c_fc"), &mut layer.mlp.up_proj, AsIs);
        dense(&mut out, &format!("{h}.mlp.c_proj"), &mut layer.mlp.down_proj, AsIs);
    }
    norm(&mut out, &format!("{p}ln_f"), &mut model.norm);
    lm_head(&mut out, model.lm_head.as_mut());
    out
}

/// `model.safetensors.index.json`: the shard file of every tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardIndex {
    pub weight_map: BTreeMap<String, String>,
}

impl ShardIndex {
    pub fn from_json(text: &str) -> Result<Self, ModelError> {
        let err = |m: String| ModelError::Weights(format!("{INDEX_FILE}: {m}"));
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
        let map =
            value.get("weight_map").and_then(|m| m.as_object()).ok_or_else(|| err("no `weight_map` object".into()))?;
        let mut weight_map = BTreeMap::new();
        for (tensor, file) in map {
            let file = file.as_str().ok_or_else(|| err(format!("the shard of `{tensor}` is not a file name")))?;
            weight_map.insert(tensor.clone(), file.to_string());
        }
        Ok(Self { weight_map })
    }

    /// The shard files, each once, in name order.
    pub fn files(&self) -> Vec<&str> {
        let mut files: Vec<&str> = self.weight_map.values().map(String::as_str).collect();
        files.sort_unstable();
        files.dedup();
        files
    }
}

/// Parses a safetensors file, explaining the ways a truncated or corrupt file fails.
pub(crate) fn parse<'a>(bytes: &'a [u8], source: &str) -> Result<SafeTensors<'a>, ModelError> {
    SafeTensors::deserialize(bytes).map_err(|e| {
        let len = bytes.len();
        let header_len = bytes.get(..8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
        let why = match (e, header_len) {
            (SafeTensorError::HeaderTooSmall, _) => {
                format!("the file has {len} bytes, too few for a safetensors header (truncated?)")
            }
            (SafeTensorError::HeaderTooLarge | SafeTensorError::InvalidHeaderLength, Some(n)) => format!(
                "the header claims to be {n} bytes long but the file has only {len} bytes \
                 (truncated, or not a safetensors file)"
            ),
            (SafeTensorError::MetadataIncompleteBuffer, _) => format!(
                "the tensors the header lists do not cover the file's {len} bytes exactly \
                 (the file is truncated or has extra bytes)"
            ),
            (SafeTensorError::InvalidOffset(name), _) => {
                format!("the header gives tensor `{name}` byte offsets that are out of order or beyond its data")
            }
            (SafeTensorError::TensorInvalidInfo, _) => {
                "a tensor's byte range in the header does not match its shape and dtype".into()
            }
            (SafeTensorError::ValidationOverflow, _) => "a tensor's shape in the header is impossibly large".into(),
            (other, _) => other.to_string(),
        };
        ModelError::Weights(format!("{source}: not a valid safetensors file: {why}"))
    })
}

/// Reads one tensor as f32 (from f32, f16, bf16 or f64), checking its shape first so that no
/// memory is spent on a tensor of the wrong size.
pub(crate) fn read_tensor(
    file: &SafeTensors<'_>,
    name: &str,
    expected: &[usize],
    source: &str,
) -> Result<Vec<f32>, ModelError> {
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
    let values: Vec<f32> = match view.dtype() {
        Dtype::F32 => bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
        Dtype::F16 => bytes.chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
        Dtype::BF16 => bytes.chunks_exact(2).map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
        Dtype::F64 => {
            bytes.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32).collect()
        }
        other => {
            return Err(ModelError::Weights(format!(
                "{source}: tensor `{name}` has dtype {other:?}; expected F32, F16, BF16 or F64"
            )));
        }
    };
    // A NaN or infinite weight (a diverged run, a damaged file) would make every answer
    // `<|pad|>`: refuse it here, by name.
    let broken = values.iter().filter(|v| !v.is_finite()).count();
    if broken > 0 {
        return Err(ModelError::Weights(format!(
            "{source}: tensor `{name}` holds {broken} NaN or infinite value(s) of {}; the file is damaged or \
             comes from a run that diverged",
            values.len()
        )));
    }
    Ok(values)
}

/// The weights of a checkpoint: one file already read, or an index of shards to read.
enum Source<B> {
    Single(B),
    Sharded(ShardIndex),
}

impl Model {
    /// Builds a model from its config and a checkpoint's files. `read(name)` returns the bytes
    /// of the file `name` (`model.safetensors`, `model.safetensors.index.json` or a shard), or
    /// `None` when there is no such file. Shards are read one at a time and dropped once their
    /// tensors are on the device.
    pub fn from_checkpoint<B: AsRef<[u8]>>(
        config: &ModelConfig,
        read: impl FnMut(&str) -> Result<Option<B>, ModelError>,
        device: &Device,
    ) -> Result<Self, ModelError> {
        Self::from_checkpoint_as(config, read, device, FloatDType::F32)
    }

    /// [`Model::from_checkpoint`] with the base matrices stored in `matrix_dtype` (f16 halves a
    /// model that only adapters will train; see [`Model::with_matrix_dtype`]).
    pub fn from_checkpoint_as<B: AsRef<[u8]>>(
        config: &ModelConfig,
        mut read: impl FnMut(&str) -> Result<Option<B>, ModelError>,
        device: &Device,
        matrix_dtype: FloatDType,
    ) -> Result<Self, ModelError> {
        config.validate()?;
        let source = match read(INDEX_FILE)? {
            Some(index) => {
                let text = std::str::from_utf8(index.as_ref())
                    .map_err(|_| ModelError::Weights(format!("{INDEX_FILE} is not UTF-8 text")))?;
                Source::Sharded(ShardIndex::from_json(text)?)
            }
            None => match read(WEIGHTS_FILE)? {
                Some(bytes) => Source::Single(bytes),
                None => {
                    return Err(ModelError::Weights(format!(
                        "the checkpoint has neither {WEIGHTS_FILE} nor {INDEX_FILE}"
                    )));
                }
            },
        };
        // Every weight is lazy until replaced: nothing random is drawn or uploaded.
        let mut model = Model::init(config, 0, device);
        match source {
            Source::Single(bytes) => {
                let file = parse(bytes.as_ref(), WEIGHTS_FILE)?;
                let layout = Layout::detect(config, file.names().into_iter());
                for entry in entries(&mut model, layout) {
                    let values = read_tensor(&file, &entry.name, &entry.disk_shape(), WEIGHTS_FILE)?;
                    entry.set(values, device, matrix_dtype);
                }
            }
            Source::Sharded(index) => {
                let layout = Layout::detect(config, index.weight_map.keys().map(String::as_str));
                let mut by_file: BTreeMap<String, Vec<Entry<'_>>> = BTreeMap::new();
                for entry in entries(&mut model, layout) {
                    let Some(file) = index.weight_map.get(&entry.name) else {
                        return Err(ModelError::Weights(format!(
                            "{INDEX_FILE} does not list tensor `{}` (expected shape {:?})",
                            entry.name,
                            entry.disk_shape()
                        )));
                    };
                    by_file.entry(file.clone()).or_default().push(entry);
                }
                for (name, file_entries) in by_file {
                    let bytes = read(&name)?.ok_or_else(|| {
                        ModelError::Weights(format!("{INDEX_FILE} names the shard `{name}`, which is missing"))
                    })?;
                    let file = parse(bytes.as_ref(), &name)?;
                    for entry in file_entries {
                        let values = read_tensor(&file, &entry.name, &entry.disk_shape(), &name)?;
                        entry.set(values, device, matrix_dtype);
                    }
                }
            }
        }
        Ok(model)
    }

    /// [`Model::from_checkpoint`] over files already in memory, as (file name, bytes).
    pub fn from_checkpoint_files<S: AsRef<str>, B: AsRef<[u8]>>(
        config: &ModelConfig,
        files: &[(S, B)],
        device: &Device,
    ) -> Result<Self, ModelError> {
        let names: HashSet<&str> = files.iter().map(|(n, _)| n.as_ref()).collect();
        if names.len() != files.len() {
            return Err(ModelError::Weights("the same checkpoint file was given twice".into()));
        }
        Self::from_checkpoint(
            config,
            |name| Ok(files.iter().find(|(n, _)| n.as_ref() == name).map(|(_, b)| b.as_ref())),
            device,
        )
    }

    /// Builds a model from its config and one safetensors file (our names or Hugging Face's).
    pub fn from_safetensors(config: &ModelConfig, bytes: &[u8], device: &Device) -> Result<Self, ModelError> {
        Self::from_checkpoint(config, |name| Ok((name == WEIGHTS_FILE).then_some(bytes)), device)
    }
}
