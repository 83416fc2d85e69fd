// SwiGLU's product, element-wise: h = silu(gate) · up, silu(g) = g · σ(g).

struct Params { len: u32 }

@group(0) @binding(0) var<storage, read_write> gate: array<f32>;
@group(0) @binding(1) var<storage, read_write> up: array<f32>;
@group(0) @binding(2) var<storage, read_write> h: array<f32>;
@group(0) @binding(3) var<storage, read_write> params: Params;

@compute @workgroup_size(256)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let i = (group.x + group.y * groups.x) * 256u + lid;
    if (i >= params.len) {
        return;
    }
    let g = gate[i];
    h[i] = g / (1.0 + exp(-g)) * up[i];
}
