//! Text for the kubelet: what it expands in `command`, `args` and `env`
//! values, escaped, and credentials written as `$(VARIABLE)` for it to read
//! from the container's environment.

use crate::plan::env::CommandRef;

/// The kubelet expands `$(VAR)` in `command`, `args` and `env` values and
/// reduces `$$` to `$`; compose does neither, so the text must reach the
/// container as written. Every `$` the kubelet would read as the start of
/// `$(` or `$$` is doubled (`$(` → `$$(`, `$$` → `$$$$`); a lone `$` stays.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '$' && matches!(chars.peek(), Some('$' | '(')) {
            out.push('$');
        }
    }
    out
}

/// [`escape`] for every word.
#[must_use]
pub fn escape_all(words: &[String]) -> Vec<String> {
    words.iter().map(|w| escape(w)).collect()
}

/// [`escape`] for every word, with each credential's value written as
/// `$(VARIABLE)` (`refs`: value, variable), which the kubelet expands from
/// the container's environment: the words the process gets are the same.
#[must_use]
pub fn escape_reading(words: &[String], refs: &[CommandRef]) -> Vec<String> {
    if refs.is_empty() {
        return escape_all(words);
    }
    words.iter().map(|w| escape_word(w, refs)).collect()
}

/// One word of [`escape_reading`]: the earliest value first (the longest
/// of those that start there); each value's next place is searched for
/// again only once the text before it is written, so that a word is read
/// once per value.
fn escape_word(word: &str, refs: &[CommandRef]) -> String {
    let find = |value: &str, from: usize| {
        if value.is_empty() {
            return None;
        }
        word.get(from..)
            .and_then(|rest| rest.find(value))
            .map(|at| at + from)
    };
    let mut next: Vec<(Option<usize>, &CommandRef)> =
        refs.iter().map(|r| (find(&r.0, 0), r)).collect();
    let mut out = String::with_capacity(word.len());
    let mut done = 0;
    while let Some((at, _, (value, variable))) = next
        .iter()
        .filter_map(|&(at, r)| at.map(|at| (at, std::cmp::Reverse(r.0.len()), r)))
        .min()
    {
        let before = word.get(done..at).unwrap_or_default();
        out.push_str(&escape(before));
        // A `$` just before `$(` would read as `$$`: written `$$` it stays one.
        if before.ends_with('$') {
            out.push('$');
        }
        out.push_str("$(");
        out.push_str(variable);
        out.push(')');
        done = at + value.len();
        for (place, (value, _)) in &mut next {
            if place.is_some_and(|p| p < done) {
                *place = find(value, done);
            }
        }
    }
    out.push_str(&escape(word.get(done..).unwrap_or_default()));
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, escape_reading};

    fn refs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(v, n)| ((*v).to_string(), (*n).to_string()))
            .collect()
    }

    #[test]
    fn each_value_becomes_its_variable_and_the_rest_is_escaped() {
        let words = [
            "a$(b)pw$$pw".to_string(),
            "pw".to_string(),
            "none".to_string(),
        ];
        assert_eq!(
            escape_reading(&words, &refs(&[("pw", "P")])),
            ["a$$(b)$(P)$$$$$(P)", "$(P)", "none"]
        );
        // without credentials, as before
        assert_eq!(escape_reading(&words, &[]), words.map(|w| escape(&w)));
    }

    #[test]
    fn the_longest_value_wins_where_two_start_and_overlaps_are_not_replaced_twice() {
        let words = ["secret-longer secret".to_string()];
        assert_eq!(
            escape_reading(&words, &refs(&[("secret", "S"), ("secret-longer", "L")])),
            ["$(L) $(S)"]
        );
        // `aXa`: the first `aXa` is taken, the overlapping one is not
        let words = ["aXaXa".to_string()];
        assert_eq!(escape_reading(&words, &refs(&[("aXa", "V")])), ["$(V)Xa"]);
    }

    #[test]
    fn a_dollar_before_a_value_stays_one_dollar() {
        // compose runs `$pw` and `$$pw`; the kubelet reads `$$` as `$`
        let words = ["$pw".to_string(), "$$pw".to_string()];
        assert_eq!(
            escape_reading(&words, &refs(&[("pw", "P")])),
            ["$$$(P)", "$$$$$(P)"]
        );
    }

    #[test]
    fn an_empty_value_is_never_searched_for() {
        let words = ["abc".to_string()];
        assert_eq!(escape_reading(&words, &refs(&[("", "E")])), ["abc"]);
    }
}
