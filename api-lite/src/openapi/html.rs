//! `GET /docs`: the document as one self-contained HTML page (no script, no stylesheet or
//! font from elsewhere): every operation with its parameters, body and responses, then every
//! schema. Rendered from the document's JSON, so it shows exactly what `/openapi.json` says.

use std::fmt::Write;

use serde_json::Value;

const METHODS: [&str; 8] = [
    "get", "post", "put", "patch", "delete", "head", "options", "trace",
];

/// The page of `document`.
pub fn render(document: &utoipa::openapi::OpenApi) -> String {
    let doc = serde_json::to_value(document).expect("the document serializes");
    let mut out = String::new();
    let title = text(&doc["info"]["title"]);
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font:15px/1.45 system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em}}\
         h2{{margin-top:2em;border-bottom:1px solid #ccc}}h3{{font-family:monospace;margin-bottom:.2em}}\
         .m{{display:inline-block;min-width:4.5em;font-weight:bold}}pre{{background:#f5f5f5;padding:.5em;overflow:auto}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}}</style>\
         </head><body><h1>{title} {}</h1><p>{}</p><p>The document: <a href=\"/openapi.json\">/openapi.json</a>.</p>",
        text(&doc["info"]["version"]),
        text(&doc["info"]["description"]),
    );
    out.push_str("<h2>Operations</h2>");
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    operation(&mut out, method, path, op);
                }
            }
        }
    }
    out.push_str("<h2>Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let _ = write!(
                out,
                "<h3 id=\"schema-{0}\">{0}</h3><pre>{1}</pre>",
                escape(name),
                escape(&serde_json::to_string_pretty(schema).unwrap_or_default())
            );
        }
    }
    out.push_str("</body></html>");
    out
}

fn operation(out: &mut String, method: &str, path: &str, op: &Value) {
    let _ = write!(
        out,
        "<h3><span class=\"m\">{}</span>{}</h3><p><b>{}</b></p><p>{}</p>",
        method.to_uppercase(),
        escape(path),
        text(&op["summary"]),
        text(&op["description"]),
    );
    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        out.push_str("<table><tr><th>parameter</th><th>in</th><th>schema</th><th></th></tr>");
        for p in params {
            let required = if p["required"] == true {
                "required"
            } else {
                ""
            };
            let _ = write!(
                out,
                "<tr><td><code>{}</code> {required}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                text(&p["name"]),
                text(&p["in"]),
                schema(&p["schema"]),
                text(&p["description"]),
            );
        }
        out.push_str("</table>");
    }
    if let Some(content) = op["requestBody"]["content"].as_object() {
        out.push_str("<p>Body: ");
        for (media, body) in content {
            let _ = write!(
                out,
                "<code>{}</code> {} ",
                escape(media),
                schema(&body["schema"])
            );
        }
        out.push_str("</p>");
    }
    if let Some(responses) = op["responses"].as_object() {
        out.push_str("<table><tr><th>status</th><th>response</th></tr>");
        for (status, response) in responses {
            let what = match response["$ref"].as_str() {
                Some(reference) => {
                    let name = reference.rsplit('/').next().unwrap_or(reference);
                    format!("{} (<a href=\"#schema-Error\">Error</a>)", escape(name))
                }
                None => {
                    let mut what = text(&response["description"]);
                    if let Some(content) = response["content"].as_object() {
                        for (media, body) in content {
                            let _ = write!(
                                what,
                                " <code>{}</code> {}",
                                escape(media),
                                schema(&body["schema"])
                            );
                        }
                    }
                    what
                }
            };
            let _ = write!(out, "<tr><td>{}</td><td>{what}</td></tr>", escape(status));
        }
        out.push_str("</table>");
    }
}

/// A schema in a line: a link to a named one, else its JSON.
fn schema(schema: &Value) -> String {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = escape(reference.rsplit('/').next().unwrap_or(reference));
            format!("<a href=\"#schema-{name}\">{name}</a>")
        }
        None if schema.is_null() => String::new(),
        None => format!("<code>{}</code>", escape(&schema.to_string())),
    }
}

/// A JSON string, escaped; nothing for anything else.
fn text(value: &Value) -> String {
    value.as_str().map(escape).unwrap_or_default()
}

fn escape(raw: &str) -> String {
    raw.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
