//! Opening the compute device the user asked for, and describing it.

use std::sync::Mutex;

use burn::tensor::Device;
use clap::ValueEnum;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// The GPU through wgpu (Vulkan, Metal or DX12; lavapipe on a machine without a GPU).
    Wgpu,
    /// burn's pure-Rust CPU backend.
    Cpu,
}

#[derive(Clone, Debug, Serialize)]
pub struct AdapterInfo {
    pub backend: String,
    pub name: String,
    pub driver: String,
    /// A CPU implementation of the graphics API (lavapipe, SwiftShader) or the CPU backend.
    pub software: bool,
}

impl std::fmt::Display for AdapterInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.software { "software" } else { "hardware" };
        write!(f, "{} — {} ({kind}", self.backend, self.name)?;
        if !self.driver.is_empty() {
            write!(f, ", {}", self.driver)?;
        }
        write!(f, ")")
    }
}

/// The largest buffer each opened wgpu device allows (the smaller of `max_buffer_size` and
/// `max_storage_buffer_binding_size`): every weight tensor must fit in one.
static BUFFER_LIMITS: Mutex<Vec<(Device, u64)>> = Mutex::new(Vec::new());

/// The largest single buffer `device` allows, when it has such a limit (not the CPU backend).
pub fn max_buffer_bytes(device: &Device) -> Option<u64> {
    let limits = BUFFER_LIMITS.lock().expect("buffer limits lock");
    limits.iter().find(|(d, _)| d == device).map(|&(_, max)| max)
}

/// Memory the system can still give this process, where the platform says.
pub fn available_memory() -> Option<u64> {
    let mut system = sysinfo::System::new();
    system.refresh_memory();
    Some(system.available_memory()).filter(|&bytes| bytes > 0)
}

/// Refuses a training step that cannot fit on `device`: one buffer's limit on a GPU, the
/// machine's free memory on the CPU backend (where a failed allocation aborts the process).
pub fn check_step_fits(device: &Device, step: &yushan_train::StepMemory) -> anyhow::Result<()> {
    let fits = match max_buffer_bytes(device) {
        Some(max_buffer) => step.check_buffer_limit(max_buffer),
        None => available_memory().map_or(Ok(()), |free| step.check_memory(free)),
    };
    fits.map_err(anyhow::Error::msg)
}

pub fn open(backend: Backend) -> anyhow::Result<(Device, AdapterInfo)> {
    match backend {
        Backend::Cpu => Ok((
            Device::flex(),
            AdapterInfo {
                backend: "cpu".into(),
                name: format!("burn flex, {} threads", std::thread::available_parallelism().map_or(1, |n| n.get())),
                driver: String::new(),
                software: true,
            },
        )),
        Backend::Wgpu => {
            let (device, setup) = Device::wgpu_options()
                .init_with_setup()
                .map_err(|e| anyhow::anyhow!("no wgpu adapter could be opened: {e:?}"))?;
            let info = setup.adapter.get_info();
            let limits = setup.device.limits();
            let max_buffer = limits.max_buffer_size.min(limits.max_storage_buffer_binding_size);
            BUFFER_LIMITS.lock().expect("buffer limits lock").push((device.clone(), max_buffer));
            let software = info.device_type == burn::tensor::wgpu::wgpu::DeviceType::Cpu;
            Ok((
                device,
                AdapterInfo {
                    backend: format!("wgpu/{:?}", info.backend).to_lowercase(),
                    name: info.name,
                    driver: format!("{} {}", info.driver, info.driver_info).trim().to_string(),
                    software,
                },
            ))
        }
    }
}
