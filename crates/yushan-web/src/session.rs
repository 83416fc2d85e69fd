//! The page's fine-tuning session: load a model, set data, configure, train N steps, generate.
//! Thin glue over yushan-train (`prepare`, `Trainer::step`, `answer`); the worker calls these
//! one at a time, and a call that arrives while another is awaiting the GPU is refused.

use std::cell::RefCell;

use burn::module::Module;
use burn::tensor::FloatDType;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use yushan_data::{ChatTokenizer, Conversation, Template, parse_jsonl};
use yushan_model::{FrozenPrecision, Kernels, LoraConfig, LoraTarget, Model, ModelConfig, dtype_name};
use yushan_train::{
    FineTuneSpec, SamplingConfig, StepEvent, StepMemory, TrainConfig, Trainer, answer, fitting_seq_len,
    next_token_choices, prepare, question_prompt,
};

use crate::{gpu_device, to_js};

#[derive(Default)]
struct Session {
    /// The base model on the GPU (no adapter).
    base: Option<Model>,
    tokenizer: Option<ChatTokenizer>,
    conversations: Vec<Conversation>,
    options: TrainOptions,
    /// `None` while a `train_steps` call holds it across an await (or before training).
    trainer: Option<Trainer>,
    /// A `train_steps` or `generate` call is awaiting the GPU.
    busy: bool,
    /// An adapter loaded from files or from this browser's store, attached to the base model.
    /// A run trained in this session takes precedence over it.
    loaded: Option<(Model, LoraConfig)>,
}

thread_local! {
    static SESSION: RefCell<Session> = RefCell::new(Session::default());
    /// The GPU kernels of the models loaded from now on (the bench page compares both).
    static KERNELS: std::cell::Cell<Kernels> = const { std::cell::Cell::new(Kernels::Wgsl) };
}

/// The kernels the page's models run: the fused WGSL kernels unless `set_kernels` said otherwise.
pub(crate) fn kernels() -> Kernels {
    KERNELS.with(|k| k.get())
}

/// Choose the GPU kernels (`wgsl` or `burn`) of the models loaded after this call.
#[wasm_bindgen]
pub fn set_kernels(name: &str) -> Result<(), JsError> {
    let kernels =
        Kernels::parse(name).ok_or_else(|| JsError::new(&format!("unknown kernels {name:?} (wgsl or burn)")))?;
    KERNELS.with(|k| k.set(kernels));
    Ok(())
}

fn with<R>(f: impl FnOnce(&mut Session) -> R) -> R {
    SESSION.with(|s| f(&mut s.borrow_mut()))
}

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// Options from JS: any subset of the fields (`#[serde(default)]`); none at all means defaults.
fn options_from_js<T: serde::de::DeserializeOwned + Default>(value: JsValue, what: &str) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("{what}: {e}")))
}

/// Marks the session busy for the lifetime of an async call.
struct Busy;
impl Busy {
    fn take() -> Result<Self, JsError> {
        with(|s| {
            if s.busy {
                Err(JsError::new("the engine is busy (training or generating): wait for it to finish"))
            } else {
                s.busy = true;
                Ok(Busy)
            }
        })
    }
}
impl Drop for Busy {
    fn drop(&mut self) {
        with(|s| s.busy = false);
    }
}

/// Settings the page can change; anything left out keeps its default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainOptions {
    /// LoRA rank; 0 = full fine-tuning (every weight) instead of LoRA.
    pub lora_r: usize,
    pub lora_alpha: f64,
    /// Dropout on the adapter's input while training (0 = none).
    pub lora_dropout: f64,
    /// Short (`q`, `v`) or PEFT (`q_proj`) names.
    pub targets: Vec<String>,
    /// Peak learning rate.
    pub lr: f64,
    pub steps: usize,
    pub batch: usize,
    /// Tokens per row; 0 = fit the longest conversation (rounded up to 16, within the context).
    pub seq: usize,
    pub seed: u64,
    pub template: String,
    /// `enable_thinking` for the model's own template (Qwen3); `None` leaves it undefined.
    pub enable_thinking: Option<bool>,
    pub warmup_steps: usize,
    pub eval_every: usize,
    /// Share of conversations held out for evaluation; `None` = 10 % when there are at least
    /// 20 conversations, else none (a tiny set needs every example to learn from).
    pub heldout_fraction: Option<f64>,
    pub weight_decay: f64,
    pub grad_clip: Option<f64>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        let t = TrainConfig::default();
        Self {
            lora_r: 8,
            lora_alpha: 16.0,
            lora_dropout: 0.0,
            // The page's defaults (index.html), for models/knowledge and the 8 最 pairs. The
            // shortcut lesson's LoRA arm at these settings (`yushan lesson shortcut --set
            // lora_steps=20 --set lora_lr=5e-4`, CPU, seeds 0-3) answers 93-95% of its 60
            // held-out questions right and stops, and repeats a training answer in 1.7%; on
            // every projection 85% and 5%.
            targets: ["q", "k", "v", "o"].map(String::from).to_vec(),
            lr: 5e-4,
            steps: 20,
            batch: 8,
            seq: 0,
            seed: t.seed,
            template: Template::Plain.name().into(),
            enable_thinking: None,
            warmup_steps: 3,
            eval_every: 5,
            heldout_fraction: None,
            weight_decay: t.weight_decay,
            grad_clip: t.grad_clip,
        }
    }
}

impl TrainOptions {
    /// The held-out share a run over `conversations` conversations uses.
    fn heldout_fraction_for(&self, conversations: usize) -> f64 {
        self.heldout_fraction.unwrap_or(if conversations >= 20 { 0.1 } else { 0.0 })
    }

    /// `fitting`: the row length that holds the data (`fitting_seq_len`, used for `seq: 0`);
    /// `conversations`: how many there are.
    fn spec(&self, fitting: usize, conversations: usize) -> Result<FineTuneSpec, String> {
        let template = Template::parse(&self.template)
            .ok_or_else(|| format!("unknown template {:?} (use plain, chatml, none or model)", self.template))?;
        let lora = if self.lora_r == 0 {
            None
        } else {
            let targets = LoraTarget::parse_list(self.targets.iter().map(String::as_str))?;
            Some(LoraConfig { dropout: self.lora_dropout, ..LoraConfig::new(self.lora_r, self.lora_alpha, &targets) })
        };
        let spec = FineTuneSpec {
            template,
            batch_size: self.batch,
            seq_len: if self.seq == 0 { fitting } else { self.seq },
            heldout_fraction: self.heldout_fraction_for(conversations),
            train: TrainConfig {
                lora,
                learning_rate: self.lr,
                // Not a page setting: a short run (a test's two steps) warms up over all of it.
                warmup_steps: self.warmup_steps.min(self.steps),
                steps: self.steps,
                weight_decay: self.weight_decay,
                grad_clip: self.grad_clip,
                seed: self.seed,
                eval_every: self.eval_every,
                ..TrainConfig::default()
            },
        };
        spec.check()?;
        Ok(spec)
    }
}

#[derive(Serialize)]
struct ModelSummary {
    config: ModelConfig,
    vocab_size: usize,
    params: usize,
    /// The model has its own chat template (the "model" template can be used).
    chat_template: bool,
    /// How its frozen matrices are stored on the GPU: "f16" (shader-f16) or "f32".
    matrix_dtype: &'static str,
}

/// The dtype the page stores a model's frozen matrices in: f16 on a GPU with shader-f16, f32
/// elsewhere (and before the GPU is open).
pub(crate) fn matrix_dtype() -> FloatDType {
    gpu_device().ok().and_then(|d| FrozenPrecision::Auto.dtype_on(&d).ok()).unwrap_or(FloatDType::F32)
}

/// Load the base model: `config.json` text, `model.safetensors` bytes, `tokenizer.json` text
/// and, when the model has one, `tokenizer_config.json` text (its chat template).
/// Drops any trainer and adapter from before.
#[wasm_bindgen]
pub fn load_model(
    config_json: &str,
    weights: &[u8],
    tokenizer_json: &str,
    tokenizer_config_json: Option<String>,
) -> Result<JsValue, JsError> {
    let tokenizer = crate::studio::read_tokenizer(tokenizer_json, tokenizer_config_json.as_deref(), None)
        .map_err(|e| JsError::new(&e))?;
    install_model(config_json, tokenizer, |config, device, dtype| {
        Model::from_safetensors(config, weights, device).map(|m| m.with_matrix_dtype(dtype))
    })
}

/// Builds a model with `build` and makes it the session's base model, with `tokenizer`; the
/// model in use stays until the new one is complete. Refused at once while the engine is busy,
/// or when a weight cannot fit in one buffer of the device.
pub(crate) fn install_model(
    config_json: &str,
    tokenizer: ChatTokenizer,
    build: impl FnOnce(&ModelConfig, &burn::tensor::Device, FloatDType) -> Result<Model, yushan_model::ModelError>,
) -> Result<JsValue, JsError> {
    let device = gpu_device()?;
    let dtype = matrix_dtype();
    let busy = || JsError::new("the engine is busy: wait for it to finish");
    if with(|s| s.busy) {
        return Err(busy());
    }
    let config = ModelConfig::from_json(config_json).map_err(err)?;
    if tokenizer.vocab_size() > config.vocab_size {
        return Err(JsError::new(&format!(
            "the tokenizer has {} tokens but the model only {}",
            tokenizer.vocab_size(),
            config.vocab_size
        )));
    }
    if let Some(report) = crate::gpu_report().filter(|r| r.max_buffer_bytes() > 0) {
        config.weight_estimate().with_matrix_dtype(dtype).check_buffer_limit(report.max_buffer_bytes()).map_err(err)?;
    }
    let model = build(&config, &device, dtype).map_err(err)?.with_kernels(kernels());
    let summary = ModelSummary {
        config,
        vocab_size: tokenizer.vocab_size(),
        params: model.num_params(),
        chat_template: tokenizer.chat_template().is_some(),
        matrix_dtype: dtype_name(dtype),
    };
    with(|s| {
        if s.busy {
            return Err(busy());
        }
        s.base = Some(model);
        s.loaded = None;
        s.tokenizer = Some(tokenizer);
        s.trainer = None;
        Ok(())
    })?;
    to_js(&summary)
}

#[derive(Serialize)]
struct TrainablePlan {
    trainable: usize,
    total: usize,
}

/// What a run with `options` would train on the loaded model: `{trainable, total}` parameters
/// (the adapter's factors under LoRA, every weight with `lora_r: 0`).
#[wasm_bindgen]
pub fn trainable_params(options: JsValue) -> Result<JsValue, JsError> {
    let options: TrainOptions = options_from_js(options, "training options")?;
    let spec = options.spec(16, 0).map_err(|e| JsError::new(&e))?;
    let plan = with(|s| {
        let base = s.base.as_ref().ok_or_else(|| JsError::new("no model loaded: call load_model first"))?;
        let total = base.num_params();
        let trainable = spec.train.lora.as_ref().map_or(total, |lora| lora.trainable_params(&base.config));
        Ok::<_, JsError>(TrainablePlan { trainable, total })
    })?;
    to_js(&plan)
}

#[derive(Serialize)]
struct DataSet {
    conversations: usize,
}

/// Indexes of the conversations that a run with `options` over `count` conversations holds out
/// for evaluation (the data panel marks them).
#[wasm_bindgen]
pub fn heldout_rows(options: JsValue, count: usize) -> Result<Vec<u32>, JsError> {
    let options: TrainOptions = options_from_js(options, "options")?;
    let mask = yushan_data::heldout_mask(count, options.heldout_fraction_for(count), options.seed);
    Ok(mask.iter().enumerate().filter(|(_, held)| **held).map(|(i, _)| i as u32).collect())
}

/// Set the training data from JSONL text (`{"messages":[...]}` or `{"prompt","completion"}`
/// lines). Errors name the line and the field. Resets training.
#[wasm_bindgen]
pub fn set_data(jsonl: &str) -> Result<JsValue, JsError> {
    let conversations = parse_jsonl(jsonl).map_err(err)?;
    if conversations.is_empty() {
        return Err(JsError::new("the data has no conversations"));
    }
    let n = conversations.len();
    with(|s| {
        s.conversations = conversations;
        s.trainer = None;
    });
    to_js(&DataSet { conversations: n })
}

/// Set training options (see `TrainOptions`; any subset). Resets training. Returns the
/// options in effect.
#[wasm_bindgen]
pub fn configure(options: JsValue) -> Result<JsValue, JsError> {
    let options: TrainOptions = options_from_js(options, "training options")?;
    // Validate now, so a bad option fails here rather than at the first step.
    options.spec(16, 0).map_err(|e| JsError::new(&e))?;
    with(|s| {
        s.options = options.clone();
        s.trainer = None;
    });
    to_js(&options)
}

/// Train up to `n` more steps (stopping at the configured total) and return their events:
/// `{step, total_steps, loss, heldout_loss, lr, step_ms, tokens_per_s, elapsed_ms}`.
/// The first call prepares the data and attaches fresh adapters.
#[wasm_bindgen]
pub async fn train_steps(n: usize) -> Result<JsValue, JsError> {
    let _busy = Busy::take()?;
    let mut trainer = match with(|s| s.trainer.take()) {
        Some(t) => t,
        None => new_trainer()?,
    };
    let mut events: Vec<StepEvent> = Vec::with_capacity(n);
    let mut result = Ok(());
    for _ in 0..n {
        if trainer.is_done() {
            break;
        }
        match trainer.step().await {
            Ok(ev) => events.push(ev),
            Err(e) => {
                result = Err(err(e));
                break;
            }
        }
    }
    with(|s| s.trainer = Some(trainer));
    result?;
    to_js(&events)
}

fn new_trainer() -> Result<Trainer, JsError> {
    let device = gpu_device()?;
    with(|s| {
        let base = s.base.clone().ok_or_else(|| JsError::new("no model loaded: call load_model first"))?;
        let tokenizer = s.tokenizer.clone().ok_or_else(|| JsError::new("no tokenizer loaded"))?;
        if s.conversations.is_empty() {
            return Err(JsError::new("no training data: call set_data first"));
        }
        let template = Template::parse(&s.options.template).unwrap_or(Template::Plain);
        let tokenizer = &tokenizer.with_thinking(template, s.options.enable_thinking).map_err(err)?;
        let fitting = fitting_seq_len(&s.conversations, template, tokenizer, base.config.max_seq_len, 16);
        let spec = s.options.spec(fitting, s.conversations.len()).map_err(|e| JsError::new(&e))?;
        // A batch too large for one GPU buffer is refused with its figure, not left to fail in WebGPU.
        let max_buffer = crate::gpu_report().map_or(0, |r| r.max_buffer_size.min(r.max_storage_buffer_binding_size));
        if max_buffer > 0 {
            let step = StepMemory::estimate(&base.config, spec.batch_size, spec.seq_len);
            step.check_buffer_limit(max_buffer).map_err(|e| JsError::new(&e))?;
        }
        let (trainer, _summary) = prepare(base, tokenizer, &s.conversations, &spec, &device).map_err(err)?;
        Ok(trainer)
    })
}

/// Sampling options for `generate`; anything left out keeps its default.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct GenerateOptions {
    pub max_tokens: usize,
    /// 0 = greedy.
    pub temperature: f64,
    pub top_k: usize,
    pub top_p: f64,
    pub seed: u64,
    /// Answer with the fine-tuned adapter (when there is one) or with the base model.
    pub use_adapter: bool,
    pub system: Option<String>,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self { max_tokens: 64, temperature: 0.7, top_k: 40, top_p: 0.9, seed: 0, use_adapter: true, system: None }
    }
}

#[derive(Serialize)]
struct Answer {
    text: String,
    tokens: usize,
    /// The answer's token ids, and the stop token that ended it (for `next_tokens`).
    ids: Vec<u32>,
    stop: String,
    used_adapter: bool,
}

/// The model that answers: the run's adapter, a loaded one, or the base (`use_adapter` false or
/// no adapter yet); whether it has an adapter; the tokenizer and template it answers in.
fn answering_model(use_adapter: bool) -> Result<(Model, bool, ChatTokenizer, Template), JsError> {
    with(|s| {
        let tokenizer = s.tokenizer.clone().ok_or_else(|| JsError::new("no model loaded: call load_model first"))?;
        let template = Template::parse(&s.options.template).unwrap_or(Template::Plain);
        let tokenizer = tokenizer.with_thinking(template, s.options.enable_thinking).map_err(err)?;
        match (&s.trainer, &s.loaded, use_adapter) {
            (Some(trainer), _, true) if trainer.steps_done() > 0 => {
                Ok((trainer.model().clone().valid(), true, tokenizer, template))
            }
            (_, Some((model, _)), true) => Ok((model.clone(), true, tokenizer, template)),
            _ => {
                let base = s.base.clone().ok_or_else(|| JsError::new("no model loaded: call load_model first"))?;
                Ok((base, false, tokenizer, template))
            }
        }
    })
}

/// Answer `prompt` as one user turn. `on_text`, when given, is called with the text so far
/// after each new token. Returns `{text, tokens, ids, stop, used_adapter}`.
#[wasm_bindgen]
pub async fn generate(prompt: String, options: JsValue, on_text: Option<js_sys::Function>) -> Result<JsValue, JsError> {
    let options: GenerateOptions = options_from_js(options, "generation options")?;
    let _busy = Busy::take()?;
    let (model, used_adapter, tokenizer, template) = answering_model(options.use_adapter)?;
    let sampling = SamplingConfig {
        max_new_tokens: options.max_tokens,
        temperature: options.temperature,
        top_k: options.top_k,
        top_p: options.top_p,
        seed: options.seed,
    };
    let mut so_far: Vec<u32> = Vec::new();
    let (text, generation) =
        answer(&model, &tokenizer, template, options.system.as_deref(), &prompt, &sampling, |id| {
            if let Some(f) = &on_text {
                so_far.push(id);
                let _ = f.call1(&JsValue::NULL, &JsValue::from_str(&tokenizer.decode(&so_far)));
            }
        })
        .await
        .map_err(err)?;
    to_js(&Answer {
        text,
        tokens: generation.tokens.len(),
        ids: generation.tokens.iter().copied().chain(generation.stop_token).collect(),
        stop: format!("{:?}", generation.stop),
        used_adapter,
    })
}

/// Options for `next_tokens`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct ChoicesOptions {
    /// Ask the fine-tuned model (when there is one) or the base.
    pub use_adapter: bool,
    /// How many of the most likely tokens to give at each position.
    pub top: usize,
    pub system: Option<String>,
}

impl Default for ChoicesOptions {
    fn default() -> Self {
        Self { use_adapter: true, top: 5, system: None }
    }
}

/// What the model expected at each position of `answer` (token ids, as `generate` returns them)
/// after `prompt` as one user turn: `[{token: {id, text, p}, top: [{id, text, p}…]}…]`.
#[wasm_bindgen]
pub async fn next_tokens(prompt: String, answer: Vec<u32>, options: JsValue) -> Result<JsValue, JsError> {
    let options: ChoicesOptions = options_from_js(options, "next-token options")?;
    let _busy = Busy::take()?;
    let (model, _, tokenizer, template) = answering_model(options.use_adapter)?;
    let prompt = question_prompt(&tokenizer, template, options.system.as_deref(), &prompt).map_err(err)?;
    let positions = next_token_choices(&model, &tokenizer, &prompt, &answer, options.top).await.map_err(err)?;
    to_js(&positions)
}

#[derive(Serialize)]
struct LoadedAdapter {
    rank: usize,
    alpha: f64,
    targets: Vec<String>,
    trainable: usize,
}

/// Attach a PEFT adapter (`adapter_config.json` text, `adapter_model.safetensors` bytes) to the
/// base model; `generate` with `use_adapter` then answers with it. Ends any run in progress
/// (its adapter can be exported first). Errors name the tensor or field that does not fit.
#[wasm_bindgen]
pub fn load_adapter(config_json: &str, weights: &[u8]) -> Result<JsValue, JsError> {
    let base = with(|s| {
        if s.busy {
            return Err(JsError::new("the engine is busy: wait for it to finish"));
        }
        s.base.clone().ok_or_else(|| JsError::new("no model loaded: call load_model first"))
    })?;
    let (model, lora) = base.with_peft_adapter(config_json, weights).map_err(err)?;
    let report = LoadedAdapter {
        rank: lora.rank,
        alpha: lora.alpha,
        targets: lora.targets.iter().map(|t| format!("{t:?}").to_lowercase()).collect(),
        trainable: model.trainable_params(),
    };
    with(|s| {
        s.loaded = Some((model, lora));
        s.trainer = None;
    });
    to_js(&report)
}

/// The trained adapter in PEFT layout: `{config_json, safetensors}` (a `Uint8Array`).
#[wasm_bindgen]
pub async fn export_adapter() -> Result<JsValue, JsError> {
    let _busy = Busy::take()?;
    let (model, lora) = with(|s| {
        if let Some(trainer) = s.trainer.as_ref().filter(|t| t.steps_done() > 0) {
            let lora = trainer
                .config()
                .lora
                .clone()
                .ok_or_else(|| JsError::new("this run trained every weight: no adapter"))?;
            return Ok((trainer.model().clone().valid(), lora));
        }
        s.loaded.clone().ok_or_else(|| JsError::new("nothing trained yet"))
    })?;
    let (config_json, bytes) = model.adapter_to_peft(&lora, "yushan/default").await.map_err(err)?;
    let out = js_sys::Object::new();
    js_sys::Reflect::set(&out, &"config_json".into(), &config_json.into()).map_err(|_| JsError::new("export"))?;
    js_sys::Reflect::set(&out, &"safetensors".into(), &js_sys::Uint8Array::from(bytes.as_slice()).into())
        .map_err(|_| JsError::new("export"))?;
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_options_make_a_lora_spec() {
        let spec = TrainOptions::default().spec(48, 8).unwrap();
        assert_eq!(spec.seq_len, 48);
        assert_eq!(spec.heldout_fraction, 0.0);
        assert_eq!(TrainOptions::default().spec(48, 50).unwrap().heldout_fraction, 0.1);
        assert_eq!(TrainOptions::default().spec(32, 8).unwrap().seq_len, 32);
        assert_eq!(TrainOptions { seq: 20, ..TrainOptions::default() }.spec(48, 8).unwrap().seq_len, 20);
        let lora = spec.train.lora.unwrap();
        assert_eq!((lora.rank, lora.targets), (8, vec![LoraTarget::Q, LoraTarget::K, LoraTarget::V, LoraTarget::O]));
    }

    #[test]
    fn bad_options_name_the_culprit() {
        let bad = TrainOptions { targets: vec!["qq".into()], ..TrainOptions::default() };
        assert!(bad.spec(16, 8).unwrap_err().contains("qq"));
        let bad = TrainOptions { template: "xml".into(), ..TrainOptions::default() };
        assert!(bad.spec(16, 8).unwrap_err().contains("xml"));
        let bad = TrainOptions { lora_dropout: 1.5, ..TrainOptions::default() };
        assert!(bad.spec(16, 8).unwrap_err().contains("dropout"));
        let bad = TrainOptions { lr: f64::NAN, ..TrainOptions::default() };
        assert_eq!(bad.spec(16, 8).unwrap_err(), "the learning rate must be a positive number, not NaN");
        let ok = TrainOptions { lora_dropout: 0.1, ..TrainOptions::default() };
        assert_eq!(ok.spec(16, 8).unwrap().train.lora.unwrap().dropout, 0.1);
    }
}
