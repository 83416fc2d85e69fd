//! wasm-bindgen bindings for the page: a small async JS API used by `web/worker.js`.
//!
//! The glue stays thin: it converts between JS values and the engine crates' types and
//! owns the one GPU device of the page. Rules that keep burn working in a browser:
//! - the wgpu device is initialised once with `Device::wgpu_options().init_*_async()`
//!   (a lazily created `Device::wgpu(..)` panics on wasm);
//! - every readback is async (`into_data_async().await`): sync readback panics on wasm.

use std::cell::RefCell;

use burn::tensor::Device;
use serde::Serialize;
use wasm_bindgen::prelude::*;

pub mod bench;
pub mod folder;
pub mod lessons;
pub mod selfcheck;
pub mod session;
pub mod studio;

thread_local! {
    static GPU: RefCell<Option<(Device, AdapterReport)>> = const { RefCell::new(None) };
}

/// Called by wasm-bindgen when the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    #[cfg(target_arch = "wasm32")]
    static_constructors::run_once();
    console_error_panic_hook::set_once();
}

/// cubecl registers its IR dialects with `inventory`, i.e. with static constructors. When no
/// code calls `__wasm_call_ctors` itself, wasm-ld wraps *every* export in a shim that runs all
/// constructors again, and wasm-bindgen calls exports many times per GPU dispatch: measured
/// in Chromium, that was ~4 ms of re-run constructors per dispatch, most of a training step.
/// Calling it once ourselves makes wasm-ld leave the exports alone (the wasm32 "reactor" way).
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod static_constructors {
    unsafe extern "C" {
        fn __wasm_call_ctors();
    }

    pub fn run_once() {
        // SAFETY: synthesised by wasm-ld; called exactly once, from the start function, before
        // any other code of the module runs.
        unsafe { __wasm_call_ctors() }
    }
}

/// What the page shows about the GPU in use.
#[derive(Clone, Debug, Serialize)]
pub struct AdapterReport {
    /// Adapter name as wgpu reports it (in a browser: `GPUAdapterInfo.description`).
    pub name: String,
    /// wgpu backend: `BrowserWebGpu` in a browser, `Vulkan`/`Metal`/`Dx12` natively.
    pub backend: String,
    /// wgpu device type: `Cpu` for a software/fallback adapter.
    pub device_type: String,
    pub driver: String,
    pub vendor_id: u32,
    /// True for a software rasteriser (SwiftShader, lavapipe/llvmpipe, WARP): slow is expected.
    pub software: bool,
    pub subgroup_min_size: u32,
    pub subgroup_max_size: u32,
    /// The device's `maxBufferSize` and `maxStorageBufferBindingSize` (0 until the device is
    /// open): every weight tensor must fit in one buffer.
    pub max_buffer_size: u64,
    pub max_storage_buffer_binding_size: u64,
    /// WebGPU's `shader-f16`: frozen weights are then stored in half precision.
    pub shader_f16: bool,
}

impl AdapterReport {
    pub fn from_info(info: &burn::tensor::wgpu::wgpu::AdapterInfo) -> Self {
        use burn::tensor::wgpu::wgpu::DeviceType;
        let software = matches!(info.device_type, DeviceType::Cpu)
            || is_software_name(&info.name)
            || is_software_name(&info.driver);
        Self {
            name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: info.driver.clone(),
            vendor_id: info.vendor,
            software,
            subgroup_min_size: info.subgroup_min_size,
            subgroup_max_size: info.subgroup_max_size,
            max_buffer_size: 0,
            max_storage_buffer_binding_size: 0,
            shader_f16: false,
        }
    }

    /// The largest buffer the device allows: the smaller of its two limits.
    pub fn max_buffer_bytes(&self) -> u64 {
        self.max_buffer_size.min(self.max_storage_buffer_binding_size)
    }
}

/// Names of the software adapters a machine without a GPU ends up on.
pub fn is_software_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["swiftshader", "llvmpipe", "lavapipe", "softpipe", "microsoft basic render", "warp"].iter().any(|s| n.contains(s))
}

pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
}

/// The page's GPU device, once `init_gpu` has run.
pub fn gpu_device() -> Result<Device, JsError> {
    GPU.with(|g| g.borrow().as_ref().map(|(d, _)| d.clone()))
        .ok_or_else(|| JsError::new("the GPU is not initialised: call init_gpu() first"))
}

/// The page's GPU as `init_gpu` described it.
pub fn gpu_report() -> Option<AdapterReport> {
    GPU.with(|g| g.borrow().as_ref().map(|(_, r)| r.clone()))
}

/// Initialise burn's wgpu runtime on the browser's WebGPU adapter and describe it.
/// Calling it again returns the same report.
#[wasm_bindgen]
pub async fn init_gpu() -> Result<JsValue, JsError> {
    if let Some(report) = gpu_report() {
        return to_js(&report);
    }
    let (device, setup) = Device::wgpu_options()
        .init_with_setup_async()
        .await
        .map_err(|e| JsError::new(&format!("WebGPU initialisation failed: {e}")))?;
    let limits = setup.device.limits();
    let report = AdapterReport {
        max_buffer_size: limits.max_buffer_size,
        max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
        shader_f16: device.supports_dtype(burn::tensor::DType::F16),
        ..AdapterReport::from_info(&setup.adapter.get_info())
    };
    GPU.with(|g| *g.borrow_mut() = Some((device, report.clone())));
    to_js(&report)
}

#[derive(Serialize)]
struct SelfCheckReport {
    n: usize,
    max_abs_error: f32,
    ok: bool,
    ms: f64,
}

/// Multiply two `n x n` pseudo-random matrices on the GPU, compare with the same product
/// computed on the CPU in Rust, and return `{n, max_abs_error, ok, ms}`.
#[wasm_bindgen]
pub async fn gpu_self_check(n: usize) -> Result<JsValue, JsError> {
    let device = gpu_device()?;
    let t0 = js_sys::Date::now();
    let max_abs_error = selfcheck::matmul_max_error(&device, n, 0x5eed).await.map_err(|e| JsError::new(&e))?;
    let ms = js_sys::Date::now() - t0;
    to_js(&SelfCheckReport { n, max_abs_error, ok: max_abs_error <= selfcheck::tolerance(n), ms })
}
