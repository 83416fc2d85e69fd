//! Which modules a PEFT `adapter_config.json` adapts, mapped onto our LoRA targets.
//!
//! PEFT reads `target_modules` in two forms: a list of names (a module is selected when its
//! full name is one of them or ends with `.name`), or one string, a regular expression that
//! must match a module's whole name (`re.fullmatch`), with `"all-linear"` meaning every linear
//! layer but the output head. `exclude_modules` (same forms) takes modules out again, and
//! `layers_to_transform` limits the list form to some layers. The selection is resolved against
//! the names the Hugging Face model has (`model.layers.3.self_attn.q_proj`,
//! `transformer.h.0.attn.c_attn`, `lm_head`, …). Our adapters cover every layer alike (one
//! `LoraConfig` of targets), so a selection must pick the same projections in every layer.

use regex::Regex;
use serde_json::Value;

use crate::config::{Architecture, ModelConfig};
use crate::io::weights::projection_path;
use crate::layers::lora::LoraTarget;

/// How PEFT names the modules of a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Naming {
    /// `model.layers.N.self_attn.q_proj`, one module per projection.
    Llama,
    /// `transformer.h.N.attn.c_attn` (q, k, v fused), `attn.c_proj`, `mlp.c_fc`, `mlp.c_proj`.
    Gpt2,
}

impl Naming {
    pub(crate) fn of(config: &ModelConfig) -> Self {
        match config.architecture {
            Architecture::Gpt2 => Self::Gpt2,
            Architecture::Llama => Self::Llama,
        }
    }
}

/// One module PEFT adapts and the projections it covers, in output order.
pub(crate) struct PeftModule {
    /// Path in the Hugging Face model (`transformer.h.0.attn.c_attn`).
    pub path: String,
    /// The name in `target_modules` that selects exactly this kind of module.
    pub target_name: &'static str,
    pub covers: Vec<LoraTarget>,
}

/// The modules of layer `layer` that LoRA can adapt.
pub(crate) fn modules(config: &ModelConfig, naming: Naming, layer: usize) -> Vec<PeftModule> {
    match naming {
        Naming::Llama => LoraTarget::ALL
            .into_iter()
            .filter(|&t| t != LoraTarget::Gate || config.architecture == Architecture::Llama)
            .map(|t| PeftModule { path: projection_path(layer, t), target_name: t.module_name(), covers: vec![t] })
            .collect(),
        Naming::Gpt2 => {
            let h = format!("transformer.h.{layer}");
            let module = |path: String, target_name, covers: &[LoraTarget]| PeftModule {
                path,
                target_name,
                covers: covers.to_vec(),
            };
            vec![
                module(format!("{h}.attn.c_attn"), "c_attn", &[LoraTarget::Q, LoraTarget::K, LoraTarget::V]),
                module(format!("{h}.attn.c_proj"), "attn.c_proj", &[LoraTarget::O]),
                module(format!("{h}.mlp.c_fc"), "c_fc", &[LoraTarget::Up]),
                module(format!("{h}.mlp.c_proj"), "mlp.c_proj", &[LoraTarget::Down]),
            ]
        }
    }
}

/// Every other module name of the Hugging Face model (`named_modules()` less the root): what a
/// regular expression may select that LoRA here cannot adapt.
fn other_modules(config: &ModelConfig, naming: Naming) -> Vec<String> {
    let layers = 0..config.num_layers;
    match naming {
        Naming::Llama => {
            let mut names: Vec<String> =
                ["model", "model.embed_tokens", "model.layers", "model.norm", "model.rotary_emb", "lm_head"]
                    .map(String::from)
                    .into();
            for i in layers {
                let p = format!("model.layers.{i}");
                let mut parts =
                    vec!["", ".self_attn", ".mlp", ".mlp.act_fn", ".input_layernorm", ".post_attention_layernorm"];
                if config.qk_norm {
                    parts.extend([".self_attn.q_norm", ".self_attn.k_norm"]);
                }
                names.extend(parts.iter().map(|part| format!("{p}{part}")));
            }
            names
        }
        Naming::Gpt2 => {
            let mut names: Vec<String> = [
                "transformer",
                "transformer.wte",
                "transformer.wpe",
                "transformer.drop",
                "transformer.h",
                "transformer.ln_f",
                "lm_head",
            ]
            .map(String::from)
            .into();
            for i in layers {
                let h = format!("transformer.h.{i}");
                let parts = [
                    "",
                    ".ln_1",
                    ".attn",
                    ".attn.attn_dropout",
                    ".attn.resid_dropout",
                    ".ln_2",
                    ".mlp",
                    ".mlp.act",
                    ".mlp.dropout",
                ];
                names.extend(parts.iter().map(|part| format!("{h}{part}")));
            }
            names
        }
    }
}

/// The projections a `target_modules` entry selects: our/Llama names, or GPT-2's (where
/// `c_proj` alone matches both the attention and the MLP output, as it does in PEFT).
fn targets_named(name: &str) -> Option<Vec<LoraTarget>> {
    use LoraTarget::*;
    match name.trim() {
        "c_attn" | "attn.c_attn" => Some(vec![Q, K, V]),
        "c_proj" => Some(vec![O, Down]),
        "attn.c_proj" => Some(vec![O]),
        "mlp.c_proj" => Some(vec![Down]),
        "c_fc" | "mlp.c_fc" => Some(vec![Up]),
        other => LoraTarget::parse(other).map(|t| vec![t]),
    }
}

fn is_gpt2_name(name: &str) -> bool {
    ["c_attn", "c_proj", "c_fc"].iter().any(|n| name.trim().ends_with(n))
}

/// `target_modules` or `exclude_modules` in one of PEFT's forms.
enum ModuleSpec {
    /// A module is selected when its name is one of these or ends with `.name`.
    Names(Vec<String>),
    /// A regular expression that must match the whole name.
    Pattern(Regex),
    /// `"all-linear"`: every linear layer but the output head.
    AllLinear,
}

impl ModuleSpec {
    fn parse(field: &str, value: &Value) -> Result<Option<Self>, String> {
        match value {
            Value::Null => Ok(None),
            Value::Array(items) => items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_string).ok_or_else(|| format!("`{field}` lists {v}, which is not a name"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|names| Some(Self::Names(names))),
            Value::String(s) if s == "all-linear" && field == "target_modules" => Ok(Some(Self::AllLinear)),
            // Anchored at both ends, as Python's re.fullmatch is.
            Value::String(s) => Regex::new(&format!("^(?:{s})$"))
                .map(|re| Some(Self::Pattern(re)))
                .map_err(|e| format!("`{field}` {s:?} is not a regular expression we can read: {e}")),
            other => Err(format!("`{field}` must be a list of module names or a regular expression, not {other}")),
        }
    }

    fn matches(&self, module: &str) -> bool {
        match self {
            Self::Names(names) => names.iter().any(|n| module == n || module.ends_with(&format!(".{n}"))),
            Self::Pattern(re) => re.is_match(module),
            Self::AllLinear => true,
        }
    }
}

/// What an adapter config selects.
pub(crate) struct TargetModules {
    target: ModuleSpec,
    /// As written, for error messages.
    written: String,
    exclude: Option<ModuleSpec>,
    layers: Option<Vec<usize>>,
}

/// The modules chosen, the same in every layer.
pub(crate) struct Selection {
    pub naming: Naming,
    /// The `target_name`s of the modules adapted in each layer.
    pub modules: Vec<&'static str>,
    pub targets: Vec<LoraTarget>,
}

impl TargetModules {
    /// Reads `target_modules`, `exclude_modules` and `layers_to_transform`.
    pub(crate) fn parse(config: &Value) -> Result<Self, String> {
        let field = |name: &str| config.get(name).unwrap_or(&Value::Null);
        let target = ModuleSpec::parse("target_modules", field("target_modules"))?
            .ok_or("`target_modules` is missing; it must list the adapted modules")?;
        let exclude = ModuleSpec::parse("exclude_modules", field("exclude_modules"))?;
        let layers = match field("layers_to_transform") {
            Value::Null => None,
            Value::Array(items) if items.is_empty() => None,
            Value::Array(items) => Some(
                items
                    .iter()
                    .map(|v| {
                        v.as_u64()
                            .map(|i| i as usize)
                            .ok_or_else(|| format!("`layers_to_transform` lists {v}, not a layer index"))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Value::Number(n) => Some(vec![
                n.as_u64().ok_or_else(|| format!("`layers_to_transform` is {n}, not a layer index"))? as usize,
            ]),
            other => return Err(format!("`layers_to_transform` must be a layer index or a list of them, not {other}")),
        };
        if layers.is_some() && !matches!(target, ModuleSpec::Names(_)) {
            return Err(
                "`layers_to_transform` cannot be used when `target_modules` is a string (PEFT refuses it too)".into()
            );
        }
        Ok(Self { target, written: field("target_modules").to_string(), exclude, layers })
    }

    /// The modules of a model of `config` this selects, refused unless they are projections
    /// LoRA can adapt here, the same ones in every layer.
    pub(crate) fn resolve(&self, config: &ModelConfig) -> Result<Selection, String> {
        let naming = match (Naming::of(config), &self.target) {
            // GPT-2 adapters written before the fused names existed use Llama's names.
            (Naming::Gpt2, ModuleSpec::Names(names)) if !names.iter().any(|n| is_gpt2_name(n)) => Naming::Llama,
            (naming, _) => naming,
        };
        let named = self.named_targets(config, naming)?;
        let excluded = |path: &str| self.exclude.as_ref().is_some_and(|e| e.matches(path));
        if let ModuleSpec::Pattern(re) = &self.target {
            let other: Vec<String> =
                other_modules(config, naming).into_iter().filter(|m| re.is_match(m) && !excluded(m)).collect();
            if let Some(first) = other.first() {
                return Err(format!(
                    "`target_modules` {} selects {} module(s) that LoRA cannot adapt here, such as `{first}` \
                     (only the attention and MLP projections, like `{}`)",
                    self.written,
                    other.len(),
                    modules(config, naming, 0)[0].path
                ));
            }
        }
        // Which kinds of module each layer adapts.
        let chosen: Vec<Vec<&'static str>> = (0..config.num_layers)
            .map(|layer| {
                let in_layers = self.layers.as_ref().is_none_or(|l| l.contains(&layer));
                modules(config, naming, layer)
                    .into_iter()
                    .filter(|m| in_layers && !excluded(&m.path))
                    .filter(|m| match &named {
                        Some(targets) => m.covers.iter().any(|t| targets.contains(t)),
                        None => self.target.matches(&m.path),
                    })
                    .map(|m| m.target_name)
                    .collect()
            })
            .collect();
        let all = modules(config, naming, 0);
        for module in &all {
            let layers: Vec<usize> = (0..chosen.len()).filter(|&l| chosen[l].contains(&module.target_name)).collect();
            if !layers.is_empty() && layers.len() < chosen.len() {
                return Err(format!(
                    "`target_modules` {}{} selects `{}` in {} of {} layers ({}); an adapter here covers every layer \
                     alike, per-layer targets are not supported",
                    self.written,
                    self.layers.as_ref().map(|l| format!(" with `layers_to_transform` {l:?}")).unwrap_or_default(),
                    module.target_name,
                    layers.len(),
                    chosen.len(),
                    list(&layers)
                ));
            }
        }
        let kinds = chosen.first().cloned().unwrap_or_default();
        if kinds.is_empty() {
            return Err(format!(
                "`target_modules` {} selects no module of this model (they are named like `{}`)",
                self.written, all[0].path
            ));
        }
        let mut targets = Vec::new();
        for module in all.iter().filter(|m| kinds.contains(&m.target_name)) {
            for &t in &module.covers {
                if named.as_ref().is_none_or(|n| n.contains(&t)) && !targets.contains(&t) {
                    targets.push(t);
                }
            }
        }
        Ok(Selection { naming, modules: kinds, targets })
    }

    /// For the list form, the projections its names select (refusing names we do not know and
    /// projections this architecture lacks); `None` for the string forms.
    fn named_targets(&self, config: &ModelConfig, naming: Naming) -> Result<Option<Vec<LoraTarget>>, String> {
        let ModuleSpec::Names(names) = &self.target else { return Ok(None) };
        let mut targets = Vec::new();
        for name in names {
            for target in targets_named(name).ok_or_else(|| format!("unknown target module `{name}`"))? {
                if !modules(config, naming, 0).iter().any(|m| m.covers.contains(&target)) {
                    return Err(format!(
                        "target_modules names `{}`, which this architecture does not have",
                        target.module_name()
                    ));
                }
                if !targets.contains(&target) {
                    targets.push(target);
                }
            }
        }
        Ok(Some(targets))
    }
}

/// `0, 1, 2, 3`, cut after ten.
fn list(layers: &[usize]) -> String {
    let shown: Vec<String> = layers.iter().take(10).map(|l| l.to_string()).collect();
    if layers.len() > 10 { format!("{}, …", shown.join(", ")) } else { shown.join(", ") }
}
