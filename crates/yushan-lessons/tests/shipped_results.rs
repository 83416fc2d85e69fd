//! The results the page shows before anyone runs a lesson (lessons/results/NAME.json, written by
//! scripts/precompute-lessons.sh) must come from the lesson as it is now: each file's spec is
//! the lesson's default spec at seed 0, and its summary has the untuned control among its arms.
//! Nothing is trained here: a changed default (more steps, another learning rate) fails this
//! until the files are made again.

use std::path::{Path, PathBuf};

use serde_json::Value;
use yushan_lessons::{Lesson, LessonSpec, UNTUNED};

fn results_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lessons/results")
}

/// The spec as `yushan lesson NAME --seed 0 --json` prints it: the default with the seed set,
/// checked, then written out as JSON and read back (a number in the file is what the JSON text
/// says, e.g. an `f32` 1e-4 is `0.0001`, not its exact `f64` value).
fn default_spec_at_seed_0(lesson: Lesson) -> Value {
    let mut json = serde_json::to_value(LessonSpec::default_for(lesson)).unwrap();
    json["seed"] = 0.into();
    let spec = LessonSpec::from_json(lesson, json).unwrap();
    serde_json::from_str(&serde_json::to_string(&spec).unwrap()).unwrap()
}

#[test]
fn every_lesson_ships_results_made_with_its_default_settings_at_seed_0() {
    for lesson in Lesson::ALL {
        let name = lesson.name();
        let stale =
            format!("lessons/results/{name}.json was made with other settings: run scripts/precompute-lessons.sh");
        let path = results_dir().join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}; {stale}", path.display()));
        let file: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(file["spec"], default_spec_at_seed_0(lesson), "{stale}");
        assert_eq!(
            file["made_with"].as_str(),
            Some(format!("yushan lesson {name} --backend cpu --seed 0 --json").as_str()),
            "{name}: the command shown on the page"
        );
        let summary = &file["summary"];
        assert_eq!(summary["lesson"], name, "{stale}");
        assert_eq!(summary["seed"], 0, "{stale}");
        // The page states each finding against the control arm, and labels every arm by its key.
        let arms: Vec<&str> = summary["arms"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: the summary has no arms"))
            .iter()
            .map(|a| a["key"].as_str().unwrap_or_default())
            .collect();
        assert!(arms.contains(&UNTUNED), "{name}: no {UNTUNED} arm in {arms:?}; {stale}");
        for arm in &arms {
            assert!(lesson.arms().contains(arm), "{name}: arm {arm:?} is not one of {:?}; {stale}", lesson.arms());
        }
        // The report is large and the page never reads it.
        assert!(file.get("report").is_none(), "{name}: the file keeps the whole report");
    }
}
