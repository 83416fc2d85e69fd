//! How far fine-tuning moved a model: ‖W − W₀‖ / ‖W₀‖ over every weight the two models share,
//! computed on the device with one readback.

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;
use yushan_model::Model;
use yushan_train::TrainError;

/// Relative Frobenius distance between two models of the same shape (adapters merged first).
pub async fn relative_change(before: &Model, after: &Model) -> Result<f64, TrainError> {
    let (a, b) = (flat_weights(before), flat_weights(after));
    if a.len() != b.len() {
        return Err(TrainError::Config(format!(
            "the models differ in shape ({} vs {} weight tensors)",
            a.len(),
            b.len()
        )));
    }
    let mut diff: Option<Tensor<1>> = None;
    let mut base: Option<Tensor<1>> = None;
    for (x, y) in a.into_iter().zip(b) {
        if x.dims() != y.dims() {
            return Err(TrainError::Config(format!("the models differ in shape ({:?} vs {:?})", x.dims(), y.dims())));
        }
        let d = (y - x.clone()).square().sum();
        let n = x.square().sum();
        diff = Some(match diff {
            Some(acc) => acc + d,
            None => d,
        });
        base = Some(match base {
            Some(acc) => acc + n,
            None => n,
        });
    }
    let (Some(diff), Some(base)) = (diff, base) else { return Ok(0.0) };
    let both = Tensor::cat(vec![diff, base], 0);
    let values = both
        .into_data_async()
        .await
        .map_err(|e| TrainError::Device(format!("{e:?}")))?
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| TrainError::Device(format!("{e:?}")))?;
    Ok((values[0] as f64).sqrt() / (values[1] as f64).sqrt().max(f64::MIN_POSITIVE))
}

/// Every float parameter, flattened, in module order.
fn flat_weights(model: &Model) -> Vec<Tensor<1>> {
    struct Collect(Vec<Tensor<1>>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let t = param.val();
            let n = t.shape().num_elements();
            self.0.push(t.reshape([n]));
        }
    }
    let mut c = Collect(Vec::new());
    model.visit(&mut c);
    c.0
}
