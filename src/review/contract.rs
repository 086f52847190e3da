//! Reading a reviewer's verdict: from the file named by
//! `GIT_AGENT_REVIEW_FILE`, else the last JSON object the reviewer printed
//! on stdout, validated against the output contract. Anything outside the
//! contract is a reason to retry (then `invalid`), never an approval.

use serde_json::{Map, Value};

use super::Verdict;

/// The reviewer's findings, as the contract has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findings {
    pub verdict: Verdict,
    pub blocking: Vec<String>,
    pub should_fix: Vec<String>,
    pub nits: Vec<String>,
    pub scope_violations: Vec<String>,
}

/// The list fields of the contract, in the order the contract gives them.
pub const LISTS: [&str; 4] = ["blocking", "should_fix", "nits", "scope_violations"];

/// The verdict in `file` (when it has any text), else the last JSON object
/// in `stdout`. The error says what was wrong, for the retry's prompt.
pub fn read(file: Option<&str>, stdout: &str) -> Result<Findings, String> {
    match file.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => {
            let value: Value = serde_json::from_str(text)
                .map_err(|e| format!("the verdict file does not hold one JSON object ({e})"))?;
            validate(&value)
        }
        None => {
            let value = last_object(stdout).ok_or_else(|| {
                "no verdict: the verdict file is empty and there is no JSON object on stdout"
                    .to_owned()
            })?;
            validate(&value)
        }
    }
}

/// The last top-level JSON object in `text` (prose, code fences and other
/// output around it allowed): scanning from the start, every `{` that opens
/// a complete object is taken and scanning goes on after its end.
pub fn last_object(text: &str) -> Option<Value> {
    let mut last = None;
    let mut at = 0;
    while let Some(offset) = text[at..].find('{') {
        let start = at + offset;
        let mut stream = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(value @ Value::Object(_))) => {
                at = start + stream.byte_offset();
                last = Some(value);
            }
            _ => at = start + 1,
        }
    }
    last
}

/// Check `value` against the contract: an object with `verdict` one of
/// `approved`/`changes_requested` and the four lists, each an array of
/// strings; an approval has no blocking items or scope violations.
pub fn validate(value: &Value) -> Result<Findings, String> {
    let Value::Object(object) = value else {
        return Err("the verdict is not a JSON object".into());
    };
    let verdict = match object.get("verdict") {
        Some(Value::String(v)) if v == "approved" => Verdict::Approved,
        Some(Value::String(v)) if v == "changes_requested" => Verdict::ChangesRequested,
        Some(other) => {
            return Err(format!(
                "\"verdict\" must be \"approved\" or \"changes_requested\", not {other}"
            ));
        }
        None => return Err("the object has no \"verdict\"".into()),
    };
    let [blocking, should_fix, nits, scope_violations] = LISTS.map(|name| list(object, name));
    let findings = Findings {
        verdict,
        blocking: blocking?,
        should_fix: should_fix?,
        nits: nits?,
        scope_violations: scope_violations?,
    };
    if verdict == Verdict::Approved
        && !(findings.blocking.is_empty() && findings.scope_violations.is_empty())
    {
        return Err(
            "an \"approved\" verdict cannot have \"blocking\" items or \"scope_violations\"".into(),
        );
    }
    Ok(findings)
}

/// The array of strings `name` in `object`.
fn list(object: &Map<String, Value>, name: &str) -> Result<Vec<String>, String> {
    let Some(value) = object.get(name) else {
        return Err(format!("the object has no \"{name}\" (use [] for none)"));
    };
    let Value::Array(items) = value else {
        return Err(format!("\"{name}\" must be an array of strings"));
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.clone()),
            _ => Err(format!("\"{name}\" must hold only strings")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"{"verdict": "changes_requested", "blocking": ["b"], "should_fix": [], "nits": ["n"], "scope_violations": []}"#;

    #[test]
    fn the_last_json_object_on_stdout_is_the_verdict() {
        let out = format!(
            "thinking {{not json}}\n{{\"verdict\": \"approved\"}}\nfinal:\n```json\n{OK}\n```\n"
        );
        let f = read(None, &out).unwrap();
        assert_eq!(f.verdict, Verdict::ChangesRequested);
        assert_eq!(f.blocking, ["b"]);
        assert_eq!(f.nits, ["n"]);
        // A nested object is part of the one around it, not a verdict.
        let nested = r#"{"verdict": "approved", "x": {"verdict": "changes_requested"}}"#;
        assert_eq!(
            last_object(nested).unwrap()["verdict"],
            Value::from("approved")
        );
    }

    #[test]
    fn the_file_wins_over_stdout_unless_it_is_empty() {
        let approved = r#"{"verdict":"approved","blocking":[],"should_fix":[],"nits":[],"scope_violations":[]}"#;
        assert_eq!(read(Some(approved), OK).unwrap().verdict, Verdict::Approved);
        assert_eq!(
            read(Some("  \n"), OK).unwrap().verdict,
            Verdict::ChangesRequested
        );
        assert!(read(Some("garbage"), OK).is_err());
    }

    #[test]
    fn anything_outside_the_contract_is_refused() {
        for bad in [
            "",
            "approved",
            "LGTM, approve",
            r#"{"verdict": "approve", "blocking": [], "should_fix": [], "nits": [], "scope_violations": []}"#,
            r#"{"verdict": "approved"}"#,
            r#"{"verdict": "approved", "blocking": "none", "should_fix": [], "nits": [], "scope_violations": []}"#,
            r#"{"verdict": "approved", "blocking": [1], "should_fix": [], "nits": [], "scope_violations": []}"#,
            r#"{"verdict": "approved", "blocking": ["x"], "should_fix": [], "nits": [], "scope_violations": []}"#,
            r#"["approved"]"#,
        ] {
            assert!(read(None, bad).is_err(), "{bad}");
        }
    }
}
