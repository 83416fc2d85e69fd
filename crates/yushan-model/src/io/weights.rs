//! Writing model weights as safetensors with our names (Hugging Face's for Llama/Qwen), and the
//! helpers the checkpoint and adapter code share. Reading is in [`crate::io::checkpoint`], adapters
//! in [`crate::io::peft`].
//!
//! Projections are stored as Hugging Face writes `nn.Linear` weights, [out, in]; in memory we
//! keep [in, out] so the forward pass is a plain `x · W`.

use std::collections::{BTreeMap, HashMap};

use burn::tensor::Tensor;
use safetensors::{Dtype, tensor::TensorView};

use crate::ModelError;
use crate::io::checkpoint::{Layout, ParamRef, Transform, entries, parse};
use crate::layers::lora::LoraTarget;
use crate::model::Model;

/// Hugging Face module path of a projection (`model.layers.3.self_attn.q_proj`).
pub fn projection_path(layer: usize, target: LoraTarget) -> String {
    let group = match target {
        LoraTarget::Q | LoraTarget::K | LoraTarget::V | LoraTarget::O => "self_attn",
        LoraTarget::Gate | LoraTarget::Up | LoraTarget::Down => "mlp",
    };
    format!("model.layers.{layer}.{group}.{}", target.module_name())
}

/// A tensor's shape and f32 values, read back without blocking (a requirement on wasm).
pub(crate) async fn read_values<const D: usize>(tensor: Tensor<D>) -> Result<(Vec<usize>, Vec<f32>), ModelError> {
    let shape = tensor.dims().to_vec();
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| ModelError::Weights(format!("reading a tensor back from the device: {e:?}")))?;
    let values = data.convert::<f32>().try_into_vec::<f32>().map_err(|e| ModelError::Weights(format!("{e:?}")))?;
    Ok((shape, values))
}

async fn read_f32<const D: usize>(tensor: Tensor<D>) -> Result<(Vec<usize>, Vec<u8>), ModelError> {
    let (shape, values) = read_values(tensor).await?;
    Ok((shape, values.iter().flat_map(|v| v.to_le_bytes()).collect()))
}

pub(crate) fn serialize(
    tensors: Vec<(String, Vec<usize>, Vec<u8>)>,
    metadata: HashMap<String, String>,
) -> Result<Vec<u8>, ModelError> {
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .map(|(name, shape, bytes)| {
            let view = TensorView::new(Dtype::F32, shape.clone(), bytes).expect("consistent tensor view");
            (name.clone(), view)
        })
        .collect();
    safetensors::serialize(views, Some(metadata)).map_err(|e| ModelError::Weights(format!("{e}")))
}

impl Model {
    /// The base weights (adapters excluded) as a safetensors file with our names.
    pub async fn to_safetensors(&self) -> Result<Vec<u8>, ModelError> {
        let mut model = self.clone();
        let mut tensors = Vec::new();
        for entry in entries(&mut model, Layout::Yushan) {
            let (shape, bytes) = match (entry.param, entry.transform) {
                (ParamRef::Matrix(p), Transform::Transpose) => read_f32(p.val().transpose()).await?,
                (ParamRef::Matrix(p), _) => read_f32(p.val()).await?,
                (ParamRef::Vector(p), _) => read_f32(p.val()).await?,
            };
            tensors.push((entry.name, shape, bytes));
        }
        let mut metadata = HashMap::new();
        metadata.insert("format".to_string(), "pt".to_string());
        serialize(tensors, metadata)
    }
}

/// Names and shapes of every tensor in a safetensors file (for error messages and tools).
pub fn describe(bytes: &[u8]) -> Result<BTreeMap<String, Vec<usize>>, ModelError> {
    let file = parse(bytes, "safetensors")?;
    Ok(file.tensors().into_iter().map(|(n, v)| (n, v.shape().to_vec())).collect())
}
