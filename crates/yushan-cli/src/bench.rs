//! `yushan bench`: the fixed shapes of shared/BENCH.md on each backend. Every (shape, backend)
//! runs in its own process so that "start → first step" really starts at process start.

use std::process::Command;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::time::Instant;

use yushan_model::{FrozenPrecision, Kernels};
use yushan_train::bench::{BenchShape, run};

use crate::device::{self, Backend};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchLine {
    pub shape: String,
    pub backend: String,
    pub adapter: String,
    pub software: bool,
    /// The GPU kernels the layers ran ("burn" on the CPU, whatever was asked).
    pub kernels: String,
    pub params: usize,
    pub trainable: usize,
    pub steps: usize,
    pub start_to_first_step_s: f64,
    pub first_step_s: f64,
    pub median_step_ms: f64,
    pub tokens_per_s: f64,
    pub first_loss: f32,
    pub last_loss: f32,
    pub peak_rss_mb: Option<f64>,
    /// The dtype of the frozen base matrices, and GPU memory: the model's before the first
    /// step, the pools' reservation after the last (None on the CPU).
    pub matrix_dtype: String,
    pub model_mb: Option<f64>,
    pub gpu_reserved_mb: Option<f64>,
}

/// What every benchmarked combination shares.
pub struct Settings {
    pub frozen: FrozenPrecision,
    pub steps: usize,
}

/// Runs one shape on one backend in this process.
pub fn run_one(
    shape: &str,
    backend: Backend,
    kernels: Kernels,
    settings: &Settings,
    process_start: Instant,
) -> anyhow::Result<BenchLine> {
    let shape = BenchShape::by_name(shape).with_context(|| format!("unknown shape `{shape}` (expected S or M)"))?;
    let (device, adapter) = device::open(backend)?;
    let matrix_dtype = settings.frozen.dtype_on(&device)?;
    // web-time's Instant is std's on native targets: "first step" counts from process start.
    let report =
        pollster::block_on(run(&shape, &device, matrix_dtype, kernels, settings.steps, process_start, |_| {}))?;
    let mb = |bytes: Option<u64>| bytes.map(|b| b as f64 / 1e6);
    Ok(BenchLine {
        shape: report.shape,
        backend: adapter.backend.clone(),
        adapter: adapter.to_string(),
        software: adapter.software,
        kernels: report.kernels,
        params: report.params,
        trainable: report.trainable,
        steps: report.steps,
        start_to_first_step_s: report.first_step_s,
        first_step_s: report.first_step_only_s,
        median_step_ms: report.median_step_ms,
        tokens_per_s: report.tokens_per_s,
        first_loss: report.first_loss,
        last_loss: report.last_loss,
        peak_rss_mb: peak_rss_mb(),
        matrix_dtype: report.matrix_dtype,
        model_mb: mb(report.model_bytes),
        gpu_reserved_mb: mb(report.reserved_bytes),
    })
}

/// Runs every requested combination, each in a child process, and prints a table.
pub fn run_all(
    shapes: &[String],
    backends: &[Backend],
    kernels: &[Kernels],
    settings: &Settings,
    json: bool,
) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let mut lines = Vec::new();
    for shape in shapes {
        for &backend in backends {
            let backend_name = match backend {
                Backend::Wgpu => "wgpu",
                Backend::Cpu => "cpu",
            };
            // The CPU runs burn's ops whatever the kernels: once is enough.
            let kernels = if backend == Backend::Cpu { &[Kernels::Burn][..] } else { kernels };
            for kernels in kernels {
                eprintln!("bench {shape} on {backend_name} ({} kernels) …", kernels.name());
                let out = Command::new(&exe)
                    .args([
                        "bench",
                        "--shape",
                        shape,
                        "--backend",
                        backend_name,
                        "--steps",
                        &settings.steps.to_string(),
                    ])
                    .args(["--one", "--frozen-weights", settings.frozen.name(), "--kernels", kernels.name()])
                    .output()?;
                if !out.status.success() {
                    eprintln!("  failed: {}", String::from_utf8_lossy(&out.stderr).trim());
                    continue;
                }
                let line: BenchLine = serde_json::from_slice(&out.stdout).context("reading a child bench report")?;
                lines.push(line);
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&lines)?);
        return Ok(());
    }
    println!(
        "{:<5} {:<40} {:<7} {:>9} {:>9} {:>12} {:>11} {:>10} {:>16} {:>9} {:>7} {:>9} {:>9}",
        "shape",
        "adapter",
        "kernels",
        "params",
        "trainable",
        "start→step1",
        "median",
        "tokens/s",
        "loss first→last",
        "peak RSS",
        "frozen",
        "model",
        "GPU pool"
    );
    let mb = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.1}MB"));
    for l in &lines {
        println!(
            "{:<5} {:<40} {:<7} {:>9} {:>9} {:>11.2}s {:>9.1}ms {:>10.0} {:>7.3} → {:<6.3} {:>7.0}MB {:>7} {:>9} {:>9}",
            l.shape,
            truncate(&l.adapter, 40),
            l.kernels,
            l.params,
            l.trainable,
            l.start_to_first_step_s,
            l.median_step_ms,
            l.tokens_per_s,
            l.first_loss,
            l.last_loss,
            l.peak_rss_mb.unwrap_or(f64::NAN),
            l.matrix_dtype,
            mb(l.model_mb),
            mb(l.gpu_reserved_mb),
        );
    }
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).collect::<String>() + "…" }
}

/// Peak resident memory of this process (Linux), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
