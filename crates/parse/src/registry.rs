use sightline_decode::Source;
use sightline_decode_mesos::MesosSource;
use sightline_decode_milvus::MilvusSource;
use sightline_decode_mlx::MlxSource;
use sightline_decode_ray::RaySource;
use sightline_decode_std::{JsonSource, LogfmtSource, SyslogSource, TextSource};
use std::path::Path;

/// Which source reads a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceChoice {
    /// Recognize the format per stream from its path and first lines.
    Auto,
    /// Read every stream with this module's decoder.
    Named(String),
}

impl std::str::FromStr for SourceChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "auto" {
            return Ok(SourceChoice::Auto);
        }
        if Registry::default().get(s).is_some() {
            Ok(SourceChoice::Named(s.to_owned()))
        } else {
            Err(format!(
                "unknown source {s:?}; expected auto or one of: {}",
                Registry::default().names().join(", ")
            ))
        }
    }
}

/// Every source Sightline can read, in detection-priority order (ties go to
/// the earlier one).
pub struct Registry {
    sources: Vec<Box<dyn Source>>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry {
            sources: vec![
                Box::new(RaySource),
                Box::new(MesosSource),
                Box::new(MilvusSource),
                Box::new(MlxSource),
                Box::new(SyslogSource),
                Box::new(LogfmtSource),
                Box::new(JsonSource),
                Box::new(TextSource),
            ],
        }
    }
}

impl Registry {
    pub fn names(&self) -> Vec<&'static str> {
        self.sources.iter().map(|s| s.module()).collect()
    }

    pub fn get(&self, module: &str) -> Option<&dyn Source> {
        self.sources
            .iter()
            .find(|s| s.module() == module)
            .map(|s| s.as_ref())
    }

    /// The source most sure the stream is its own; the text fallback if none is.
    pub fn detect(&self, path: Option<&Path>, sample: &[&str]) -> &dyn Source {
        let mut best: Option<(&dyn Source, u8)> = None;
        for s in &self.sources {
            let score = s.detect(path, sample);
            if score > 0 && best.is_none_or(|(_, b)| score > b) {
                best = Some((s.as_ref(), score));
            }
        }
        match best {
            Some((s, _)) => s,
            None => self.fallback(),
        }
    }

    pub fn fallback(&self) -> &dyn Source {
        self.get("text")
            .expect("the text source is always registered")
    }

    /// Why `path` need not be read, if some source says other files hold its lines.
    pub fn redundant(&self, path: &Path, all: &[std::path::PathBuf]) -> Option<String> {
        self.sources
            .iter()
            .find(|s| s.redundant(path, all))
            .map(|s| format!("its lines are already in other {} files", s.module()))
    }

    /// Resolves a choice for one stream.
    pub fn choose(
        &self,
        choice: &SourceChoice,
        path: Option<&Path>,
        sample: &[&str],
    ) -> &dyn Source {
        match choice {
            SourceChoice::Auto => self.detect(path, sample),
            SourceChoice::Named(name) => self.get(name).unwrap_or_else(|| self.fallback()),
        }
    }
}
