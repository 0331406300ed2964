//! Plugin runtime tests: a real component (plugins/test-hook) loaded as a hook, friendly and
//! hostile, driven through the orchestrator.

mod fixtures;
mod hooks;
mod hostile;
mod loading;
