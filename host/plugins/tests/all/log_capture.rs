//! The host's log as the tests see it: every event that carries a `plugin` field is kept (level,
//! plugin, message) by a subscriber installed once for the test binary, so a test reads what
//! its own plugin (a name no other test uses) made the host log, from whichever thread.

use std::sync::{Mutex, Once};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// One line of the host's log about a plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub level: Level,
    pub plugin: String,
    pub message: String,
}

static LINES: Mutex<Vec<Line>> = Mutex::new(Vec::new());

#[derive(Default)]
struct Fields {
    plugin: Option<String>,
    message: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "plugin" => self.plugin = Some(value.to_owned()),
            "message" => self.message = value.to_owned(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "plugin" => self.plugin = Some(format!("{value:?}")),
            "message" => self.message = format!("{value:?}"),
            _ => {}
        }
    }
}

struct Capture;

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        if let Some(plugin) = fields.plugin {
            LINES.lock().unwrap().push(Line {
                level: *event.metadata().level(),
                plugin,
                message: fields.message,
            });
        }
    }
}

/// Starts keeping the log (once per test binary).
pub fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(Capture);
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
    });
}

/// What the host logged about `plugin` so far.
pub fn lines_of(plugin: &str) -> Vec<Line> {
    LINES
        .lock()
        .unwrap()
        .iter()
        .filter(|line| line.plugin == plugin)
        .cloned()
        .collect()
}
