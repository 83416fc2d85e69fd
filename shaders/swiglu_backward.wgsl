// The gradients of swiglu_forward.wgsl: with s = σ(gate),
//   dgate = dh · up · s · (1 + gate · (1 − s)),   dup = dh · gate · s.

struct Params { len: u32 }

@group(0) @binding(0) var<storage, read_write> gate: array<f32>;
@group(0) @binding(1) var<storage, read_write> up: array<f32>;
@group(0) @binding(2) var<storage, read_write> dh: array<f32>;
@group(0) @binding(3) var<storage, read_write> dgate: array<f32>;
@group(0) @binding(4) var<storage, read_write> dup: array<f32>;
@group(0) @binding(5) var<storage, read_write> params: Params;

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
    let s = 1.0 / (1.0 + exp(-g));
    dgate[i] = dh[i] * up[i] * s * (1.0 + g * (1.0 - s));
    dup[i] = dh[i] * g * s;
}
