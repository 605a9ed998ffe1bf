//! The data types as tables: each model's keys, their types and the SDK's required/optional
//! rules. One checker reads an answer's body against a table in a single pass, building nothing:
//! JS parses the body itself (`JSON.parse` is the fastest way to make its objects) and the check
//! says what to change in the result: each timestamp as epoch milliseconds (a `Date` for JS; the
//! lenient parsing is the core's), and the defaults and renames the SDK applies ("edits").
//! Unknown keys stay as the server sent them.

use super::error::{ApiError, Result};
use super::json::{self, Fail, Key, Kind, Number, Read, Reader};
use super::time::parse_timestamp;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::fmt::Write as _;

/// What a key holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ty {
    Str,
    Int,
    /// A timestamp string (read leniently), sent to JS as epoch milliseconds for a `Date`.
    Time,
    /// An array of strings.
    Strings,
    /// Any JSON, kept as sent.
    Any,
    /// An array of anything.
    AnyList,
    /// An array of objects of a model.
    List(&'static Shape),
}

/// When a key may be absent or null.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Need {
    /// Present and not null (the SDK indexes it and uses the value).
    Required,
    /// Present, may be null (the SDK indexes it).
    Nullable,
    /// Absent or null gives null.
    Optional,
    /// Absent or null gives "" or [] (the SDK's `.get(key, "")`).
    OrEmpty,
}

#[derive(Debug, PartialEq)]
pub struct Field {
    pub key: &'static str,
    pub ty: Ty,
    pub need: Need,
}

/// A model: its fields in the order JS sees them (unknown keys follow, as sent), and older names
/// of a field (read when the field itself is absent or null; not passed on).
#[derive(Debug, PartialEq)]
pub struct Shape {
    pub name: &'static str,
    pub fields: &'static [Field],
    pub aliases: &'static [(&'static str, &'static str)],
    /// Derived from `fields` (see `Shape::new`), so that checking an object does no search:
    /// each field's place among the timestamps, the timestamps' keys and count, and bit masks of
    /// the fields that must be present, that become null when absent, and "" or [] when null.
    slots: [u8; 32],
    dates: [&'static str; MAX_TIMES],
    times: usize,
    present: u32,
    optional: u32,
    or_empty: u32,
}

const fn f(key: &'static str, ty: Ty, need: Need) -> Field {
    Field { key, ty, need }
}

impl Shape {
    /// A model, with the limits the checker's fixed-size bookkeeping relies on, checked at
    /// compile time: at most 32 fields (a bit mask), at most `MAX_TIMES` timestamps and 1 alias,
    /// and no timestamps in a nested model (JS revives those of the top-level objects only).
    pub const fn new(
        name: &'static str,
        fields: &'static [Field],
        aliases: &'static [(&'static str, &'static str)],
    ) -> Shape {
        assert!(fields.len() <= 32 && aliases.len() <= 1);
        let mut shape = Shape {
            name,
            fields,
            aliases,
            slots: [0; 32],
            dates: [""; MAX_TIMES],
            times: 0,
            present: 0,
            optional: 0,
            or_empty: 0,
        };
        let mut i = 0;
        while i < fields.len() {
            let bit = 1 << i;
            match fields[i].ty {
                Time => {
                    assert!(shape.times < MAX_TIMES);
                    shape.slots[i] = shape.times as u8;
                    shape.dates[shape.times] = fields[i].key;
                    shape.times += 1;
                }
                List(inner) => assert!(inner.times == 0),
                _ => {}
            }
            match fields[i].need {
                Required | Nullable => shape.present |= bit,
                Optional => shape.optional |= bit,
                OrEmpty => shape.or_empty |= bit,
            }
            i += 1;
        }
        shape
    }
}

use Need::*;
use Ty::*;

pub const APP: Shape = Shape::new(
    "App",
    &[
        f("id", Str, Required),
        f("name", Str, Required),
        f("display_name", Str, Nullable),
        f("template_name", Str, Required),
        f("template_version", Str, Required),
        f("project_name", Str, Required),
        f("org_name", Str, Required),
        f("cluster_name", Str, Required),
        f("namespace", Str, Required),
        f("state", Str, Required),
        f("creator", Str, Required),
        f("created_at", Time, Required),
        f("updated_at", Time, Required),
        f("endpoints", Strings, Required),
    ],
    &[],
);

pub const APP_UPGRADES: Shape = Shape::new(
    "AppUpgrades",
    &[
        f("id", Str, Required),
        f("template_name", Str, Required),
        f("template_version", Str, Required),
        f("available_versions", Strings, Required),
    ],
    &[],
);

pub const APP_TEMPLATE: Shape = Shape::new(
    "AppTemplate",
    &[
        f("name", Str, OrEmpty),
        f("title", Str, OrEmpty),
        f("version", Str, OrEmpty),
        f("short_description", Str, OrEmpty),
        f("tags", AnyList, OrEmpty),
        f("input", Any, Optional),
        f("description", Str, OrEmpty),
    ],
    &[],
);

pub const APP_VALUE: Shape = Shape::new(
    "AppValue",
    &[
        f("instance_id", Str, Optional),
        f("type", Str, Required),
        f("path", Str, Required),
        f("value", Any, Optional),
    ],
    // The values API renamed app_instance_id → instance_id; both are read.
    &[("app_instance_id", "instance_id")],
);

pub const APP_EVENT_RESOURCE: Shape = Shape::new(
    "AppEventResource",
    &[
        f("kind", Str, Optional),
        f("name", Str, Optional),
        f("uid", Str, Optional),
        f("health_status", Str, Optional),
        f("health_message", Str, Optional),
    ],
    &[],
);

pub const APP_EVENT: Shape = Shape::new(
    "AppEvent",
    &[
        f("created_at", Time, Required),
        f("state", Str, Required),
        f("reason", Str, Nullable),
        f("message", Str, Optional),
        f("resources", List(&APP_EVENT_RESOURCE), OrEmpty),
    ],
    &[],
);

pub const APP_CONFIGURATION_REVISION: Shape = Shape::new(
    "AppConfigurationRevision",
    &[
        f("revision_number", Int, Required),
        f("creator", Str, Required),
        f("comment", Str, Nullable),
        f("created_at", Time, Required),
        f("end_at", Time, Nullable),
    ],
    &[],
);

/// Every model JS receives (the type test compares each with index.d.ts).
pub const SHAPES: [&Shape; 7] = [
    &APP,
    &APP_UPGRADES,
    &APP_TEMPLATE,
    &APP_VALUE,
    &APP_EVENT_RESOURCE,
    &APP_EVENT,
    &APP_CONFIGURATION_REVISION,
];

const MAX_TIMES: usize = 4;

impl Shape {
    /// The keys that reach JS as epoch milliseconds, to become `Date`s.
    pub fn date_keys(&self) -> &[&'static str] {
        &self.dates[..self.times]
    }

    fn index(&self, key: &[u8]) -> Option<usize> {
        self.fields.iter().position(|f| f.key.as_bytes() == key)
    }
}

/// What the check of an answer found: the changes JS makes to `JSON.parse` of the body.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Edits {
    /// The model of the value (or of each item when `list`).
    pub shape: Option<&'static Shape>,
    pub list: bool,
    /// How many objects were checked (the items of a list).
    pub count: usize,
    /// Each object's timestamps in `date_keys` order, as epoch milliseconds (None: null).
    pub times: Vec<Option<i64>>,
    /// JSON array elements, comma-joined: `[path,"key",value]` sets a key, `[path,"key"]`
    /// deletes it; `path` is the array of indexes and keys from the value to the object.
    pub fixes: String,
    /// The keys of a single object that hold a non-null value (bit i: field i).
    present: u32,
}

impl Edits {
    /// Sets `key` of item `index` (or of the value, for None) to `json`.
    pub fn set(&mut self, index: Option<usize>, key: &str, json: &str) {
        let path = index.map(|i| i.to_string()).unwrap_or_default();
        self.fix(&path, key, Some(json));
    }

    /// Whether the checked single object has a non-null `key`.
    pub fn has(&self, key: &str) -> bool {
        let i = self.shape.and_then(|s| s.index(key.as_bytes()));
        i.is_some_and(|i| self.present & (1 << i) != 0)
    }

    fn fix(&mut self, path: &str, key: &str, json: Option<&str>) {
        if !self.fixes.is_empty() {
            self.fixes.push(',');
        }
        let _ = write!(self.fixes, "[[{path}],\"{key}\"");
        if let Some(j) = json {
            self.fixes.push(',');
            self.fixes.push_str(j);
        }
        self.fixes.push(']');
    }
}

/// Where an object sits in the value: the JSON text of its path, made only when an edit needs it.
#[derive(Clone, Copy)]
enum Path<'p> {
    Root,
    Item(usize),
    In(&'p Path<'p>, &'static str, usize),
}

impl Path<'_> {
    fn text(&self) -> String {
        match self {
            Path::Root => String::new(),
            Path::Item(i) => i.to_string(),
            Path::In(parent, key, i) => {
                let p = parent.text();
                let sep = if p.is_empty() { "" } else { "," };
                format!("{p}{sep}\"{key}\",{i}")
            }
        }
    }
}

/// `s` as a JSON string literal.
pub fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// `items` as a JSON array of strings at the end of `out`.
pub fn push_strings(out: &mut String, items: &[&str]) {
    out.push('[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_quoted(out, s);
    }
    out.push(']');
}

/// `quoted(s)` at the end of `out`; text with nothing to escape (URLs, keys) is copied as it is.
pub fn push_quoted(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&quoted(s));
    }
}

/// A field's value as checked.
enum Got {
    Null,
    Value,
    Time(i64),
    /// An alias's string (its value moves to the field it names).
    Text(String),
}

/// "invalid type: …, expected …" for the next value, of kind `got`: read first, so that
/// text that is not JSON says so.
fn wrong(r: &mut Reader, got: Kind, expected: fmt::Arguments) -> Box<Fail> {
    match r.skip() {
        Err(e) => e,
        Ok(()) => r.at(format!("invalid type: {}, expected {expected}", got.name())),
    }
}

fn what(ty: Ty) -> &'static str {
    match ty {
        Str => "a string",
        Int => "an integer",
        Time => "a timestamp string",
        Strings => "a list of strings",
        Any => "JSON",
        AnyList => "a list",
        List(_) => "a list of objects",
    }
}

/// Checks one field's value against its type (`keep`: keep a string's text, for an alias).
fn check_field(
    r: &mut Reader,
    field: &'static Field,
    path: &Path,
    edits: &mut Edits,
    keep: bool,
) -> Read<Got> {
    let key = field.key;
    let kind = r.peek()?;
    Ok(match (kind, field.ty) {
        (Kind::Null, _) => {
            r.literal()?;
            if matches!(field.need, Required) {
                return Err(r.at(format!("`{key}` is null")));
            }
            Got::Null
        }
        (Kind::Str, Str) if keep => Got::Text(String::from_utf8_lossy(&r.string()?).into_owned()),
        (Kind::Str, Str | Any) => {
            r.skip_string()?;
            Got::Value
        }
        (Kind::Str, Time) => {
            let bytes = r.string()?;
            let text = match std::str::from_utf8(&bytes) {
                Ok(t) => Cow::Borrowed(t),
                Err(_) => String::from_utf8_lossy(&bytes),
            };
            match parse_timestamp(&text) {
                Some(t) => Got::Time(t.timestamp_millis()),
                None => {
                    let q = quoted(&text);
                    return Err(r.at(format!("`{key}` is not a timestamp: {q}")));
                }
            }
        }
        (Kind::Number, Int) => match r.number()? {
            Number::Int(_) => Got::Value,
            Number::Other => return Err(r.at(format!("`{key}` is a number, not an integer"))),
        },
        (Kind::Number | Kind::Bool | Kind::Object | Kind::List, Any) | (Kind::List, AnyList) => {
            r.skip()?;
            Got::Value
        }
        (Kind::List, Strings) => {
            r.open_list();
            let mut first = true;
            while r.item(first)? {
                first = false;
                match r.peek()? {
                    Kind::Str => r.skip_string()?,
                    k => return Err(wrong(r, k, format_args!("a list of strings in `{key}`"))),
                }
            }
            Got::Value
        }
        (Kind::List, List(shape)) => {
            r.open_list();
            let mut order = [u8::MAX; 32];
            let mut i = 0;
            while r.item(i == 0)? {
                let at = Path::In(path, key, i);
                check_object(r, shape, &at, edits, false, &mut order)?;
                i += 1;
            }
            Got::Value
        }
        _ => {
            r.skip()?;
            let (got, want) = (kind.name(), what(field.ty));
            return Err(r.at(format!("`{key}` is {got}, not {want}")));
        }
    })
}

type Order = [u8; 32];

/// Checks one object against its model, noting its timestamps and edits. `top`: a value or
/// list item (its timestamps are revived), not a nested object. `order`: the field found at
/// each key position in the previous object of the list.
fn check_object(
    r: &mut Reader,
    shape: &'static Shape,
    path: &Path,
    edits: &mut Edits,
    top: bool,
    order: &mut Order,
) -> Read<()> {
    match r.peek()? {
        Kind::Object => r.open_object(),
        k => return Err(wrong(r, k, format_args!("an object ({})", shape.name))),
    }
    let (mut seen, mut non_null) = (0u32, 0u32);
    let mut times = [None; MAX_TIMES];
    // The alias: seen at all, and its string.
    let mut alias: Option<Option<String>> = None;
    let mut nested: Vec<(usize, String)> = Vec::new();
    let mut pos = 0;
    loop {
        // The field at this key position in the previous object: most often this key's too.
        let hinted = order.get(pos).and_then(|&h| {
            let f = shape.fields.get(usize::from(h))?;
            Some((usize::from(h), f.key.as_bytes()))
        });
        let hint = hinted.map_or(&[][..], |(_, k)| k);
        let key = if r.hinted_key(pos == 0, hint) {
            Key::Hint
        } else {
            r.key_or(pos == 0, hint)?
        };
        let found = match &key {
            Key::End => break,
            Key::Hint => hinted.map(|(i, _)| i),
            Key::Text(k) => {
                let i = shape.index(k);
                if let Some(h) = order.get_mut(pos) {
                    *h = i.map_or(u8::MAX, |i| i as u8);
                }
                i
            }
        };
        pos += 1;
        let (i, keep) = match found {
            Some(i) => (i, false),
            None => match shape.aliases.first() {
                Some((from, to)) if matches!(&key, Key::Text(k) if from.as_bytes() == &k[..]) => {
                    match shape.index(to.as_bytes()) {
                        Some(i) => (i, true),
                        None => {
                            r.skip()?;
                            continue;
                        }
                    }
                }
                _ => {
                    r.skip()?;
                    continue;
                }
            },
        };
        let field = &shape.fields[i];
        // Most fields are strings: checked here, without the general dispatch.
        if matches!(field.ty, Str) && !keep && r.skip_string_here()? {
            seen |= 1 << i;
            non_null |= 1 << i;
            continue;
        }
        // A nested list's edits are kept aside until the object ends: if its key comes
        // again, JS keeps only the last list, and only that one's edits may apply.
        let outer = matches!(field.ty, List(_)).then(|| std::mem::take(&mut edits.fixes));
        let got = check_field(r, field, path, edits, keep);
        if let Some(outer) = outer {
            let inner = std::mem::replace(&mut edits.fixes, outer);
            nested.retain(|(f, _)| *f != i);
            nested.push((i, inner));
        }
        let got = got?;
        if keep {
            alias = Some(match got {
                Got::Text(t) => Some(t),
                _ => None,
            });
            continue;
        }
        // A repeated key counts once, the last time (as JSON.parse reads it).
        seen |= 1 << i;
        non_null &= !(1 << i);
        if !matches!(got, Got::Null) {
            non_null |= 1 << i;
        }
        if let Got::Time(ms) = got {
            times[usize::from(shape.slots[i])] = Some(ms);
        } else if matches!(field.ty, Time) {
            times[usize::from(shape.slots[i])] = None;
        }
    }
    for (_, inner) in nested.into_iter().filter(|(_, f)| !f.is_empty()) {
        if !edits.fixes.is_empty() {
            edits.fixes.push(',');
        }
        edits.fixes.push_str(&inner);
    }
    let mut at: Option<String> = None;
    let mut fix = |edits: &mut Edits, key: &str, json: Option<&str>| {
        let p = at.get_or_insert_with(|| path.text());
        edits.fix(p, key, json);
    };
    if let Some(value) = alias {
        let (from, to) = shape.aliases[0];
        fix(edits, from, None);
        if let (Some(i), Some(text)) = (shape.index(to.as_bytes()), value) {
            if non_null & (1 << i) == 0 {
                fix(edits, to, Some(&quoted(&text)));
                seen |= 1 << i;
                non_null |= 1 << i;
            }
        }
    }
    // Bit masks, not a walk over the fields: most objects have every field.
    let missing = shape.present & !seen;
    if missing != 0 {
        let field = &shape.fields[missing.trailing_zeros() as usize];
        return Err(r.at(format!("missing field `{}`", field.key)));
    }
    // In field order, as JS adds the keys.
    let mut filled = (shape.optional & !seen) | (shape.or_empty & !non_null);
    while filled != 0 {
        let i = filled.trailing_zeros() as usize;
        filled &= filled - 1;
        let field = &shape.fields[i];
        let json = match field.need {
            OrEmpty if matches!(field.ty, Str) => "\"\"",
            OrEmpty => "[]",
            _ => "null",
        };
        fix(edits, field.key, Some(json));
    }
    if top {
        let n = shape.times;
        edits.times.extend_from_slice(&times[..n]);
        edits.count += 1;
        edits.present = non_null;
    }
    Ok(())
}

/// Checks a list of `shape` objects.
fn check_list(r: &mut Reader, shape: &'static Shape, edits: &mut Edits) -> Read<()> {
    match r.peek()? {
        Kind::List => r.open_list(),
        k => return Err(wrong(r, k, format_args!("a list of {}", shape.name))),
    }
    let mut order = [u8::MAX; 32];
    let mut first = true;
    while r.item(first)? {
        first = false;
        let path = Path::Item(edits.count);
        check_object(r, shape, &path, edits, true, &mut order)?;
    }
    Ok(())
}

/// Reads all of `body` with `read`, or the "unexpected response" error of an answer with
/// `status` saying why not and where.
fn checked<T>(status: u16, body: &str, read: impl FnOnce(&mut Reader) -> Read<T>) -> Result<T> {
    let mut r = Reader::new(body.as_bytes());
    read(&mut r).and_then(|v| r.end().map(|_| v)).map_err(|e| {
        let (line, column) = json::line_column(body.as_bytes(), e.at);
        let place = format!("{} at line {line} column {column}", e.message);
        ApiError::bad_response(
            status,
            if e.syntax {
                format!("not JSON ({place})")
            } else {
                place
            },
        )
    })
}

fn edits_for(shape: &'static Shape, list: bool) -> Edits {
    Edits {
        shape: Some(shape),
        list,
        ..Edits::default()
    }
}

/// Checks the body as one `shape` object.
pub fn object(status: u16, body: &str, shape: &'static Shape) -> Result<Edits> {
    let mut edits = edits_for(shape, false);
    checked(status, body, |r| {
        check_object(r, shape, &Path::Root, &mut edits, true, &mut [u8::MAX; 32])
    })?;
    Ok(edits)
}

/// Checks the body as a JSON array of `shape` objects.
pub fn array(status: u16, body: &str, shape: &'static Shape) -> Result<Edits> {
    let mut edits = edits_for(shape, true);
    checked(status, body, |r| check_list(r, shape, &mut edits))?;
    Ok(edits)
}

/// The `items` of an envelope answer, and its `pages`.
#[derive(Debug, Default)]
pub struct Envelope {
    /// The check of `items`; None when the key is absent or null.
    pub items: Option<Edits>,
    pub pages: Option<Value>,
}

/// Checks a body's `items` (a list of `shape`) and reads its `pages`; other keys are skipped.
pub fn envelope(status: u16, body: &str, shape: &'static Shape) -> Result<Envelope> {
    checked(status, body, |r| {
        match r.peek()? {
            Kind::Object => r.open_object(),
            k => return Err(wrong(r, k, format_args!("a JSON object"))),
        }
        let mut env = Envelope::default();
        let mut first = true;
        // A repeated key counts once, the last time (as JSON.parse reads it).
        while let Some(key) = r.key(first)? {
            first = false;
            match &*key {
                b"items" if r.peek()? == Kind::Null => {
                    r.literal()?;
                    env.items = None;
                }
                b"items" => {
                    let mut edits = edits_for(shape, true);
                    check_list(r, shape, &mut edits)?;
                    env.items = Some(edits);
                }
                b"pages" => {
                    let start = r.offset();
                    r.skip()?;
                    // From the text (as every other read of a Value): one serde_json reader in the .wasm.
                    let text = body.get(start..r.offset()).unwrap_or_default();
                    let pages = serde_json::from_str(text)
                        .map_err(|e| r.at(format!("`pages` is not read: {e}")))?;
                    env.pages = Some(pages);
                }
                _ => r.skip()?,
            }
        }
        Ok(env)
    })
}

/// The envelope's items, required or not as the SDK reads them (`data["items"]` vs
/// `data.get("items", [])`): None means an empty list.
pub fn items(status: u16, env: Envelope, required: bool) -> Result<Option<Edits>> {
    match env.items {
        Some(edits) => Ok(Some(edits)),
        None if !required => Ok(None),
        None => Err(ApiError::bad_response(
            status,
            "no \"items\" list in the answer",
        )),
    }
}

/// The app fields Rust itself reads (configure and its requests).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct App {
    pub id: String,
    pub name: String,
    pub template_name: String,
    pub template_version: String,
    pub project_name: String,
    pub org_name: String,
    pub cluster_name: String,
}

impl App {
    /// Checks an App answer and reads the fields above (configure's GET).
    pub fn decode(status: u16, body: &str) -> Result<App> {
        object(status, body, &APP)?;
        let v = parse_body(status, body)?;
        let s = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Ok(App {
            id: s("id"),
            name: s("name"),
            template_name: s("template_name"),
            template_version: s("template_version"),
            project_name: s("project_name"),
            org_name: s("org_name"),
            cluster_name: s("cluster_name"),
        })
    }
}

/// The templates of `GET …/templates` and `…/templates/{name}`: `input` and `description`
/// are not part of a summary (the SDK sets None and ""); the versions list takes its name
/// from the path.
pub fn template_summaries(status: u16, body: &str, name: Option<&str>) -> Result<Edits> {
    let mut edits = array(status, body, &APP_TEMPLATE)?;
    let name = name.map(quoted);
    for i in 0..edits.count {
        edits.set(Some(i), "input", "null");
        edits.set(Some(i), "description", "\"\"");
        if let Some(n) = &name {
            edits.set(Some(i), "name", n);
        }
    }
    Ok(edits)
}

/// `GET …/templates/{name}/{version}`: JSON null means "no such template" (None); a template
/// without a name takes the one asked for.
pub fn template_detail(status: u16, body: &str, name: &str) -> Result<Option<Edits>> {
    if matches!(body.trim(), "null" | "") {
        return Ok(None);
    }
    let mut edits = object(status, body, &APP_TEMPLATE)?;
    if !edits.has("name") {
        edits.set(None, "name", &quoted(name));
    }
    Ok(Some(edits))
}

/// The `input` schema of a template answer (configure's guard), if the answer is a template.
pub fn template_input(status: u16, body: &str) -> Option<Value> {
    template_detail(status, body, "").ok()??;
    parse_body(status, body)
        .ok()?
        .get_mut("input")
        .map(Value::take)
}

/// A successful answer's body as JSON (an empty body is `null`).
pub fn parse_body(status: u16, body: &str) -> Result<Value> {
    if body.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(body)
        .map_err(|e| ApiError::bad_response(status, format!("not JSON ({e})")))
}

/// Checks that a body is JSON (any); false for an empty body (the value is then null).
pub fn is_json(status: u16, body: &str) -> Result<bool> {
    if body.trim().is_empty() {
        return Ok(false);
    }
    checked(status, body, |r| r.skip())?;
    Ok(true)
}

pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// What the JS layer makes of a checked body: `JSON.parse`, the member `at`, the fixes, then
    /// each timestamp (here as epoch milliseconds rather than a `Date`).
    pub(crate) fn applied(body: &str, at: &str, e: &Edits) -> Value {
        let mut v: Value = serde_json::from_str(body).unwrap();
        if !at.is_empty() {
            v = v[at].take();
        }
        let fixes: Value = serde_json::from_str(&format!("[{}]", e.fixes)).unwrap();
        for f in fixes.as_array().unwrap() {
            let mut o = &mut v;
            for p in f[0].as_array().unwrap() {
                o = match p {
                    Value::Number(i) => &mut o[i.as_u64().unwrap() as usize],
                    Value::String(k) => &mut o[k.as_str()],
                    _ => unreachable!(),
                };
            }
            let key = f[1].as_str().unwrap();
            match f.get(2) {
                Some(value) => o[key] = value.clone(),
                None => {
                    o.as_object_mut().unwrap().remove(key);
                }
            }
        }
        let keys = e.shape.map(|s| s.date_keys()).unwrap_or_default();
        let objects: Vec<&mut Value> = match &mut v {
            Value::Array(items) if e.list => items.iter_mut().collect(),
            other => vec![other],
        };
        for (i, o) in objects.into_iter().enumerate() {
            for (k, key) in keys.iter().enumerate() {
                if let Some(ms) = e.times[i * keys.len() + k] {
                    o[*key] = json!(ms);
                }
            }
        }
        v
    }

    fn app_json() -> Value {
        json!({"id":"704285b2-aab1-4b0a-b8ff-bfbeb37f89e4","name":"superorg-test3-sd-704285b2",
            "display_name":"Stable Diffusion","template_name":"stable-diffusion","template_version":"master",
            "project_name":"test3","org_name":"superorg","cluster_name":"default","namespace":"apolo-test3",
            "state":"healthy","creator":"test-user","created_at":"2025-05-07T11:00:00Z",
            "updated_at":"2025-05-07 12:00:00.5+00:00","endpoints":["https://app.example.com"],
            "future_field": {"x": 1}})
    }

    fn out(shape: &'static Shape, v: &Value) -> Result<Value> {
        let text = v.to_string();
        object(200, &text, shape).map(|e| applied(&text, "", &e))
    }

    fn list(shape: &'static Shape, v: &Value) -> Result<Value> {
        let text = v.to_string();
        array(200, &text, shape).map(|e| applied(&text, "", &e))
    }

    #[test]
    fn app_keeps_extras_and_sends_dates_as_millis() {
        let e = object(200, &app_json().to_string(), &APP).unwrap();
        assert_eq!(e.fixes, "", "a complete App needs no edits");
        let a = out(&APP, &app_json()).unwrap();
        assert_eq!(a["state"], "healthy");
        assert_eq!(a["future_field"], json!({"x": 1}));
        assert_eq!(a["created_at"], 1_746_615_600_000i64);
        assert_eq!(a["updated_at"], 1_746_619_200_500i64);
        assert_eq!(a["endpoints"], json!(["https://app.example.com"]));
        assert_eq!(APP.date_keys(), vec!["created_at", "updated_at"]);
        let typed = App::decode(200, &app_json().to_string()).unwrap();
        assert_eq!(typed.template_name, "stable-diffusion");
        assert_eq!(typed.cluster_name, "default");
    }

    #[test]
    fn app_requires_every_sdk_key() {
        for key in [
            "id",
            "name",
            "display_name",
            "namespace",
            "created_at",
            "endpoints",
            "state",
        ] {
            let mut v = app_json();
            v.as_object_mut().unwrap().remove(key);
            let e = out(&APP, &v).unwrap_err();
            assert_eq!(e.kind.name(), "BadGateway", "{key}");
            assert!(e.message.contains(key), "{}", e.message);
        }
        let mut v = app_json();
        v["display_name"] = Value::Null;
        assert_eq!(out(&APP, &v).unwrap()["display_name"], Value::Null);
        for (key, bad) in [
            ("created_at", json!("yesterday")),
            ("created_at", json!(5)),
            ("created_at", Value::Null),
            ("id", json!(5)),
            ("id", Value::Null),
            ("id", json!({"a": 1})),
            ("endpoints", json!([1])),
            ("endpoints", json!("x")),
        ] {
            let mut v = app_json();
            v[key] = bad;
            let e = out(&APP, &v).unwrap_err();
            assert!(e.message.contains(key), "{}", e.message);
        }
    }

    #[test]
    fn repeated_and_escaped_keys_read_as_json_parse_reads_them() {
        let text = r#"{"id":"a\"b","name":"n","display_name":null,"template_name":"t","template_version":"v",
            "project_name":"p","org_name":"o","cluster_name":"c","namespace":"ns","state":"s","creator":"u",
            "created_at":"2025-05-07T11:00:00\u005a","updated_at":"1999-01-01T00:00:00Z","endpoints":[],
            "k\u00e9y":"\u00e9","plain":1,"updated_at":"2025-05-07T11:00:00Z","display_name":"d"}"#;
        let e = object(200, text, &APP).unwrap();
        assert_eq!(
            e.times,
            vec![Some(1_746_615_600_000), Some(1_746_615_600_000)]
        );
        assert!(e.has("display_name"));
        let v = applied(text, "", &e);
        assert_eq!(v["id"], "a\"b");
        assert_eq!(v["kéy"], "é");
        assert_eq!(v["plain"], 1);
    }

    #[test]
    fn value_reads_legacy_instance_id() {
        let body = r#"{"items":[
            {"app_instance_id":"old","type":"RestAPI","path":"$.a","value":{"host":"h"}},
            {"instance_id":"new","app_instance_id":"old","type":"dict","path":"$.b"},
            {"instance_id":null,"app_instance_id":null,"type":"dict","path":"$.c","value":null}]}"#;
        let edits = items(200, envelope(200, body, &APP_VALUE).unwrap(), true)
            .unwrap()
            .unwrap();
        let values = applied(body, "items", &edits);
        assert_eq!(
            values[0],
            json!({"instance_id":"old","type":"RestAPI","path":"$.a","value":{"host":"h"}})
        );
        assert_eq!(
            values[1],
            json!({"instance_id":"new","type":"dict","path":"$.b","value":null})
        );
        assert_eq!(
            values[2],
            json!({"instance_id":null,"type":"dict","path":"$.c","value":null})
        );
        let empty = envelope(200, "{}", &APP_VALUE).unwrap();
        assert!(items(200, empty, true).is_err());
        let empty = envelope(200, r#"{"items":null}"#, &APP_EVENT).unwrap();
        assert_eq!(items(200, empty, false).unwrap(), None);
    }

    #[test]
    fn event_rules() {
        let ev = out(
            &APP_EVENT,
            &json!({"created_at":"2025-11-27T12:23:47.555539Z","state":"healthy",
            "reason":null,"resources":[{"kind":"Deployment","health_status":"Healthy","x":2}, {}]}),
        )
        .unwrap();
        assert_eq!(ev["reason"], Value::Null);
        assert_eq!(ev["message"], Value::Null);
        assert_eq!(ev["resources"][0]["kind"], "Deployment");
        assert_eq!(ev["resources"][0]["uid"], Value::Null);
        assert_eq!(ev["resources"][0]["x"], 2);
        assert_eq!(ev["resources"][1]["health_message"], Value::Null);
        // reason is a required key
        assert!(out(
            &APP_EVENT,
            &json!({"created_at":"2025-11-27T12:23:47Z","state":"x"})
        )
        .is_err());
        let ev = out(
            &APP_EVENT,
            &json!({"created_at":"2025-11-27T12:23:47Z","state":"x","reason":"r","resources":null}),
        )
        .unwrap();
        assert_eq!(ev["resources"], json!([]));
        assert!(out(
            &APP_EVENT,
            &json!({"created_at":"2025-11-27T12:23:47Z","state":"x","reason":"r","resources":[1]}),
        )
        .is_err());
        // In a list, each item's edits name its index.
        let events = list(
            &APP_EVENT,
            &json!([{"created_at":"2025-11-27T12:23:47Z","state":"x","reason":"r","message":"m","resources":[]},
                    {"created_at":"2025-11-27T12:23:48Z","state":"y","reason":"r","resources":[{"kind":"k"}]}]),
        )
        .unwrap();
        assert_eq!(events[0]["message"], "m");
        assert_eq!(events[1]["message"], Value::Null);
        assert_eq!(events[1]["resources"][0]["uid"], Value::Null);
        assert_eq!(events[1]["created_at"], 1_764_246_228_000i64);
        // A repeated nested list: only the last one's edits (JS keeps the last).
        let text = r#"[{"created_at":"2025-11-27T12:23:47Z","state":"x","reason":"r","message":"m",
            "resources":[{},{},{}],"resources":[{"kind":"k"}]}]"#;
        let e = array(200, text, &APP_EVENT).unwrap();
        let v = applied(text, "", &e);
        assert_eq!(v[0]["resources"].as_array().map(Vec::len), Some(1));
        assert_eq!(v[0]["resources"][0]["uid"], Value::Null);
    }

    #[test]
    fn revision_rules() {
        let r = list(
            &APP_CONFIGURATION_REVISION,
            &json!([{"revision_number":3,"creator":"u","comment":null,
            "created_at":"2025-11-27T14:00:00+00:00","end_at":null}]),
        )
        .unwrap();
        assert_eq!(r[0]["created_at"], 1_764_252_000_000i64);
        assert_eq!(r[0]["end_at"], Value::Null);
        assert_eq!(r[0]["revision_number"], 3);
        for bad in [
            json!([{"revision_number":3,"creator":"u","comment":null,"created_at":"2025-11-27T14:00:00+00:00"}]),
            json!([{"revision_number":3.5,"creator":"u","comment":null,"created_at":"2025-11-27T14:00:00+00:00","end_at":null}]),
            json!([{"revision_number":u64::MAX,"creator":"u","comment":null,"created_at":"2025-11-27T14:00:00+00:00","end_at":null}]),
            json!({"items":[]}),
        ] {
            assert!(list(&APP_CONFIGURATION_REVISION, &bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn templates() {
        let body = r#"[{"name":"jupyter","version":"v1","title":"J","tags":["a"],"input":{"type":"object"},"description":"d","x":1}]"#;
        let list = applied(body, "", &template_summaries(200, body, None).unwrap());
        assert_eq!(list[0]["input"], Value::Null);
        assert_eq!(list[0]["description"], "");
        assert_eq!(list[0]["short_description"], "");
        assert_eq!(list[0]["tags"], json!(["a"]));
        assert_eq!(list[0]["x"], 1);
        let body = r#"[{"version":"master","title":null}]"#;
        let versions = applied(
            body,
            "",
            &template_summaries(200, body, Some("sd")).unwrap(),
        );
        assert_eq!(versions[0]["name"], "sd");
        assert_eq!(versions[0]["title"], "");
        assert_eq!(versions[0]["tags"], json!([]));
        assert!(template_detail(200, "null", "x").unwrap().is_none());
        let body = r#"{"version":"master","input":{"type":"object"}}"#;
        let t = applied(
            body,
            "",
            &template_detail(200, body, "sd").unwrap().unwrap(),
        );
        assert_eq!(t["name"], "sd");
        assert_eq!(t["input"], json!({"type":"object"}));
        assert_eq!(template_input(200, body), Some(json!({"type":"object"})));
        let body = r#"{"name":"own","version":"master"}"#;
        let t = applied(
            body,
            "",
            &template_detail(200, body, "sd").unwrap().unwrap(),
        );
        assert_eq!(t["name"], "own");
        assert!(template_summaries(200, r#"{"items":[]}"#, None).is_err());
        // What is filled in comes in field order (the order JS adds the keys in).
        assert_eq!(
            object(200, r#"{"title":"T","x":1}"#, &APP_TEMPLATE)
                .unwrap()
                .fixes,
            r#"[[],"name",""],[[],"version",""],[[],"short_description",""],[[],"tags",[]],[[],"input",null],[[],"description",""]"#
        );
    }

    #[test]
    fn upgrades() {
        let u = list(
            &APP_UPGRADES,
            &json!([{"id":"a","template_name":"t","template_version":"v1",
            "available_versions":["v3","v2"]}]),
        )
        .unwrap();
        assert_eq!(u[0]["available_versions"], json!(["v3", "v2"]));
    }

    #[test]
    fn bodies() {
        assert_eq!(parse_body(204, "").unwrap(), Value::Null);
        assert_eq!(parse_body(200, "null").unwrap(), Value::Null);
        assert_eq!(
            parse_body(200, "<html>").unwrap_err().kind.name(),
            "BadGateway"
        );
        assert_eq!(
            object(200, "<html>", &APP).unwrap_err().kind.name(),
            "BadGateway"
        );
        assert!(object(200, "{} x", &APP).is_err());
        assert!(envelope(200, "[]", &APP).is_err());
        assert!(!is_json(200, " ").unwrap());
        assert!(is_json(200, "[1]").unwrap());
        assert!(is_json(200, "[1").is_err());
    }

    #[test]
    fn a_value_of_the_wrong_kind_names_both_kinds() {
        let says = |e: Box<ApiError>| {
            assert_eq!(e.kind.name(), "BadGateway");
            e.message
        };
        let (obj, list) = (|b| object(200, b, &APP), |b| array(200, b, &APP));
        for (r, got, want) in [
            (obj("[]"), "a list", "an object (App)"),
            (obj("1.5"), "a number", "an object (App)"),
            (list("{}"), "an object", "a list of App"),
            (list("[null]"), "null", "an object (App)"),
            (list("[true]"), "a boolean", "an object (App)"),
            (list("[\"x\"]"), "a string", "an object (App)"),
        ] {
            let m = says(r.unwrap_err());
            assert!(
                m.contains(&format!("invalid type: {got}, expected {want}")),
                "{m}"
            );
        }
        let m = says(envelope(200, "\"items\"", &APP).unwrap_err());
        assert!(
            m.contains("invalid type: a string, expected a JSON object"),
            "{m}"
        );
        let mut app = app_json();
        app["endpoints"] = json!(["a", 2]);
        let m = says(out(&APP, &app).unwrap_err());
        assert!(
            m.contains("invalid type: a number, expected a list of strings in `endpoints`"),
            "{m}"
        );
        // A list's `pages` is read as any JSON, whatever its kind.
        let env = envelope(200, r#"{"items": [], "pages": {"a": 1.5}}"#, &APP).unwrap();
        assert_eq!(env.pages, Some(json!({"a": 1.5})));
    }
}
