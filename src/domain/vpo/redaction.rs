//! Redaction for a data-subject access request (DOMAIN.md section 8): every occurrence of each
//! passage the counsellor names is replaced by one neutral marker, `█████`, the same in Dutch and
//! English and of fixed length, so that it gives away neither the passage nor its length.

/// What a redacted passage reads as.
pub const MARKER: &str = "█████";

/// The shortest passage accepted: a single character would blank out most of a text.
pub const MIN_PASSAGE_CHARS: usize = 2;

/// `text` with every occurrence of each of `passages` replaced by `MARKER`. Matching ignores
/// case and also finds a passage inside a longer word; overlapping or adjacent occurrences
/// become one marker.
pub fn redact(text: &str, passages: &[String]) -> String {
    // The text folded to lower case char by char, and where each original char lies in it.
    let mut folded = String::with_capacity(text.len());
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(text.len());
    for c in text.chars() {
        let start = folded.len();
        folded.extend(c.to_lowercase());
        spans.push((start, folded.len()));
    }
    let mut hidden = vec![false; spans.len()];
    for passage in passages {
        let needle: String = passage.chars().flat_map(char::to_lowercase).collect();
        if needle.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(found) = folded.get(from..).and_then(|rest| rest.find(&needle)) {
            let start = from + found;
            let end = start + needle.len();
            // Every original char whose folded form overlaps the occurrence.
            let first = spans.partition_point(|&(_, char_end)| char_end <= start);
            for (flag, _) in hidden
                .iter_mut()
                .zip(&spans)
                .skip(first)
                .take_while(|(_, (char_start, _))| *char_start < end)
            {
                *flag = true;
            }
            // Overlapping occurrences too: go on from the next char.
            from = start + folded[start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut in_marker = false;
    for (c, &hide) in text.chars().zip(&hidden) {
        if hide {
            if !in_marker {
                out.push_str(MARKER);
            }
        } else {
            out.push(c);
        }
        in_marker = hide;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passages(list: &[&str]) -> Vec<String> {
        list.iter().map(|&p| p.to_owned()).collect()
    }

    #[test]
    fn every_occurrence_is_replaced_whatever_its_case_and_the_rest_stays() {
        assert_eq!(
            redact(
                "Jan Jansen belde; jan wil dat JAN's chef niets hoort.",
                &passages(&["jan"])
            ),
            "█████ █████sen belde; █████ wil dat █████'s chef niets hoort."
        );
        assert_eq!(
            redact("Niets te zien.", &passages(&["Piet"])),
            "Niets te zien."
        );
        assert_eq!(redact("", &passages(&["Piet"])), "");
    }

    #[test]
    fn overlapping_passages_leave_no_part_behind() {
        let text = "Gesprek met Jan Jansen en Anna de Vries op de afdeling Inkoop.";
        let redacted = redact(
            text,
            &passages(&["Jan", "Jan Jansen", "de Vries", "Inkoop"]),
        );
        assert_eq!(
            redacted,
            "Gesprek met █████ en Anna █████ op de afdeling █████."
        );
        assert_eq!(redact("aaaa", &passages(&["aa"])), "█████");
    }

    #[test]
    fn letters_beyond_ascii_are_matched_and_kept_whole() {
        assert_eq!(
            redact("Çağla en ÇAĞLA; Zoë.", &passages(&["çağla", "ZOË"])),
            "█████ en █████; █████."
        );
        assert_eq!(
            redact("İsmail en ismail", &passages(&["İsmail"])),
            "█████ en ismail",
            "the dotted capital folds to i + dot, which plain `ismail` lacks"
        );
    }
}
