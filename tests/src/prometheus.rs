//! Scraping a `/metrics` endpoint and reading its Prometheus text: a strict parser (every
//! line a `# HELP`/`# TYPE` comment or `name{labels} value`, every sample of a declared
//! family), and lookups by name and labels.

use std::collections::{BTreeMap, HashMap};

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A parsed scrape.
#[derive(Debug, Clone, Default)]
pub struct Scrape {
    pub samples: Vec<Sample>,
    /// Family name → its `# TYPE`.
    pub types: HashMap<String, String>,
}

/// `GET url`: it must answer 200 with Prometheus text, which must parse.
pub async fn scrape(url: &str) -> Scrape {
    let response = reqwest::get(url).await.expect("scraping metrics");
    assert_eq!(response.status(), 200, "{url}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{url}: {content_type}"
    );
    let body = response.text().await.unwrap();
    parse(&body).unwrap_or_else(|e| panic!("{url} is not Prometheus text: {e}\n{body}"))
}

impl Scrape {
    /// The value of the sample `name` whose labels are exactly `labels`.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels == wanted)
            .map(|s| s.value)
    }

    /// [`Scrape::get`], 0 when the series is absent (a counter not yet incremented).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels).unwrap_or(0.0)
    }

    /// The samples named `name` that carry every one of `labels` (and maybe others).
    pub fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
    }

    /// The `_bucket` samples of histogram `name` with `labels`: (upper bound, cumulative
    /// count), in the order written.
    pub fn buckets(&self, name: &str, labels: &[(&str, &str)]) -> Vec<(String, f64)> {
        let bucket = format!("{name}_bucket");
        self.matching(&bucket, labels)
            .filter(|s| s.labels.len() == labels.len() + 1)
            .map(|s| (s.labels["le"].clone(), s.value))
            .collect()
    }
}

/// Parses Prometheus text (format 0.0.4).
pub fn parse(body: &str) -> Result<Scrape, String> {
    let mut scrape = Scrape::default();
    for (n, line) in body.lines().enumerate() {
        let fail = |why: &str| format!("line {}: {why}: {line:?}", n + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix("# ") {
            let mut parts = comment.splitn(3, ' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("TYPE"), Some(name), Some(kind)) => {
                    if !is_metric_name(name) {
                        return Err(fail("bad family name"));
                    }
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                        return Err(fail("unknown type"));
                    }
                    if scrape.types.insert(name.into(), kind.into()).is_some() {
                        return Err(fail("family declared twice"));
                    }
                }
                (Some("HELP"), Some(name), _) if is_metric_name(name) => {}
                _ => return Err(fail("a comment that is neither HELP nor TYPE")),
            }
            continue;
        }
        let sample = parse_sample(line).map_err(|why| fail(&why))?;
        if family_of(&sample.name, &scrape.types).is_none() {
            return Err(fail("a sample of no declared family"));
        }
        scrape.samples.push(sample);
    }
    Ok(scrape)
}

/// The declared family a sample belongs to (a histogram's `_bucket`, `_sum`, `_count`
/// belong to it).
fn family_of<'a>(name: &'a str, types: &HashMap<String, String>) -> Option<&'a str> {
    if types.contains_key(name) {
        return Some(name);
    }
    ["_bucket", "_sum", "_count"].iter().find_map(|suffix| {
        name.strip_suffix(suffix).filter(|base| {
            types
                .get(*base)
                .is_some_and(|t| t == "histogram" || t == "summary")
        })
    })
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(name: &str) -> bool {
    is_metric_name(name) && !name.contains(':')
}

/// `name{label="value",...} value [timestamp]`.
fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = &line[..name_end];
    if !is_metric_name(name) {
        return Err("bad metric name".into());
    }
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices().peekable();
        loop {
            // A label name up to '=', or the closing brace.
            let start = chars.peek().map(|(i, _)| *i).ok_or("unclosed labels")?;
            if inner[start..].starts_with('}') {
                rest = &inner[start + 1..];
                break;
            }
            let eq = inner[start..].find('=').ok_or("label without '='")? + start;
            let key = &inner[start..eq];
            if !is_label_name(key) {
                return Err(format!("bad label name {key:?}"));
            }
            while chars.peek().is_some_and(|(i, _)| *i <= eq) {
                chars.next();
            }
            if chars.next().map(|(_, c)| c) != Some('"') {
                return Err("label value not quoted".into());
            }
            let mut value = String::new();
            loop {
                match chars.next().ok_or("unterminated label value")?.1 {
                    '"' => break,
                    '\\' => match chars.next().ok_or("dangling escape")?.1 {
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        'n' => value.push('\n'),
                        other => return Err(format!("bad escape \\{other}")),
                    },
                    c => value.push(c),
                }
            }
            if labels.insert(key.to_owned(), value).is_some() {
                return Err(format!("label {key} twice"));
            }
            match chars.peek().map(|(_, c)| *c) {
                Some(',') => {
                    chars.next();
                }
                Some('}') => {}
                _ => return Err("expected ',' or '}' after a label".into()),
            }
        }
    }
    let mut fields = rest
        .strip_prefix(' ')
        .ok_or("no space before the value")?
        .split(' ');
    let value = parse_value(fields.next().ok_or("no value")?)?;
    if let Some(timestamp) = fields.next() {
        timestamp
            .parse::<i64>()
            .map_err(|_| "bad timestamp".to_owned())?;
    }
    if fields.next().is_some() {
        return Err("trailing fields".into());
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

fn parse_value(raw: &str) -> Result<f64, String> {
    match raw {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => raw.parse().map_err(|_| format!("bad value {raw:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_comments_and_escapes_parse() {
        let body = "# HELP a_total Things.\n# TYPE a_total counter\n\
                    a_total{kind=\"x\",why=\"q\\\"uote\\\\ \\n, }\"} 3\n\
                    # TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.5\nh_count 2 1700000000\n";
        let s = parse(body).unwrap();
        assert_eq!(
            s.get("a_total", &[("kind", "x"), ("why", "q\"uote\\ \n, }")]),
            Some(3.0)
        );
        assert_eq!(s.buckets("h", &[]), vec![("+Inf".to_owned(), 2.0)]);
        assert_eq!(s.value("h_count", &[]), 2.0);
    }

    #[test]
    fn malformed_lines_are_refused() {
        for bad in [
            "# TYPE a counter\na 1 2 3",
            "# TYPE a counter\na{k=v} 1",
            "# TYPE a counter\na{k=\"v\" 1",
            "# TYPE a counter\na{1k=\"v\"} 1",
            "# TYPE a counter\na one",
            "b 1",
            "# random comment",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
    }
}
