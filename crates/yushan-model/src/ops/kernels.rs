//! Which kernels a model's layers run on the GPU.

use burn::tensor::Device;

/// burn's composed tensor ops, or the project's fused WGSL kernels (`shaders/`). Both compute
/// the same formulas; the fused ones take far fewer GPU dispatches. On the CPU backend the
/// choice does not apply: a model there always runs burn's ops (see [`Kernels::on`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kernels {
    #[default]
    Burn,
    Wgsl,
}

impl Kernels {
    pub const ALL: [Self; 2] = [Self::Burn, Self::Wgsl];

    /// The name users write (`--kernels burn|wgsl`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Burn => "burn",
            Self::Wgsl => "wgsl",
        }
    }

    /// What runs on `device`: the WGSL kernels only on a GPU (the CPU backend has burn's own
    /// fused loops, and the kernels' CPU fallbacks would only be slower).
    pub fn on(self, device: &Device) -> Self {
        if device.clone().without_autodiff() == Device::flex() { Self::Burn } else { self }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL.into_iter().find(|k| k.name().eq_ignore_ascii_case(text))
    }
}
