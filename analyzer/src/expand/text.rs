//! An expansion's tokens as source text, remembering for each printed token where the
//! invocation wrote it, so that spans in the text can be mapped back
//! ([`SourceDb::original_span`](crate::source::SourceDb::original_span)).

use super::mbe::{Origin, Token};
use crate::source::Span;
use proc_macro2::{Delimiter, Span as PmSpan};

pub struct Printed {
    pub text: String,
    /// Each printed token: its range in `text`, and where the invocation wrote it.
    pub tokens: Vec<(u32, u32, Option<Span>)>,
}

/// Prints tokens separated by spaces (none after a joined punctuation character), with a
/// line break after each `;` and closing brace so that long expansions stay readable.
pub fn print(tokens: &[Token], written_at: &dyn Fn(PmSpan) -> Span) -> Printed {
    let mut printed = Printed {
        text: String::new(),
        tokens: Vec::new(),
    };
    print_into(tokens, written_at, &mut printed);
    printed
}

fn print_into(tokens: &[Token], written_at: &dyn Fn(PmSpan) -> Span, out: &mut Printed) {
    for token in tokens {
        match token {
            Token::Leaf {
                text,
                joint,
                origin,
            } => {
                out.push(text, *origin, written_at);
                if !joint {
                    out.text.push(if text == ";" { '\n' } else { ' ' });
                }
            }
            Token::Group {
                delimiter,
                inner,
                origin,
            } => {
                let (open, close) = match delimiter {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("", ""),
                };
                out.push(open, *origin, written_at);
                out.text.push(' ');
                print_into(inner, written_at, out);
                out.push(close, *origin, written_at);
                out.text.push(if *delimiter == Delimiter::Brace {
                    '\n'
                } else {
                    ' '
                });
            }
        }
    }
}

impl Printed {
    fn push(&mut self, text: &str, origin: Origin, written_at: &dyn Fn(PmSpan) -> Span) {
        let start = self.text.len() as u32;
        self.text.push_str(text);
        let written = match origin {
            Origin::Macro => None,
            Origin::Input(span) => Some(written_at(span)),
        };
        self.tokens.push((start, self.text.len() as u32, written));
    }
}
