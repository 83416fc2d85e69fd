// The adapter's gradients from lora_forward.wgsl's saved `low` and lora_backward_rows.wgsl's
// `g`, one invocation per weight, summed over the rows:
//   dA[i, k] = Σ_n x[n, i] · g[n, k]               (the first d_in · r invocations)
//   dB[k, j] = scale · Σ_n low[n, k] · dy[n, j]    (the next r · d_out)

struct Params { rows: u32, d_in: u32, rank: u32, d_out: u32, scale: f32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> low: array<f32>;
@group(0) @binding(3) var<storage, read_write> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> da: array<f32>;
@group(0) @binding(5) var<storage, read_write> db: array<f32>;
@group(0) @binding(6) var<storage, read_write> params: Params;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let idx = (group.x + group.y * groups.x) * 64u + lid;
    let r = params.rank;
    let a_len = params.d_in * r;
    if (idx < a_len) {
        let i = idx / r;
        let k = idx % r;
        var sum = 0.0;
        for (var n = 0u; n < params.rows; n = n + 1u) {
            sum = sum + x[n * params.d_in + i] * g[n * r + k];
        }
        da[idx] = sum;
    } else if (idx < a_len + r * params.d_out) {
        let e = idx - a_len;
        let k = e / params.d_out;
        let j = e % params.d_out;
        var sum = 0.0;
        for (var n = 0u; n < params.rows; n = n + 1u) {
            sum = sum + low[n * r + k] * dy[n * params.d_out + j];
        }
        db[e] = params.scale * sum;
    }
}
