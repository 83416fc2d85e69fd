// One AdamW step over every trainable weight at once, element-wise over the flat vectors, with
// global-norm gradient clipping folded in (PyTorch's clip_grad_norm_ and AdamW):
//   g  ← g · min(1, max_norm / (‖g‖ + 1e-6))        when max_norm > 0; ‖g‖² is `sum_squares[0]`
//   m  ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²
//   p  ← p·(1 − lr·wd) − lr · (m / (1 − β₁ᵗ)) / (sqrt(v / (1 − β₂ᵗ)) + ε)
// `moments` holds m then v ([2·len]); the new values go to `moments_out` and `params_out`.

struct Params {
    len: u32,
    lr: f32,
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    weight_decay: f32,
    max_norm: f32,          // ≤ 0: no clipping
    correction_1: f32,      // 1 − β₁ᵗ
    correction_2: f32,      // 1 − β₂ᵗ
}

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> moments: array<f32>;
@group(0) @binding(3) var<storage, read_write> sum_squares: array<f32>;
@group(0) @binding(4) var<storage, read_write> param_out: array<f32>;
@group(0) @binding(5) var<storage, read_write> moments_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> params: Params;

@compute @workgroup_size(256)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let i = (group.x + group.y * groups.x) * 256u + lid;
    let n = params.len;
    if (i >= n) {
        return;
    }
    var g = grad[i];
    if (params.max_norm > 0.0) {
        g = g * min(1.0, params.max_norm / (sqrt(sum_squares[0]) + 1e-6));
    }
    let m = params.beta_1 * moments[i] + (1.0 - params.beta_1) * g;
    let v = params.beta_2 * moments[n + i] + (1.0 - params.beta_2) * g * g;
    moments_out[i] = m;
    moments_out[n + i] = v;
    let step = (m / params.correction_1) / (sqrt(v / params.correction_2) + params.epsilon);
    param_out[i] = param[i] * (1.0 - params.lr * params.weight_decay) - params.lr * step;
}
