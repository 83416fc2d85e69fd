//! The browser side of `yushan bench`: the fixed shapes of shared/BENCH.md, trained on the
//! page's WebGPU device with the same engine code as the native benchmark.

use wasm_bindgen::prelude::*;
use web_time::Instant;
use yushan_model::{FrozenPrecision, Kernels};
use yushan_train::bench::{BenchShape, run};

use crate::{gpu_device, to_js};

/// Train `steps` steps of shape `S` or `M` and return the report (`first_step_s` counts
/// from this call; the page adds the time before it). `on_step` gets each step's event.
#[wasm_bindgen]
pub async fn run_bench(
    shape: String,
    steps: usize,
    kernels: String,
    on_step: Option<js_sys::Function>,
) -> Result<JsValue, JsError> {
    let kernels =
        Kernels::parse(&kernels).ok_or_else(|| JsError::new(&format!("unknown kernels {kernels:?} (wgsl or burn)")))?;
    let device = gpu_device()?;
    let shape =
        BenchShape::by_name(&shape).ok_or_else(|| JsError::new(&format!("unknown shape {shape:?} (S or M)")))?;
    let matrix_dtype = FrozenPrecision::Auto.dtype_on(&device).map_err(|e| JsError::new(&e.to_string()))?;
    let report = run(&shape, &device, matrix_dtype, kernels, steps, Instant::now(), |event| {
        if let (Some(f), Ok(value)) = (&on_step, to_js(event)) {
            let _ = f.call1(&JsValue::NULL, &value);
        }
    })
    .await
    .map_err(|e| JsError::new(&e.to_string()))?;
    to_js(&report)
}
