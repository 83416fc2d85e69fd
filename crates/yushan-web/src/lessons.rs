//! The lessons in the page: a thin binding of yushan-lessons' registry. JS gets a lesson's plan
//! (`lesson_plan`: its arms and their steps) and runs it on the page's GPU (`run_lesson`) with the
//! pretrained model and the lesson's files it fetched; the summary that comes back is drawn by
//! web/lessons.js without knowing any lesson.
//!
//! The page runs lessons in a worker of their own (web/lessons.js), so a lesson never touches
//! the studio's model or run, and Stop can end the worker at once.

use std::cell::Cell;
use std::collections::HashMap;

use burn::module::Module;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use yushan_data::ChatTokenizer;
use yushan_lessons::{ArmPlan, Lesson, LessonSpec, LessonSummary, run_lesson as run};
use yushan_model::{Model, ModelConfig};
use yushan_train::StepEvent;

use crate::{gpu_device, to_js};

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
}

/// One lesson at a time per worker: a second call fails instead of sharing the GPU.
struct Running;
impl Running {
    fn take() -> Result<Self, JsError> {
        if RUNNING.with(|r| r.replace(true)) {
            return Err(JsError::new("a lesson is already running"));
        }
        Ok(Running)
    }
}
impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.with(|r| r.set(false));
    }
}

fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// The lesson's spec from JS: any subset of its fields (the rest keep the lesson's defaults,
/// which are the CLI's); a field the spec does not have is refused.
fn spec_from_js(lesson: Lesson, value: JsValue) -> Result<LessonSpec, JsError> {
    let json = if value.is_undefined() || value.is_null() {
        serde_json::Value::Object(Default::default())
    } else {
        // Through JSON: serde-wasm-bindgen looks up only a struct's own fields, so it would never
        // see (and could not refuse) a misspelt one.
        serde_wasm_bindgen::from_value(value).map_err(|e| js_err(format!("{} spec: {e}", lesson.name())))?
    };
    LessonSpec::from_json(lesson, json).map_err(js_err)
}

#[derive(Serialize)]
struct LessonPlan {
    spec: LessonSpec,
    arms: Vec<ArmPlan>,
}

#[wasm_bindgen]
pub fn lesson_plan(name: &str, spec: JsValue) -> Result<JsValue, JsError> {
    let spec = spec_from_js(Lesson::parse(name).map_err(js_err)?, spec)?;
    to_js(&LessonPlan { arms: spec.plan(), spec })
}

#[derive(Deserialize)]
struct LessonFiles {
    config_json: String,
    tokenizer_json: String,
    /// The lesson's files by name (`Lesson::files`).
    data: HashMap<String, String>,
}

#[derive(Serialize)]
struct LessonResult<'a> {
    spec: &'a LessonSpec,
    questions: usize,
    model_params: usize,
    summary: LessonSummary,
    /// The lesson's own report, as `yushan lesson NAME --json` prints it.
    report: serde_json::Value,
}

/// Runs lesson `name` on the model and files given; `questions` keeps the first that many of
/// each held-out set (0: all); `on_step(arm, event)` gets every training step.
#[wasm_bindgen]
pub async fn run_lesson(
    name: &str,
    files: JsValue,
    weights: &[u8],
    spec: JsValue,
    questions: usize,
    on_step: js_sys::Function,
) -> Result<JsValue, JsError> {
    let lesson = Lesson::parse(name).map_err(js_err)?;
    let spec = spec_from_js(lesson, spec)?;
    let files: LessonFiles = serde_wasm_bindgen::from_value(files).map_err(|e| js_err(format!("lesson files: {e}")))?;
    let data = lesson
        .read_data(|name| files.data.get(name).cloned().ok_or_else(|| format!("{name} was not given")), questions)
        .map_err(js_err)?;
    let _running = Running::take()?;
    let device = gpu_device()?;
    let config = ModelConfig::from_json(&files.config_json).map_err(|e| js_err(format!("config.json: {e}")))?;
    let tokenizer =
        ChatTokenizer::from_json(&files.tokenizer_json).map_err(|e| js_err(format!("tokenizer.json: {e}")))?;
    let model =
        Model::from_safetensors(&config, weights, &device).map_err(|e| js_err(format!("model.safetensors: {e}")))?;
    let model = model.with_kernels(crate::session::kernels());
    let step = |arm: &str, e: &StepEvent| {
        if let Ok(event) = to_js(e) {
            // A throwing callback must not stop the run: the page ends a lesson by ending the worker.
            let _ = on_step.call2(&JsValue::NULL, &JsValue::from_str(arm), &event);
        }
    };
    let outcome = run(&spec, &data, &model, &tokenizer, &device, step).await.map_err(js_err)?;
    to_js(&LessonResult {
        spec: &spec,
        questions: outcome.questions,
        model_params: model.num_params(),
        summary: outcome.summary,
        report: outcome.report,
    })
}
