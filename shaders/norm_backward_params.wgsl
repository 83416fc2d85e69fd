// The gradients of norm_forward.wgsl's weight and bias, one invocation per column j, summed
// over the rows: dweight_j = Σ dy · x̂,  dbias_j = Σ dy. Runs only when the norm trains.

struct Params { rows: u32, d: u32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> stats: array<f32>;
@group(0) @binding(2) var<storage, read_write> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(4) var<storage, read_write> dbias: array<f32>;
@group(0) @binding(5) var<storage, read_write> params: Params;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let j = (group.x + group.y * groups.x) * 64u + lid;
    if (j >= params.d) {
        return;
    }
    var w_sum = 0.0;
    var b_sum = 0.0;
    for (var row = 0u; row < params.rows; row = row + 1u) {
        let g = dy[row * params.d + j];
        w_sum = w_sum + g * (x[row * params.d + j] - stats[2u * row]) * stats[2u * row + 1u];
        b_sum = b_sum + g;
    }
    dweight[j] = w_sum;
    dbias[j] = b_sum;
}
