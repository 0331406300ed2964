//! The plugin manifest: `NAME.toml` beside `NAME.wasm`. Unknown keys are errors.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use roomkit_kit::{HookExecution, HookFilter, HookTrigger};
use roomkit_model::Direction;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::settings::{ConfigValue, Settings};

/// What kind of plugin a component is: which world it must target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PluginKind {
    /// A hook (the `hook` world).
    #[default]
    Hook,
    /// An identity resolver (the `identity-resolver` world).
    IdentityResolver,
    /// An inbound router (the `inbound-router` world).
    InboundRouter,
    /// A provider of a transport channel (the `provider` world).
    Provider,
    /// A language model behind an AI channel (the `ai-provider` world).
    AiProvider,
}

impl PluginKind {
    /// Every kind, in the order of the worlds in `wit/worlds.wit`.
    pub const ALL: [PluginKind; 5] = [
        PluginKind::Hook,
        PluginKind::IdentityResolver,
        PluginKind::InboundRouter,
        PluginKind::Provider,
        PluginKind::AiProvider,
    ];

    /// The name used in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            PluginKind::Hook => "hook",
            PluginKind::IdentityResolver => "identity-resolver",
            PluginKind::InboundRouter => "inbound-router",
            PluginKind::Provider => "provider",
            PluginKind::AiProvider => "ai-provider",
        }
    }

    /// The kind a manifest name (`hook`, `identity-resolver`, …) stands for.
    pub fn from_name(name: &str) -> Option<PluginKind> {
        PluginKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// The WIT world a component of this kind targets.
    pub fn world(self) -> &'static str {
        match self {
            PluginKind::Hook => "roomkit:plugin/hook@0.2.0",
            PluginKind::IdentityResolver => "roomkit:plugin/identity-resolver@0.2.0",
            PluginKind::InboundRouter => "roomkit:plugin/inbound-router@0.2.0",
            PluginKind::Provider => "roomkit:plugin/provider@0.2.0",
            PluginKind::AiProvider => "roomkit:plugin/ai-provider@0.2.0",
        }
    }
}

/// The version of the plugin contract this host serves.
pub const CONTRACT_VERSION: &str = "0.2.0";
/// The plugin contract this host serves, as components name it.
pub const CONTRACT: &str = "roomkit:plugin@0.2.0";

/// The world of a hook component that also handles identity triggers (`handle-identity`).
pub const IDENTITY_HOOK_WORLD: &str = "roomkit:plugin/identity-hook@0.2.0";

/// Whether a trigger is one of the identity triggers, which call `handle-identity`.
pub fn is_identity_trigger(trigger: HookTrigger) -> bool {
    matches!(
        trigger,
        HookTrigger::OnIdentityAmbiguous | HookTrigger::OnIdentityUnknown
    )
}

/// Whether calls reuse warm instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstancePolicy {
    /// Keep instances warm and reuse them (a call costs microseconds).
    #[default]
    Reuse,
    /// A fresh instance per call: nothing carries over between calls.
    Fresh,
}

/// A plugin's manifest, with defaults for everything.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// What the plugin is.
    #[serde(default)]
    pub kind: PluginKind,
    /// Where a hook runs.
    #[serde(default = "default_triggers")]
    pub triggers: Vec<HookTrigger>,
    /// Sync or async (default: the trigger's usual one).
    #[serde(default)]
    pub execution: Option<HookExecution>,
    /// Lower runs first.
    #[serde(default)]
    pub priority: i32,
    /// Only these channel types.
    #[serde(default)]
    pub channel_types: Vec<String>,
    /// Only these channel ids.
    #[serde(default)]
    pub channel_ids: Vec<String>,
    /// Only these directions.
    #[serde(default)]
    pub directions: Vec<Direction>,
    /// Wall-clock limit of one call.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// CPU budget of one call, in fuel units (about one per wasm instruction).
    #[serde(default = "default_fuel")]
    pub fuel: u64,
    /// Memory limit of an instance, in MiB.
    #[serde(default = "default_memory_mb")]
    pub memory_mb: u64,
    /// Hosts the plugin may call over HTTP (none by default): `host` allows any port of that
    /// host, `host:port` only that port (80 or 443 when the URL names none), `*.domain` its
    /// subdomains; over https only, unless the entry starts with `http://`
    /// (`http://127.0.0.1:9090`). Other entries are refused.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// A failing call blocks the event instead of being skipped.
    #[serde(default)]
    pub fail_closed: bool,
    /// Reuse warm instances or start fresh per call.
    #[serde(default)]
    pub instance: InstancePolicy,
    /// How many idle instances to keep warm (policy `reuse`); calls beyond them at the same
    /// time instantiate, and the extra instances are dropped afterwards.
    #[serde(default = "default_warm_instances")]
    pub warm_instances: usize,
    /// Calls in a row that trap, hit a limit or miss their deadline before the plugin is
    /// suspended (0: never).
    #[serde(default = "default_breaker_threshold")]
    pub breaker_threshold: u32,
    /// How long a suspension lasts.
    #[serde(default = "default_breaker_cooldown_ms")]
    pub breaker_cooldown_ms: u64,
    /// How much the plugin may log (`[log]`): lines and bytes per call and per second, through
    /// `log` and its stdout and stderr together.
    #[serde(default)]
    pub log: LogBudget,
    /// The quota of its key-value space (`[kv]`).
    #[serde(default)]
    pub kv: KvQuota,
    /// Settings and secrets as written (`[config]`): text, numbers, `"${ENV_NAME}"` or
    /// `{ file = "path" }` (relative to the manifest). The plugin reads them resolved
    /// ([`Manifest::settings`]) through the `config` import.
    #[serde(default)]
    pub config: BTreeMap<String, ConfigValue>,
    /// Keys of `[config]` (and of a channel's `config` table) whose values are secret: never
    /// shown in logs, API answers or errors. Values from the environment or a file are secret
    /// whether listed or not.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// A provider's channel type (`sms`, `email`, `whatsapp`, …): channels it serves get that
    /// type's capabilities unless they say otherwise.
    #[serde(default)]
    pub channel_type: Option<String>,
    /// `[config]` resolved when the manifest is read.
    #[serde(skip)]
    pub settings: Settings,
}

/// The quota of a plugin's key-value space (`[kv]` of its manifest): a write past it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct KvQuota {
    /// Keys it may hold.
    pub max_keys: u64,
    /// Bytes of keys and values it may hold.
    pub max_bytes: u64,
}

impl Default for KvQuota {
    /// 10,000 keys, 16 MiB.
    fn default() -> Self {
        KvQuota {
            max_keys: 10_000,
            max_bytes: 16 * 1024 * 1024,
        }
    }
}

/// A plugin's log budget (`[log]` of its manifest). Lines past it are dropped and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogBudget {
    /// Lines one call may log.
    pub lines_per_call: u64,
    /// Bytes one call may log.
    pub bytes_per_call: u64,
    /// Lines all calls of the plugin may log in one second.
    pub lines_per_second: u64,
    /// Bytes all calls of the plugin may log in one second.
    pub bytes_per_second: u64,
}

impl Default for LogBudget {
    /// 100 lines or 64 KiB per call, 1,000 lines or 1 MiB per second.
    fn default() -> Self {
        LogBudget {
            lines_per_call: 100,
            bytes_per_call: 64 * 1024,
            lines_per_second: 1_000,
            bytes_per_second: 1024 * 1024,
        }
    }
}

fn default_triggers() -> Vec<HookTrigger> {
    vec![HookTrigger::BeforeBroadcast]
}

fn default_timeout_ms() -> u64 {
    1_000
}

fn default_fuel() -> u64 {
    100_000_000
}

fn default_memory_mb() -> u64 {
    64
}

fn default_warm_instances() -> usize {
    8
}

fn default_breaker_threshold() -> u32 {
    5
}

fn default_breaker_cooldown_ms() -> u64 {
    30_000
}

/// The most warm instances a plugin may keep: the engine's instance pool (256 components)
/// is shared by every plugin and every call in flight.
pub const MAX_WARM_INSTANCES: usize = 64;

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            kind: PluginKind::Hook,
            triggers: default_triggers(),
            execution: None,
            priority: 0,
            channel_types: Vec::new(),
            channel_ids: Vec::new(),
            directions: Vec::new(),
            timeout_ms: default_timeout_ms(),
            fuel: default_fuel(),
            memory_mb: default_memory_mb(),
            allowed_hosts: Vec::new(),
            fail_closed: false,
            instance: InstancePolicy::Reuse,
            warm_instances: default_warm_instances(),
            breaker_threshold: default_breaker_threshold(),
            breaker_cooldown_ms: default_breaker_cooldown_ms(),
            log: LogBudget::default(),
            kv: KvQuota::default(),
            config: BTreeMap::new(),
            secrets: Vec::new(),
            channel_type: None,
            settings: Settings::default(),
        }
    }
}

impl Manifest {
    /// Parses manifest text; `plugin` and `path` name it in errors.
    pub fn parse(text: &str, plugin: &str, path: &Path) -> Result<Self> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| Error::Manifest {
            plugin: plugin.to_owned(),
            path: path.display().to_string(),
            reason: e.message().to_owned(),
        })?;
        let invalid = |reason: &str| Error::Manifest {
            plugin: plugin.to_owned(),
            path: path.display().to_string(),
            reason: reason.to_owned(),
        };
        if manifest.triggers.is_empty() {
            return Err(invalid("triggers must name at least one trigger"));
        }
        if manifest.timeout_ms == 0 || manifest.fuel == 0 || manifest.memory_mb == 0 {
            return Err(invalid("timeout_ms, fuel and memory_mb must be positive"));
        }
        crate::allowed_hosts::check(&manifest.allowed_hosts).map_err(|r| invalid(&r))?;
        if manifest.warm_instances > MAX_WARM_INSTANCES {
            return Err(invalid(&format!(
                "warm_instances must be at most {MAX_WARM_INSTANCES}"
            )));
        }
        let mut manifest = manifest;
        let base_dir = path.parent().unwrap_or(Path::new("."));
        manifest.settings = Settings::resolve(&manifest.config, &manifest.secrets, base_dir)
            .map_err(|r| invalid(&r))?;
        Ok(manifest)
    }

    /// The manifest beside a component (`NAME.toml` for `NAME.wasm`), or the defaults.
    pub fn for_component(wasm: &Path, plugin: &str) -> Result<Self> {
        let path = wasm.with_extension("toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, plugin, &path),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(err) => Err(Error::Manifest {
                plugin: plugin.to_owned(),
                path: path.display().to_string(),
                reason: err.to_string(),
            }),
        }
    }

    /// The hook filter this manifest describes.
    pub fn filter(&self) -> HookFilter {
        HookFilter {
            channel_types: self.channel_types.iter().cloned().collect(),
            channel_ids: self.channel_ids.iter().cloned().collect(),
            directions: self.directions.iter().copied().collect(),
        }
    }

    /// The WIT world a component with this manifest must target: its kind's, except that a hook
    /// on an identity trigger needs [`IDENTITY_HOOK_WORLD`].
    pub fn world(&self) -> &'static str {
        if self.kind == PluginKind::Hook && self.triggers.iter().any(|&t| is_identity_trigger(t)) {
            IDENTITY_HOOK_WORLD
        } else {
            self.kind.world()
        }
    }

    /// The wall-clock limit of one call.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_found_by_its_manifest_name_and_nothing_else() {
        for kind in PluginKind::ALL {
            assert_eq!(PluginKind::from_name(kind.as_str()), Some(kind));
            let parsed = Manifest::parse(
                &format!("kind = \"{}\"", kind.as_str()),
                "p",
                Path::new("p.toml"),
            );
            assert_eq!(parsed.unwrap().kind, kind);
        }
        assert_eq!(PluginKind::from_name("Hook"), None);
        assert_eq!(PluginKind::from_name("router"), None);
    }

    #[test]
    fn an_empty_manifest_takes_every_default() {
        let manifest = Manifest::parse("", "p", Path::new("p.toml")).unwrap();
        assert_eq!(manifest, Manifest::default());
        assert_eq!(manifest.triggers, vec![HookTrigger::BeforeBroadcast]);
    }

    #[test]
    fn a_full_manifest_is_read() {
        let text = r#"
            kind = "hook"
            allowed_hosts = ["api.example.com", "http://127.0.0.1:8080", "*.twilio.com"]
            triggers = ["before_broadcast", "after_broadcast"]
            priority = -3
            channel_types = ["sms"]
            directions = ["inbound"]
            timeout_ms = 250
            fuel = 5000
            memory_mb = 8
            fail_closed = true
            instance = "fresh"
            warm_instances = 32
            breaker_threshold = 2
            breaker_cooldown_ms = 500
            [config]
            words = "darn,heck"
        "#;
        let m = Manifest::parse(text, "p", Path::new("p.toml")).unwrap();
        assert_eq!(m.priority, -3);
        assert_eq!(m.warm_instances, 32);
        assert_eq!((m.breaker_threshold, m.breaker_cooldown_ms), (2, 500));
        assert_eq!(m.triggers.len(), 2);
        assert_eq!(m.instance, InstancePolicy::Fresh);
        assert_eq!(m.config["words"], ConfigValue::from("darn,heck"));
        assert_eq!(m.filter().directions.len(), 1);
        assert_eq!(
            m.allowed_hosts,
            vec!["api.example.com", "http://127.0.0.1:8080", "*.twilio.com"]
        );
    }

    #[test]
    fn the_log_budget_has_defaults_and_refuses_unknown_keys() {
        assert_eq!(
            Manifest::default().log,
            LogBudget {
                lines_per_call: 100,
                bytes_per_call: 65_536,
                lines_per_second: 1_000,
                bytes_per_second: 1_048_576,
            }
        );
        let m = Manifest::parse("[log]\nlines_per_call = 5", "p", Path::new("p.toml")).unwrap();
        assert_eq!((m.log.lines_per_call, m.log.lines_per_second), (5, 1_000));
        let err = Manifest::parse("[log]\nlines = 5", "p", Path::new("p.toml")).unwrap_err();
        assert!(err.to_string().contains("unknown field `lines`"), "{err}");
    }

    #[test]
    fn warm_instances_defaults_to_8_and_is_capped_by_the_engine_pool() {
        assert_eq!(Manifest::default().warm_instances, 8);
        let at_cap = Manifest::parse("warm_instances = 64", "p", Path::new("p.toml")).unwrap();
        assert_eq!(at_cap.warm_instances, MAX_WARM_INSTANCES);
        let err = Manifest::parse("warm_instances = 65", "p", Path::new("p.toml")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "plugin p: manifest p.toml: warm_instances must be at most 64"
        );
    }

    #[test]
    fn every_kind_is_read_by_its_manifest_name() {
        for kind in [
            PluginKind::Hook,
            PluginKind::IdentityResolver,
            PluginKind::InboundRouter,
            PluginKind::Provider,
            PluginKind::AiProvider,
        ] {
            let text = format!("kind = \"{}\"", kind.as_str());
            let m = Manifest::parse(&text, "p", Path::new("p.toml")).unwrap();
            assert_eq!(m.kind, kind);
            assert!(kind.world().contains(kind.as_str()));
        }
        let err = Manifest::parse("kind = \"router\"", "p", Path::new("p.toml")).unwrap_err();
        assert!(err.to_string().contains("router"), "{err}");
    }

    #[test]
    fn unknown_keys_are_errors_that_name_the_plugin_and_file() {
        let err = Manifest::parse(
            "priorty = 3",
            "profanity",
            Path::new("plugins/profanity.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("profanity"), "{err}");
        assert!(err.contains("plugins/profanity.toml"), "{err}");
        assert!(err.contains("priorty"), "{err}");
    }

    #[test]
    fn allowed_hosts_that_are_not_a_host_are_refused_with_the_entry_and_the_reason() {
        for (entries, reason) in [
            (
                r#"["*"]"#,
                r#"allowed_hosts entry "*": a wildcard is only a leading *."#,
            ),
            (
                r#"["api.example.com", "0.0.0.0/0"]"#,
                r#"allowed_hosts entry "0.0.0.0/0": only a host and a port"#,
            ),
            (
                r#"[""]"#,
                r#"allowed_hosts entry "": an empty entry allows nothing"#,
            ),
        ] {
            let err = Manifest::parse(
                &format!("allowed_hosts = {entries}"),
                "p",
                Path::new("p.toml"),
            )
            .unwrap_err()
            .to_string();
            assert!(err.starts_with("plugin p: manifest p.toml: "), "{err}");
            assert!(err.contains(reason), "{err}");
        }
    }

    #[test]
    fn zero_limits_are_refused() {
        assert!(Manifest::parse("fuel = 0", "p", Path::new("p.toml")).is_err());
        assert!(Manifest::parse("triggers = []", "p", Path::new("p.toml")).is_err());
    }
}
