// The input gradient of norm_forward.wgsl, one workgroup per row. With x̂ = (x − mean)/σ and
// g = dy · weight:
//   LayerNorm  dx = (g − mean(g) − x̂ · mean(g · x̂)) / σ
//   RMSNorm    dx = (g − x̂ · mean(g · x̂)) / σ

struct Params { rows: u32, d: u32, layer_norm: u32, pad: u32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> weight: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<storage, read_write> params: Params;

// GROUP and group_sum come from group_sum.wgsl.

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    // Workgroups past the last row (the grid is rounded up) do nothing, but they still reach
    // every barrier: no early return before one.
    let row = group.x + group.y * groups.x;
    let live_row = row < params.rows;
    let d = select(0u, params.d, live_row);
    let base = row * d;
    let stat = 2u * min(row, params.rows - 1u);
    let mean = stats[stat];
    let inv_std = stats[stat + 1u];

    var g_sum = 0.0;
    var gx_sum = 0.0;
    for (var j = lid; j < d; j = j + GROUP) {
        let g = dy[base + j] * weight[j];
        g_sum = g_sum + g;
        gx_sum = gx_sum + g * (x[base + j] - mean) * inv_std;
    }
    var g_mean = group_sum(lid, g_sum) / f32(max(d, 1u));
    if (params.layer_norm == 0u) {
        g_mean = 0.0;
    }
    let gx_mean = group_sum(lid, gx_sum) / f32(max(d, 1u));

    for (var j = lid; j < d; j = j + GROUP) {
        let g = dy[base + j] * weight[j];
        let x_hat = (x[base + j] - mean) * inv_std;
        dx[base + j] = (g - g_mean - x_hat * gx_mean) * inv_std;
    }
}
