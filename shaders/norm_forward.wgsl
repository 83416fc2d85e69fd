// RMSNorm (Llama) or LayerNorm (GPT-2) over each row of x [rows, d], one workgroup per row:
//   LayerNorm  y = (x − mean)/σ · weight + bias,  σ = sqrt(mean((x − mean)²) + eps)
//   RMSNorm    y = x/σ · weight,                  σ = sqrt(mean(x²) + eps)
// Writes (mean, 1/σ) of each row to `stats` for the backward pass.

struct Params { rows: u32, d: u32, layer_norm: u32, eps: f32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> weight: array<f32>;
@group(0) @binding(2) var<storage, read_write> bias: array<f32>; // read only for LayerNorm
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;
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
    let centre = params.layer_norm != 0u;

    var sum = 0.0;
    if (centre) {
        for (var j = lid; j < d; j = j + GROUP) {
            sum = sum + x[base + j];
        }
    }
    let mean = group_sum(lid, sum) / f32(max(d, 1u));

    var squares = 0.0;
    for (var j = lid; j < d; j = j + GROUP) {
        let c = x[base + j] - mean;
        squares = squares + c * c;
    }
    let inv_std = 1.0 / sqrt(group_sum(lid, squares) / f32(max(d, 1u)) + params.eps);

    for (var j = lid; j < d; j = j + GROUP) {
        var value = (x[base + j] - mean) * inv_std * weight[j];
        if (centre) {
            value = value + bias[j];
        }
        y[base + j] = value;
    }
    if (live_row && lid == 0u) {
        stats[2u * row] = mean;
        stats[2u * row + 1u] = inv_std;
    }
}
