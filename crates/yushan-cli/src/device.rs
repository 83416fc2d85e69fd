//! Opening the compute device the user asked for, and describing it.

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
