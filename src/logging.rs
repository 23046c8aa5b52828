//! Logs as go-plugin expects them: one hclog JSON object per stderr line.
//!
//! go-plugin reads the provider's stderr line by line and parses JSON lines
//! as hclog entries. `@level` and `@message` must be strings (anything else
//! panics Terraform 1.0.3) and `@timestamp` must carry exactly six
//! fractional digits. Span fields (the RPC, resource type, request id) are
//! copied onto every event inside the span.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

/// Log field names, defined once.
pub mod fields {
    /// The RPC being served, e.g. `PlanResourceChange`.
    pub const RPC: &str = "tf_rpc";
    /// The resource type of the request, e.g. `ci_cluster`.
    pub const RESOURCE_TYPE: &str = "tf_resource_type";
    /// A number unique to one request within this process.
    pub const REQUEST_ID: &str = "tf_req_id";
}

/// The target prefix of this crate's own spans and events.
const CRATE: &str = "terraform_provider_ci";

/// Installs the JSON logger at the level in `TF_LOG_PROVIDER` or `TF_LOG`.
pub fn init_from_env() {
    let setting = std::env::var("TF_LOG_PROVIDER")
        .or_else(|_| std::env::var("TF_LOG"))
        .ok();
    let Some(level) = setting.as_deref().and_then(level_from_setting) else {
        return;
    };
    let layer = HclogLayer { max_level: level };
    let subscriber = tracing_subscriber::registry().with(layer);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Terraform's log settings: a level name, `JSON` (trace, as JSON), or
/// `OFF`. Anything unrecognised means trace, as Terraform treats it.
pub fn level_from_setting(setting: &str) -> Option<Level> {
    match setting.trim().to_ascii_uppercase().as_str() {
        "" | "OFF" => None,
        "ERROR" => Some(Level::ERROR),
        "WARN" => Some(Level::WARN),
        "INFO" => Some(Level::INFO),
        "DEBUG" => Some(Level::DEBUG),
        _ => Some(Level::TRACE),
    }
}

/// A tracing layer writing hclog JSON lines to stderr.
pub struct HclogLayer {
    pub max_level: Level,
}

/// Fields recorded on a span, kept in the span's extensions.
struct SpanFields(Map<String, Json>);

impl<S> Layer<S> for HclogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        // HTTP/2 and TLS internals would drown the provider's own lines at
        // debug and trace; only their warnings are worth Terraform's log.
        let ours = metadata.target().starts_with(CRATE);
        let max_level = if ours {
            self.max_level
        } else {
            self.max_level.min(Level::WARN)
        };
        *metadata.level() <= max_level
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut visitor = JsonVisitor::default();
        attrs.record(&mut visitor);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(visitor.fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(fields)) = extensions.get_mut::<SpanFields>() {
            let mut visitor = JsonVisitor {
                fields: std::mem::take(fields),
                message: None,
            };
            values.record(&mut visitor);
            *fields = visitor.fields;
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut line = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>() {
                    line.extend(fields.clone());
                }
            }
        }
        let mut visitor = JsonVisitor::default();
        event.record(&mut visitor);
        line.extend(visitor.fields);
        let metadata = event.metadata();
        line.insert("@level".into(), level_name(*metadata.level()).into());
        line.insert(
            "@message".into(),
            visitor.message.unwrap_or_default().into(),
        );
        line.insert("@module".into(), module_name(metadata.target()).into());
        line.insert("@timestamp".into(), timestamp(SystemTime::now()).into());
        write_line(&Json::Object(line));
    }
}

fn write_line(line: &Json) {
    let mut text = line.to_string();
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

/// `terraform_provider_ci::server` becomes `ci.server`; go-plugin adds the
/// plugin's own name in front.
fn module_name(target: &str) -> String {
    match target.strip_prefix(CRATE) {
        Some(rest) => format!("ci{}", rest.replace("::", ".")),
        None => target.replace("::", "."),
    }
}

/// Collects an event's or span's fields as JSON.
#[derive(Default)]
struct JsonVisitor {
    fields: Map<String, Json>,
    message: Option<String>,
}

impl Visit for JsonVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.insert(field, format!("{value:?}").into());
    }
}

impl JsonVisitor {
    fn insert(&mut self, field: &Field, value: Json) {
        if field.name() == "message" {
            // `@message` must be a string, whatever was logged.
            let text = match value {
                Json::String(text) => text,
                other => other.to_string(),
            };
            self.message = Some(text);
        } else {
            self.fields.insert(field.name().to_string(), value);
        }
    }
}

/// RFC 3339 in UTC with exactly six fractional digits, as hclog writes.
pub fn timestamp(at: SystemTime) -> String {
    let since_epoch = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs();
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    let second_of_day = seconds % 86_400;
    let mut text = String::with_capacity(27);
    let _ = write!(
        text,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60,
        since_epoch.subsec_micros()
    );
    text
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// well-known algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamp_has_six_fractional_digits_in_utc() {
        let at = UNIX_EPOCH + Duration::new(1_780_000_000, 123_456_789);
        assert_eq!(timestamp(at), "2026-05-28T20:26:40.123456Z");
    }

    #[test]
    fn timestamp_handles_leap_days_and_the_epoch() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let leap_day = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(timestamp(leap_day), "2000-02-29T00:00:00.000000Z");
    }

    #[test]
    fn log_settings_map_to_levels() {
        let cases = [
            ("TRACE", Some(Level::TRACE)),
            ("debug", Some(Level::DEBUG)),
            ("JSON", Some(Level::TRACE)),
            ("WARN", Some(Level::WARN)),
            ("off", None),
            ("", None),
        ];
        for (setting, expected) in cases {
            assert_eq!(level_from_setting(setting), expected, "TF_LOG={setting}");
        }
    }

    #[test]
    fn module_names_drop_the_crate_prefix() {
        assert_eq!(module_name("terraform_provider_ci::server"), "ci.server");
        assert_eq!(module_name("h2::codec"), "h2.codec");
    }
}
