// Shared by the kernels that reduce a row in one workgroup of 64 (prepended to their source).

const GROUP: u32 = 64u;
var<workgroup> partial: array<f32, GROUP>;

// The sum of `value` over the workgroup, returned to every invocation. Every invocation must
// call it (it holds barriers).
fn group_sum(lid: u32, value: f32) -> f32 {
    partial[lid] = value;
    workgroupBarrier();
    for (var stride = GROUP / 2u; stride > 0u; stride = stride / 2u) {
        if (lid < stride) {
            partial[lid] = partial[lid] + partial[lid + stride];
        }
        workgroupBarrier();
    }
    let total = partial[0];
    workgroupBarrier();
    return total;
}
