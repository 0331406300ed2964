//! Log fields without raw control characters: a newline, an escape or a NUL in a value (an id
//! from a request, an error text a plugin returned) is written escaped (`\n`, `\u{1b}`), so a
//! value can neither start a forged log line nor drive the reader's terminal.

use std::fmt::{self, Write as _};

use tracing::field::Field;
use tracing_subscriber::fmt::format::{FieldFn, Writer};

/// `text` with every control character escaped as Rust writes it (`\n`, `\t`, `\u{1b}`).
pub(crate) fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.into()
}

type FieldWriter = fn(&mut Writer<'_>, &Field, &dyn fmt::Debug) -> fmt::Result;

fn write_field(writer: &mut Writer<'_>, field: &Field, value: &dyn fmt::Debug) -> fmt::Result {
    let mut text = String::new();
    write!(text, "{value:?}")?;
    let text = escape_controls(&text);
    if field.name() == "message" {
        write!(writer, "{text}")
    } else {
        write!(writer, "{}={text}", field.name())
    }
}

/// The field formatter of the host's log: the default layout (`message key=value …`) with
/// control characters escaped.
pub(crate) fn escaped_fields()
-> tracing_subscriber::field::delimited::Delimited<&'static str, FieldFn<FieldWriter>> {
    use tracing_subscriber::field::MakeExt;
    tracing_subscriber::fmt::format::debug_fn(write_field as FieldWriter).delimited(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_other_text_is_kept() {
        assert_eq!(escape_controls("room-1 é"), "room-1 é");
        assert_eq!(
            escape_controls("r\nERROR forged \u{1b}[31mred\0"),
            "r\\nERROR forged \\u{1b}[31mred\\u{0}"
        );
    }

    #[test]
    fn a_log_line_with_a_hostile_id_stays_one_line_without_escapes() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Captured(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Captured {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .fmt_fields(escaped_fields())
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let room = "r\n2026-12-06T00:00:00Z ERROR forged \u{1b}[2J";
            tracing::warn!(room = %room, error = ?"bad\rthing", "a room {} failed", "x\ny");
        });
        let bytes = captured.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let text = String::from_utf8(bytes).unwrap_or_default();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("a room x\\ny failed"), "{text}");
        assert!(
            text.contains("room=r\\n2026-12-06T00:00:00Z ERROR forged \\u{1b}[2J"),
            "{text}"
        );
        assert!(text.contains("error=\"bad\\rthing\""), "{text}");
    }
}
