//! What a model will take on the device, known from its config before anything is read or
//! allocated, so a caller can refuse early with a clear message (a 151,936-token embedding of
//! width 896 is 544 MB, more than many WebGPU adapters allow in one buffer).

use burn::tensor::{DType, FloatDType};

use crate::ModelError;
use crate::config::{Architecture, ModelConfig};

#[derive(Clone, Debug, PartialEq)]
pub struct WeightEstimate {
    pub params: u64,
    /// Parameters in matrices (embeddings, projections, head): what f16 storage halves.
    pub matrix_params: u64,
    /// The dtype the matrices are counted in (norms and biases are always f32).
    pub matrix_dtype: FloatDType,
    /// Bytes of the weights on the device.
    pub bytes: u64,
    /// The largest single tensor (one device buffer): its name and shape.
    pub largest_name: String,
    pub largest_shape: Vec<usize>,
    pub largest_bytes: u64,
}

impl ModelConfig {
    /// Parameter count, f32 bytes and largest tensor of the base model (adapters excluded).
    pub fn weight_estimate(&self) -> WeightEstimate {
        let (d, ff, vocab) = (self.hidden_size, self.intermediate_size, self.vocab_size);
        let (q, kv, head) = (self.q_dim(), self.kv_dim(), self.head_dim());
        let gpt2 = self.architecture == Architecture::Gpt2;
        let mut tensors: Vec<(String, Vec<usize>)> = vec![("model.embed_tokens.weight".into(), vec![vocab, d])];
        if gpt2 {
            tensors.push(("model.embed_positions.weight".into(), vec![self.max_seq_len, d]));
        }
        let norm = |tensors: &mut Vec<(String, Vec<usize>)>, name: String, width: usize| {
            if gpt2 {
                tensors.push((format!("{name}.bias"), vec![width]));
            }
            tensors.push((format!("{name}.weight"), vec![width]));
        };
        let linear = |tensors: &mut Vec<(String, Vec<usize>)>, name: String, d_in: usize, d_out: usize, bias: bool| {
            tensors.push((format!("{name}.weight"), vec![d_out, d_in]));
            if bias {
                tensors.push((format!("{name}.bias"), vec![d_out]));
            }
        };
        let qkv_bias = gpt2 || self.attention_bias;
        let o_bias = gpt2 || self.attention_out_bias;
        for i in 0..self.num_layers {
            let p = format!("model.layers.{i}");
            norm(&mut tensors, format!("{p}.input_layernorm"), d);
            linear(&mut tensors, format!("{p}.self_attn.q_proj"), d, q, qkv_bias);
            linear(&mut tensors, format!("{p}.self_attn.k_proj"), d, kv, qkv_bias);
            linear(&mut tensors, format!("{p}.self_attn.v_proj"), d, kv, qkv_bias);
            linear(&mut tensors, format!("{p}.self_attn.o_proj"), q, d, o_bias);
            if self.qk_norm {
                norm(&mut tensors, format!("{p}.self_attn.q_norm"), head);
                norm(&mut tensors, format!("{p}.self_attn.k_norm"), head);
            }
            norm(&mut tensors, format!("{p}.post_attention_layernorm"), d);
            if !gpt2 {
                linear(&mut tensors, format!("{p}.mlp.gate_proj"), d, ff, false);
            }
            linear(&mut tensors, format!("{p}.mlp.up_proj"), d, ff, gpt2);
            linear(&mut tensors, format!("{p}.mlp.down_proj"), ff, d, gpt2);
        }
        norm(&mut tensors, "model.norm".into(), d);
        if !self.tie_embeddings {
            linear(&mut tensors, "lm_head".into(), d, vocab, false);
        }
        let count = |shape: &[usize]| shape.iter().map(|&n| n as u64).product::<u64>();
        let params = tensors.iter().map(|(_, s)| count(s)).sum::<u64>();
        let matrix_params = tensors.iter().filter(|(_, s)| s.len() == 2).map(|(_, s)| count(s)).sum::<u64>();
        let (largest_name, largest_shape) =
            tensors.iter().max_by_key(|(_, s)| count(s)).cloned().expect("a model has tensors");
        WeightEstimate {
            params,
            matrix_params,
            matrix_dtype: FloatDType::F32,
            bytes: params * 4,
            largest_bytes: count(&largest_shape) * 4,
            largest_name,
            largest_shape,
        }
    }
}

impl WeightEstimate {
    /// The same model with its matrices stored in `dtype` (the largest tensor is a matrix).
    pub fn with_matrix_dtype(self, dtype: FloatDType) -> Self {
        let per = DType::from(dtype).size() as u64;
        let largest = self.largest_shape.iter().map(|&n| n as u64).product::<u64>();
        Self {
            bytes: self.matrix_params * per + (self.params - self.matrix_params) * 4,
            largest_bytes: largest * per,
            matrix_dtype: dtype,
            ..self
        }
    }

    /// Refuses a model whose largest tensor does not fit in one device buffer of
    /// `max_buffer_bytes` (WebGPU's `maxBufferSize` / `maxStorageBufferBindingSize`).
    pub fn check_buffer_limit(&self, max_buffer_bytes: u64) -> Result<(), ModelError> {
        if self.largest_bytes > max_buffer_bytes {
            return Err(ModelError::Config(format!(
                "tensor `{}` {:?} needs {} as {}, more than this device allows in one buffer ({})",
                self.largest_name,
                self.largest_shape,
                megabytes(self.largest_bytes),
                dtype_name(self.matrix_dtype),
                megabytes(max_buffer_bytes)
            )));
        }
        Ok(())
    }
}

impl std::fmt::Display for WeightEstimate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} params, {} of weights", self.params, megabytes(self.bytes))?;
        if self.matrix_dtype != FloatDType::F32 {
            write!(f, " (matrices in {})", dtype_name(self.matrix_dtype))?;
        }
        Ok(())
    }
}

/// `f16`, `f32`, … as users write them.
pub fn dtype_name(dtype: FloatDType) -> &'static str {
    DType::from(dtype).name()
}

/// Decimal megabytes, as file sizes are usually quoted.
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}
