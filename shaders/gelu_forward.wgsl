// GPT-2's GELU ("gelu_new", the tanh approximation), element-wise, written as x·σ(2u):
//   gelu(x) = 0.5·x·(1 + tanh u) = x·σ(2u),  u = √(2/π)·(x + 0.044715·x³).
// With `backward` set it writes dy · gelu'(x) instead:
//   gelu'(x) = σ(2u) + x·2σ(2u)(1 − σ(2u))·√(2/π)·(1 + 3·0.044715·x²).

struct Params { len: u32, backward: u32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> dy: array<f32>; // read only for the backward pass
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> params: Params;

const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const CUBIC: f32 = 0.044715;

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
    let v = x[i];
    let u = SQRT_2_OVER_PI * (v + CUBIC * v * v * v);
    let s = 1.0 / (1.0 + exp(-2.0 * u));
    if (params.backward == 0u) {
        y[i] = v * s;
    } else {
        let slope = 2.0 * s * (1.0 - s) * SQRT_2_OVER_PI * (1.0 + 3.0 * CUBIC * v * v);
        y[i] = dy[i] * (s + v * slope);
    }
}
