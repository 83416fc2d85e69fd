//! Launching a hand-written WGSL kernel from `shaders/` on burn-wgpu tensors' buffers.
//!
//! cubecl compiles its own kernels to WGSL and accepts a kernel that brings its text instead
//! (`CubeKernel::source`); the pipeline layout then comes from the shader itself. Every kernel
//! here takes its buffers at bindings 0..n in launch order and its sizes in one last storage
//! buffer, so a launcher is a list of buffers plus a few numbers.
//!
//! Every binding is declared `read_write`, inputs too: cubecl sub-allocates tensors from shared
//! wgpu buffers, and one buffer bound both read-only and writable in a dispatch is a validation
//! error. So nothing read from a binding is uniform to WGSL: a kernel with barriers must not
//! return early on a size it reads.

use burn::tensor::DType;
use burn_cubecl::CubeDevice;
use burn_cubecl::cubecl::ir::settings::Dim3;
use burn_cubecl::cubecl::ir::{AddressType, ElemType, Scope, UIntKind, metadata::Info, settings::KernelSettings};
use burn_cubecl::cubecl::prelude::{CubeCount, ExecutionMode, KernelId, KernelMetadata};
use burn_cubecl::cubecl::server::{Handle, KernelArguments};
use burn_cubecl::cubecl::{CubeKernel, PrecompiledSource};
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::tensor::CubeTensor;
use cubecl_runtime::kernel::KernelDefinition;

/// Workgroups per grid dimension that every WebGPU device accepts.
const MAX_GROUPS_PER_DIM: u32 = 65_535;

/// One entry point of one `.wgsl` file.
#[derive(Clone, Copy, Debug)]
pub struct WgslKernel {
    /// The file's name; it also keys cubecl's pipeline cache, so it must be unique.
    pub name: &'static str,
    pub source: &'static str,
    /// `@workgroup_size` as written in the source.
    pub workgroup: [u32; 3],
}

impl KernelMetadata for WgslKernel {
    fn name(&self) -> &'static str {
        self.name
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info(self.name)
    }

    fn address_type(&self) -> ElemType {
        ElemType::UInt(UIntKind::U32)
    }
}

impl CubeKernel for WgslKernel {
    fn define(&self) -> KernelDefinition {
        let [x, y, z] = self.workgroup;
        let settings = KernelSettings::new(Dim3 { x, y, z }, ExecutionMode::Checked, AddressType::U32);
        KernelDefinition { body: Scope::root(settings.clone()), settings, info: Info::default() }
    }

    fn source(&self) -> Option<PrecompiledSource> {
        Some(PrecompiledSource { source: self.source.to_string(), entrypoint_name: "main".into(), lang: "wgsl" })
    }
}

/// A kernel's scalar arguments, packed as the shader's `Params` struct reads them (4 bytes each).
#[derive(Clone, Default)]
pub struct Params(Vec<u8>);

impl Params {
    pub fn u32(mut self, value: usize) -> Self {
        let value = u32::try_from(value).expect("a kernel size beyond u32");
        self.0.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub fn f32(mut self, value: f64) -> Self {
        self.0.extend_from_slice(&(value as f32).to_le_bytes());
        self
    }
}

/// Launches `kernel` over `groups` workgroups (laid out in two dimensions when there are more
/// than one dimension takes; the shader recovers the index as `id.x + id.y · groups.x`).
pub fn launch(kernel: WgslKernel, like: &CubeTensor, groups: usize, buffers: &[&Handle], params: Params) {
    let groups = u32::try_from(groups.max(1)).expect("too many workgroups for one launch");
    let count = CubeCount::Static(groups.min(MAX_GROUPS_PER_DIM), groups.div_ceil(MAX_GROUPS_PER_DIM), 1);
    let params = like.client.create_from_slice(&params.0);
    let args = buffers
        .iter()
        .map(|handle| (*handle).clone())
        .chain([params])
        .fold(KernelArguments::new(), |args, handle| args.with_buffer(handle.binding()));
    like.client.launch(Box::new(kernel), count, args);
}

/// Invocations per workgroup of the element-wise kernels (`@workgroup_size(256)`).
pub const ELEMENTWISE_GROUP: usize = 256;

/// Launches an element-wise kernel over `len` elements.
pub fn launch_elementwise(kernel: WgslKernel, like: &CubeTensor, len: usize, buffers: &[&Handle], params: Params) {
    launch(kernel, like, len.div_ceil(ELEMENTWISE_GROUP), buffers, params);
}

/// A new contiguous f32 tensor of `shape` on `like`'s device, its contents unset.
pub fn empty_f32(like: &CubeTensor, shape: &[usize]) -> CubeTensor {
    let elements: usize = shape.iter().product();
    let handle = like.client.empty(elements.max(1) * DType::F32.size());
    CubeTensor::new_contiguous(like.client.clone(), like.device.clone(), shape.into(), handle, DType::F32)
}

/// A 4-byte buffer for a binding the kernel does not read this time (RMSNorm's bias, the
/// forward GELU's dy). Binding a tensor there again would alias it, which WebGPU refuses when
/// either binding is writable, and every binding here is.
pub fn placeholder(like: &CubeTensor) -> CubeTensor {
    let handle = like.client.create_from_slice(&[0u8; 4]);
    CubeTensor::new_contiguous(like.client.clone(), like.device.clone(), [1].into(), handle, DType::F32)
}

/// The tensor laid out row-major in its own buffer, which every kernel here indexes directly.
pub fn contiguous(tensor: CubeTensor) -> CubeTensor {
    into_contiguous(tensor)
}

/// Whether the WGSL kernels can run on this tensor: f32 on a wgpu device.
pub fn applies(tensor: &CubeTensor) -> bool {
    tensor.dtype == DType::F32 && matches!(tensor.device, CubeDevice::Wgpu(_))
}
