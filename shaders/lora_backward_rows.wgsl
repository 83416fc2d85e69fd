// The row-wise half of lora_forward.wgsl's backward pass, one workgroup per row n:
//   g[n, k]  = scale · Σ_j dy[n, j] · B[k, j]       (kept for A's gradient)
//   dx[n, i] = Σ_k g[n, k] · A[i, k]

struct Params { rows: u32, d_in: u32, rank: u32, d_out: u32, scale: f32 }

@group(0) @binding(0) var<storage, read_write> dy: array<f32>;
@group(0) @binding(1) var<storage, read_write> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<storage, read_write> params: Params;

const GROUP: u32 = 64u;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let row = group.x + group.y * groups.x;
    let live_row = row < params.rows;
    let rank = select(0u, params.rank, live_row);
    let d_in = select(0u, params.d_in, live_row);
    let d_out = params.d_out;

    for (var k = lid; k < rank; k = k + GROUP) {
        var sum = 0.0;
        for (var j = 0u; j < d_out; j = j + 1u) {
            sum = sum + dy[row * d_out + j] * b[k * d_out + j];
        }
        g[row * params.rank + k] = params.scale * sum;
    }
    storageBarrier();
    workgroupBarrier();

    for (var i = lid; i < d_in; i = i + GROUP) {
        var sum = 0.0;
        for (var k = 0u; k < rank; k = k + 1u) {
            sum = sum + g[row * params.rank + k] * a[i * params.rank + k];
        }
        dx[row * params.d_in + i] = sum;
    }
}
