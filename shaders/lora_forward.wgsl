// A LoRA update added onto the frozen projection's output, one workgroup per row n:
//   low[n, k] = Σ_i x[n, i] · A[i, k]                (k < r; kept for the backward pass)
//   y_out[n, j] = y[n, j] + scale · Σ_k low[n, k] · B[k, j]
// x [rows, d_in], A [d_in, r], B [r, d_out], y and y_out [rows, d_out].

struct Params { rows: u32, d_in: u32, rank: u32, d_out: u32, scale: f32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> low: array<f32>;
@group(0) @binding(5) var<storage, read_write> y_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> params: Params;

const GROUP: u32 = 64u;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    // Workgroups past the last row still reach the barrier: no early return before it.
    let row = group.x + group.y * groups.x;
    let live_row = row < params.rows;
    let rank = select(0u, params.rank, live_row);
    let d_out = select(0u, params.d_out, live_row);
    let d_in = params.d_in;

    for (var k = lid; k < rank; k = k + GROUP) {
        var sum = 0.0;
        for (var i = 0u; i < d_in; i = i + 1u) {
            sum = sum + x[row * d_in + i] * a[i * params.rank + k];
        }
        low[row * params.rank + k] = sum;
    }
    // low is read back by every invocation of the workgroup.
    storageBarrier();
    workgroupBarrier();

    for (var j = lid; j < d_out; j = j + GROUP) {
        var sum = 0.0;
        for (var k = 0u; k < rank; k = k + 1u) {
            sum = sum + low[row * params.rank + k] * b[k * params.d_out + j];
        }
        y_out[row * params.d_out + j] = y[row * params.d_out + j] + params.scale * sum;
    }
}
