//! A quiz as animators write it in a text area, one line per item:
//!
//! ```text
//! ? Une question à une seule bonne réponse
//! - une réponse fausse
//! + la bonne réponse
//! = L'explication, montrée après la réponse.
//! ?? Une question à plusieurs bonnes réponses
//! + juste
//! + juste aussi
//! - fausse
//! = L'explication.
//! ```
//!
//! Blank lines are ignored; an explanation may take several `=` lines (joined by a space).

use super::{Choice, Question};

/// Reads a quiz written as above, or says in French what is wrong, line by line. Whether the
/// questions make a valid quiz (a right answer each…) is [`super::quiz_problems`]'s.
pub fn parse(text: &str) -> Result<Vec<Question>, Vec<String>> {
    let mut questions: Vec<Question> = vec![];
    let mut problems = vec![];
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let (mark, rest) = if let Some(r) = line.strip_prefix("??") {
            ("??", r)
        } else {
            line.split_at(line.chars().next().map_or(0, char::len_utf8))
        };
        let rest = rest.trim().to_string();
        match (mark, questions.last_mut()) {
            ("?" | "??", _) => questions.push(Question {
                text: rest,
                multiple: mark == "??",
                choices: vec![],
                explanation: String::new(),
            }),
            ("+" | "-", Some(q)) => q.choices.push(Choice {
                text: rest,
                correct: mark == "+",
            }),
            ("=", Some(q)) => {
                if !q.explanation.is_empty() {
                    q.explanation.push(' ');
                }
                q.explanation.push_str(&rest);
            }
            ("+" | "-" | "=", None) => problems.push(format!(
                "ligne {n} : écrivez d'abord une question (une ligne qui commence par « ? »)"
            )),
            _ => problems.push(format!(
                "ligne {n} : une ligne commence par « ? » (question), « ?? » (question à \
                 plusieurs bonnes réponses), « + » (bonne réponse), « - » (mauvaise réponse) \
                 ou « = » (explication)"
            )),
        }
    }
    if problems.is_empty() {
        Ok(questions)
    } else {
        Err(problems)
    }
}

/// Writes questions in the text form [`parse`] reads back.
pub fn write(questions: &[Question]) -> String {
    let mut out = String::new();
    for (i, q) in questions.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mark = if q.multiple { "??" } else { "?" };
        out.push_str(&format!("{mark} {}\n", one_line(&q.text)));
        for c in &q.choices {
            let mark = if c.correct { '+' } else { '-' };
            out.push_str(&format!("{mark} {}\n", one_line(&c.text)));
        }
        out.push_str(&format!("= {}\n", one_line(&q.explanation)));
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
