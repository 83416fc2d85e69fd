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
    /// Counted in saturating arithmetic from one layer's tensors, so an absurd config.json
    /// (`hidden_size` 2⁴⁰, `num_layers` 1e8) gives a huge figure to refuse, not an overflow or a
    /// list of a billion names.
    pub fn weight_estimate(&self) -> WeightEstimate {
        let (d, ff, vocab) = (self.hidden_size, self.intermediate_size, self.vocab_size);
        let (q, kv, head) = (self.q_dim(), self.kv_dim(), self.head_dim());
        let gpt2 = self.architecture == Architecture::Gpt2;
        type Tensors = Vec<(String, Vec<usize>)>;
        let norm = |tensors: &mut Tensors, name: String, width: usize| {
            if gpt2 {
                tensors.push((format!("{name}.bias"), vec![width]));
            }
            tensors.push((format!("{name}.weight"), vec![width]));
        };
        let linear = |tensors: &mut Tensors, name: String, d_in: usize, d_out: usize, bias: bool| {
            tensors.push((format!("{name}.weight"), vec![d_out, d_in]));
            if bias {
                tensors.push((format!("{name}.bias"), vec![d_out]));
            }
        };
        // Tensors outside the layers.
        let mut model: Tensors = vec![("model.embed_tokens.weight".into(), vec![vocab, d])];
        if gpt2 {
            model.push(("model.embed_positions.weight".into(), vec![self.max_seq_len, d]));
        }
        norm(&mut model, "model.norm".into(), d);
        if !self.tie_embeddings {
            linear(&mut model, "lm_head".into(), d, vocab, false);
        }
        // One layer; every layer has the same shapes.
        let mut layer: Tensors = Vec::new();
        let p = "model.layers.0";
        let (qkv_bias, o_bias) = (gpt2 || self.attention_bias, gpt2 || self.attention_out_bias);
        norm(&mut layer, format!("{p}.input_layernorm"), d);
        linear(&mut layer, format!("{p}.self_attn.q_proj"), d, q, qkv_bias);
        linear(&mut layer, format!("{p}.self_attn.k_proj"), d, kv, qkv_bias);
        linear(&mut layer, format!("{p}.self_attn.v_proj"), d, kv, qkv_bias);
        linear(&mut layer, format!("{p}.self_attn.o_proj"), q, d, o_bias);
        if self.qk_norm {
            norm(&mut layer, format!("{p}.self_attn.q_norm"), head);
            norm(&mut layer, format!("{p}.self_attn.k_norm"), head);
        }
        norm(&mut layer, format!("{p}.post_attention_layernorm"), d);
        if !gpt2 {
            linear(&mut layer, format!("{p}.mlp.gate_proj"), d, ff, false);
        }
        linear(&mut layer, format!("{p}.mlp.up_proj"), d, ff, gpt2);
        linear(&mut layer, format!("{p}.mlp.down_proj"), ff, d, gpt2);

        let count = |shape: &[usize]| shape.iter().fold(1u64, |n, &k| n.saturating_mul(k as u64));
        let total = |tensors: &Tensors, matrices_only: bool| {
            tensors
                .iter()
                .filter(|(_, s)| !matrices_only || s.len() == 2)
                .fold(0u64, |n, (_, s)| n.saturating_add(count(s)))
        };
        let layers = self.num_layers as u64;
        let params = total(&model, false).saturating_add(total(&layer, false).saturating_mul(layers));
        let matrix_params = total(&model, true).saturating_add(total(&layer, true).saturating_mul(layers));
        let (largest_name, largest_shape) = model
            .iter()
            .chain(if layers > 0 { layer.iter() } else { [].iter() })
            .max_by_key(|(_, s)| count(s))
            .cloned()
            .expect("a model has tensors");
        WeightEstimate {
            params,
            matrix_params,
            matrix_dtype: FloatDType::F32,
            bytes: params.saturating_mul(4),
            largest_bytes: count(&largest_shape).saturating_mul(4),
            largest_name,
            largest_shape,
        }
    }
}

impl WeightEstimate {
    /// The same model with its matrices stored in `dtype` (the largest tensor is a matrix).
    pub fn with_matrix_dtype(self, dtype: FloatDType) -> Self {
        let per = DType::from(dtype).size() as u64;
        let largest = self.largest_shape.iter().fold(1u64, |n, &k| n.saturating_mul(k as u64));
        Self {
            bytes: self.matrix_params.saturating_mul(per).saturating_add((self.params - self.matrix_params) * 4),
            largest_bytes: largest.saturating_mul(per),
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
