//! A model folder from the user's disk, a Hugging Face checkpoint or one of ours (`config.json`,
//! `tokenizer.json`, `model.safetensors` or `model.safetensors.index.json` and its shards).
//!
//! - [`plan_model`] says what the model will need, from `config.json` and the file sizes alone,
//!   before any weight is read: the page shows it, and refuses a model that cannot fit.
//! - [`load_checkpoint`] reads each weights file straight into the engine's memory, a slice at a
//!   time through a JS callback, one file at a time (`Model::from_checkpoint` drops each shard
//!   once its tensors are on the GPU): the page never holds a whole file in JS, let alone the
//!   whole model twice.

use burn::tensor::FloatDType;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use yushan_model::{INDEX_FILE, Model, ModelConfig, ModelError, ShardIndex, WEIGHTS_FILE, dtype_name, megabytes};

use crate::to_js;

/// What a wasm32 engine can address. A weights file is read into it whole, and its tensors
/// converted to f32 beside it.
pub const ENGINE_MEMORY_BYTES: u64 = 4 << 30;

/// The engine's memory while it loads a weights file, in f32 copies of the file's largest tensor
/// on top of the file itself: measured in Chromium, 2.7 (a 311 MB bf16 file whose largest
/// tensor is 131 MB in f32 took the engine's memory from 5 to 674 MB).
const LOAD_COPIES: u64 = 3;

/// Bytes read from a `File` per call of the JS callback.
const SLICE_BYTES: usize = 16 << 20;

/// A file of the folder, as the page sees it.
#[derive(Clone, Debug, Deserialize)]
pub struct FolderFile {
    pub name: String,
    pub size: u64,
}

/// What a model folder will need, before its weights are read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelPlan {
    /// The folder's name, else `_name_or_path` (see `model_name`).
    pub name: String,
    /// `model_type` (gpt2, llama, qwen2, qwen3), or our `architecture`.
    pub model_type: String,
    /// `torch_dtype` (or transformers v5's `dtype`), when the config says.
    pub dtype: Option<String>,
    pub params: u64,
    /// The weights files as stored on disk.
    pub stored_bytes: u64,
    /// The weights as f32 on the GPU.
    pub f32_bytes: u64,
    /// The dtype the frozen matrices will take on this GPU (f16 with shader-f16), and the
    /// weights' bytes on the GPU in it.
    pub matrix_dtype: String,
    pub gpu_bytes: u64,
    pub largest_tensor: String,
    pub largest_shape: Vec<usize>,
    pub largest_tensor_bytes: u64,
    /// The weights files, in the order the engine reads them.
    pub weight_files: Vec<String>,
    pub largest_file_bytes: u64,
    /// The engine's memory while it loads the largest file (see `LOAD_COPIES`), at most
    /// `ENGINE_MEMORY_BYTES`.
    pub engine_bytes: u64,
    /// The device's limits (0 when unknown).
    pub max_buffer_size: u64,
    pub max_storage_buffer_binding_size: u64,
    /// Why the page will not load it, naming the model, the figure and the limit.
    pub refusal: Option<String>,
}

/// The name to show: the folder the user picked, or where that says nothing (files picked one
/// by one, a Hugging Face cache snapshot named by its commit) `_name_or_path`, of which a local
/// path gives its last folder.
fn model_name(config: &Value, folder: &str) -> String {
    let snapshot = folder.len() == 40 && folder.bytes().all(|b| b.is_ascii_hexdigit());
    if !folder.is_empty() && !snapshot {
        return folder.into();
    }
    let from_config = config.get("_name_or_path").and_then(Value::as_str).unwrap_or("").trim();
    let from_config = if from_config.starts_with(['/', '.', '~']) || from_config.contains('\\') {
        from_config.trim_end_matches(['/', '\\']).rsplit(['/', '\\']).next().unwrap_or("")
    } else {
        from_config
    };
    [from_config, folder, "model"].into_iter().find(|n| !n.is_empty()).unwrap_or("model").into()
}

/// What the model in a folder will need. `files`: the folder's files (names and sizes);
/// `index_json`: `model.safetensors.index.json` when the folder has it; `limits`: the device's
/// `maxBufferSize` and `maxStorageBufferBindingSize` (0 when unknown). An error means the
/// folder cannot be read as a model at all (bad config, a shard missing).
pub fn plan_model(
    config_json: &str,
    folder: &str,
    index_json: Option<&str>,
    files: &[FolderFile],
    (max_buffer_size, max_storage_buffer_binding_size): (u64, u64),
    matrix_dtype: FloatDType,
) -> Result<ModelPlan, String> {
    let value: Value = serde_json::from_str(config_json).map_err(|e| format!("config.json: {e}"))?;
    let config = ModelConfig::from_json(config_json).map_err(|e| e.to_string())?;
    let size_of = |name: &str| files.iter().find(|f| f.name == name).map(|f| f.size);
    let weight_files: Vec<String> = match index_json {
        Some(text) => {
            let index = ShardIndex::from_json(text).map_err(|e| e.to_string())?;
            let shards: Vec<String> = index.files().into_iter().map(String::from).collect();
            if let Some(missing) = shards.iter().find(|s| size_of(s).is_none()) {
                return Err(format!("{INDEX_FILE} names the shard `{missing}`, which is missing"));
            }
            shards
        }
        None if size_of(WEIGHTS_FILE).is_some() => vec![WEIGHTS_FILE.to_string()],
        None => return Err(format!("the checkpoint has neither {WEIGHTS_FILE} nor {INDEX_FILE}")),
    };
    let sizes: Vec<u64> = weight_files.iter().filter_map(|f| size_of(f)).collect();
    let f32_bytes = config.weight_estimate().bytes;
    let estimate = config.weight_estimate().with_matrix_dtype(matrix_dtype);
    let name = model_name(&value, folder);
    let largest_file_bytes = sizes.iter().copied().max().unwrap_or(0);
    // Loading converts on the host through f32, whatever the GPU stores.
    let engine_bytes = largest_file_bytes + LOAD_COPIES * config.weight_estimate().largest_bytes;
    let max_buffer = max_buffer_size.min(max_storage_buffer_binding_size);
    let refusal = if max_buffer > 0
        && let Err(e) = estimate.check_buffer_limit(max_buffer)
    {
        let why = match e {
            ModelError::Config(m) | ModelError::Weights(m) => m,
        };
        Some(format!("{name}: {why}"))
    } else if engine_bytes > ENGINE_MEMORY_BYTES {
        Some(format!(
            "{name}: loading its largest weights file ({}) takes about {} of engine memory with its \
             tensors converted to f32, more than the page's engine can address ({}, wasm32); \
             use the yushan command line for this model",
            megabytes(largest_file_bytes),
            megabytes(engine_bytes),
            megabytes(ENGINE_MEMORY_BYTES),
        ))
    } else {
        None
    };
    Ok(ModelPlan {
        name,
        model_type: value
            .get("model_type")
            .and_then(Value::as_str)
            .map_or_else(|| format!("{:?}", config.architecture).to_lowercase(), String::from),
        dtype: value.get("torch_dtype").or_else(|| value.get("dtype")).and_then(Value::as_str).map(String::from),
        params: estimate.params,
        stored_bytes: sizes.iter().sum(),
        f32_bytes,
        matrix_dtype: dtype_name(matrix_dtype).to_string(),
        gpu_bytes: estimate.bytes,
        largest_tensor: estimate.largest_name,
        largest_shape: estimate.largest_shape,
        largest_tensor_bytes: estimate.largest_bytes,
        weight_files,
        largest_file_bytes,
        engine_bytes,
        max_buffer_size,
        max_storage_buffer_binding_size,
        refusal,
    })
}

// --- wasm bindings ----------------------------------------------------------------------------

/// What the model of a folder will need on this device (see [`ModelPlan`]): `config_json`,
/// `folder` (its name, or "" for files picked one by one), `index_json` when the folder has
/// `model.safetensors.index.json`, and `files`, `[{name, size}]`.
#[wasm_bindgen]
pub fn inspect_model(
    config_json: &str,
    folder: &str,
    index_json: Option<String>,
    files: JsValue,
) -> Result<JsValue, JsError> {
    let files: Vec<FolderFile> =
        serde_wasm_bindgen::from_value(files).map_err(|e| JsError::new(&format!("files: {e}")))?;
    let limits = crate::gpu_report().map_or((0, 0), |r| (r.max_buffer_size, r.max_storage_buffer_binding_size));
    let plan = plan_model(config_json, folder, index_json.as_deref(), &files, limits, crate::session::matrix_dtype())
        .map_err(|e| JsError::new(&e))?;
    to_js(&plan)
}

/// Reads file `name` of the folder through the page's callbacks: `size(name)` is its length in
/// bytes (`undefined` when the folder has no such file), `read(name, start, end)` a slice as a
/// `Uint8Array`.
fn read_file(size: &js_sys::Function, read: &js_sys::Function, name: &str) -> Result<Option<Vec<u8>>, ModelError> {
    let failed = |e: JsValue| ModelError::Weights(format!("{name}: cannot be read: {e:?}"));
    let Some(len) = size.call1(&JsValue::NULL, &name.into()).map_err(failed)?.as_f64() else {
        return Ok(None);
    };
    let len = len as usize;
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(len).map_err(|_| {
        ModelError::Weights(format!("{name}: no room for its {} in the page's memory", megabytes(len as u64)))
    })?;
    while bytes.len() < len {
        let (start, end) = (bytes.len(), (bytes.len() + SLICE_BYTES).min(len));
        let slice = js_sys::Uint8Array::from(
            read.call3(&JsValue::NULL, &name.into(), &(start as f64).into(), &(end as f64).into()).map_err(failed)?,
        );
        let got = slice.length() as usize;
        if got == 0 || start + got > len {
            return Err(ModelError::Weights(format!("{name}: the file changed while it was read")));
        }
        bytes.resize(start + got, 0);
        slice.copy_to(&mut bytes[start..]);
    }
    Ok(Some(bytes))
}

/// Loads the model of a folder as the base model: `config.json`, `tokenizer.json`, and
/// `tokenizer_config.json` and `chat_template.jinja` when the folder has them, as text; the
/// weights through `size` and `read` (see `read_file`), one file at a time. Returns what
/// `load_model` returns. The model in use stays until this one is complete: an error (a
/// missing or misshapen tensor, a truncated file) leaves it as it was.
#[wasm_bindgen]
pub fn load_checkpoint(
    config_json: &str,
    tokenizer_json: &str,
    tokenizer_config_json: Option<String>,
    chat_template_jinja: Option<String>,
    size: &js_sys::Function,
    read: &js_sys::Function,
) -> Result<JsValue, JsError> {
    let tokenizer =
        crate::studio::read_tokenizer(tokenizer_json, tokenizer_config_json.as_deref(), chat_template_jinja.as_deref())
            .map_err(|e| JsError::new(&e))?;
    crate::session::install_model(config_json, tokenizer, |config, device, dtype| {
        Model::from_checkpoint_as(config, |name| read_file(size, read, name), device, dtype)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    const F32: FloatDType = FloatDType::F32;

    const LLAMA: &str = r#"{"model_type": "llama", "_name_or_path": "/home/me/models/tiny",
        "vocab_size": 1000, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 128,
        "torch_dtype": "bfloat16"}"#;

    fn files(list: &[(&str, u64)]) -> Vec<FolderFile> {
        list.iter().map(|&(name, size)| FolderFile { name: name.into(), size }).collect()
    }

    #[test]
    fn a_sharded_folder_is_planned_from_its_config_and_sizes() {
        let index =
            r#"{"weight_map": {"model.embed_tokens.weight": "b.safetensors", "lm_head.weight": "a.safetensors"}}"#;
        let folder = files(&[("a.safetensors", 300), ("b.safetensors", 200), ("README.md", 9)]);
        let plan = plan_model(LLAMA, "tiny-llama", Some(index), &folder, (1 << 28, 1 << 27), F32).unwrap();
        let estimate = ModelConfig::from_json(LLAMA).unwrap().weight_estimate();
        assert_eq!(plan.name, "tiny-llama", "the folder the user picked names the model");
        assert_eq!((plan.model_type.as_str(), plan.dtype.as_deref()), ("llama", Some("bfloat16")));
        assert_eq!((plan.params, plan.f32_bytes), (estimate.params, estimate.bytes));
        assert_eq!(plan.weight_files, ["a.safetensors", "b.safetensors"]);
        assert_eq!((plan.stored_bytes, plan.largest_file_bytes), (500, 300));
        assert_eq!(plan.largest_tensor_bytes, 1000 * 64 * 4);
        assert_eq!(plan.refusal, None);
        // Where the folder says nothing, `_name_or_path` does; a shard the index names must be there.
        let name = |config: &str, name: &str| plan_model(config, name, Some(index), &folder, (0, 0), F32).unwrap().name;
        let repo = LLAMA.replace("/home/me/models/tiny", "Qwen/Qwen2.5-0.5B");
        assert_eq!(name(&repo, "0123456789abcdef0123456789abcdef01234567"), "Qwen/Qwen2.5-0.5B");
        assert_eq!(name(LLAMA, ""), "tiny");
        assert_eq!(name(&LLAMA.replace("/home/me/models/tiny", ""), ""), "model");
        let err = plan_model(LLAMA, "x", Some(index), &folder[..1], (0, 0), F32).unwrap_err();
        assert_eq!(err, "model.safetensors.index.json names the shard `b.safetensors`, which is missing");
        let err = plan_model(LLAMA, "x", None, &folder, (0, 0), F32).unwrap_err();
        assert!(err.contains("neither model.safetensors nor model.safetensors.index.json"), "{err}");
        let err = plan_model(&LLAMA.replace("\"llama\"", "\"mamba\""), "x", None, &folder, (0, 0), F32).unwrap_err();
        assert!(err.contains("model_type `mamba` is not supported"), "{err}");
    }

    #[test]
    fn a_model_that_cannot_fit_is_refused_with_the_figure_and_the_limit() {
        let big = LLAMA
            .replace("\"vocab_size\": 1000", "\"vocab_size\": 151936, \"tie_word_embeddings\": true")
            .replace("\"hidden_size\": 64", "\"hidden_size\": 896");
        let folder = files(&[("model.safetensors", 1_000_000)]);
        let plan = plan_model(&big, "qwen-ish", None, &folder, (1 << 30, 128 << 20), F32).unwrap();
        assert_eq!(
            plan.refusal.as_deref(),
            Some(
                "qwen-ish: tensor `model.embed_tokens.weight` [151936, 896] needs 544.5 MB as f32, \
                 more than this device allows in one buffer (134.2 MB)"
            )
        );
        assert!(plan_model(&big, "qwen-ish", None, &folder, (1 << 30, 1 << 30), F32).unwrap().refusal.is_none());
        // In f16 (a GPU with shader-f16) the same embedding is 272.3 MB: it fits in 300 MiB.
        let limits = (1 << 30, 300 << 20);
        assert!(plan_model(&big, "qwen-ish", None, &folder, limits, F32).unwrap().refusal.is_some());
        let half = plan_model(&big, "qwen-ish", None, &folder, limits, FloatDType::F16).unwrap();
        assert_eq!((half.refusal, half.matrix_dtype.as_str()), (None, "f16"));
        assert_eq!(half.largest_tensor_bytes, 272_269_312);
        assert!(half.gpu_bytes < half.f32_bytes / 2 + 1_000_000, "{} of {}", half.gpu_bytes, half.f32_bytes);
        // A file that the engine's 4 GiB cannot hold beside f32 copies of its largest tensor.
        let huge = files(&[("model.safetensors", 3_000_000_000)]);
        let plan = plan_model(&big, "qwen-ish", None, &huge, (1 << 30, 1 << 30), F32).unwrap();
        assert_eq!(plan.engine_bytes, 3_000_000_000 + 3 * 544_538_624);
        assert_eq!(
            plan.refusal.as_deref(),
            Some(
                "qwen-ish: loading its largest weights file (3000.0 MB) takes about 4633.6 MB of engine \
                 memory with its tensors converted to f32, more than the page's engine can address \
                 (4295.0 MB, wasm32); use the yushan command line for this model"
            )
        );
    }
}
