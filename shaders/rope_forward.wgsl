// Rotary position embedding ("rotate half", as Hugging Face's Llama), element-wise over x laid
// out [.., position, .., head_dim] with `position_stride` elements between positions:
//   y = x · cos + rotate_half(x) · sin,  rotate_half([x1, x2]) = [−x2, x1].
// With `transposed` set it applies the transpose (the backward pass): for dy,
//   dx = dy · cos + rotate_half_ᵀ(dy · sin),  rotate_half_ᵀ([a1, a2]) = [a2, −a1].

struct Params { len: u32, positions: u32, position_stride: u32, head_dim: u32, transposed: u32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> cos_table: array<f32>; // [positions, head_dim]
@group(0) @binding(2) var<storage, read_write> sin_table: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> params: Params;

@compute @workgroup_size(256)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let idx = (group.x + group.y * groups.x) * 256u + lid;
    if (idx >= params.len) {
        return;
    }
    let d = params.head_dim;
    let half_dim = d / 2u;
    let i = idx % d;
    let t = (idx / params.position_stride) % params.positions;
    let table = t * d;
    // The partner element: the same place in the other half of the head.
    var partner = idx + half_dim;
    var rot_sign = -1.0; // first half: rotate_half takes −x2
    if (i >= half_dim) {
        partner = idx - half_dim;
        rot_sign = 1.0; // second half: rotate_half takes x1
    }
    let pair = select(i + half_dim, i - half_dim, i >= half_dim);
    if (params.transposed == 0u) {
        y[idx] = x[idx] * cos_table[table + i] + rot_sign * x[partner] * sin_table[table + i];
    } else {
        // rotate_halfᵀ moves the partner's term back with the opposite sign and its own sine.
        y[idx] = x[idx] * cos_table[table + i] - rot_sign * x[partner] * sin_table[table + pair];
    }
}
