//! Global gradient-norm clipping (PyTorch's `clip_grad_norm_`), on the device: burn's own
//! clipping works per tensor, which changes the direction of the update.

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

/// Scales every gradient by min(1, max_norm / ‖g‖), ‖g‖ over all trainable parameters.
pub fn clip_global_norm<M: Module>(module: &M, mut grads: GradientsParams, max_norm: f64) -> GradientsParams {
    let mut ids = Trainable::default();
    module.visit(&mut ids);
    let mut squares: Option<Tensor<1>> = None;
    for (id, rank) in &ids.0 {
        let sq = match rank {
            1 => grads.get::<1>(*id).map(|g| g.square().sum()),
            2 => grads.get::<2>(*id).map(|g| g.square().sum()),
            _ => None,
        };
        if let Some(sq) = sq {
            squares = Some(match squares {
                Some(acc) => acc + sq,
                None => sq,
            });
        }
    }
    let Some(squares) = squares else { return grads };
    let coef = (squares.sqrt().add_scalar(1e-6).recip() * max_norm).clamp_max(1.0);
    for (id, rank) in &ids.0 {
        match rank {
            1 => {
                if let Some(g) = grads.remove::<1>(*id) {
                    grads.register(*id, g * coef.clone());
                }
            }
            2 => {
                if let Some(g) = grads.remove::<2>(*id) {
                    grads.register(*id, g * coef.clone().unsqueeze::<2>());
                }
            }
            _ => {}
        }
    }
    grads
}

#[derive(Default)]
struct Trainable(Vec<(ParamId, usize)>);

impl ModuleVisitor for Trainable {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if param.is_require_grad() {
            self.0.push((param.id, D));
        }
    }
}
