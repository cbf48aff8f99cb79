//! Macro by example: a `macro_rules!` definition read into rules, an invocation matched
//! against them (the first rule that matches all of its input wins, as in rustc), and the
//! rule's transcriber filled in with what the matcher bound.
//!
//! Fragments (`$e:expr`, `$t:ty`, …) are matched by `syn`'s parser for that fragment kind
//! and bound as the invocation's own tokens, never re-printed syntax, so the expansion can
//! tell which of its tokens the invocation wrote ([`Origin::Input`]) and which the macro
//! did. Repetitions are matched greedily, one more round only when it matches entirely (no
//! backtracking into fewer rounds: rustc rejects the macros that would need it).

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use std::collections::HashMap;
use syn::ext::IdentExt;
use syn::parse::discouraged::Speculative;
use syn::parse::{ParseStream, Parser};

/// A `macro_rules!` definition.
#[derive(Debug)]
pub struct MacroRules {
    rules: Vec<Rule>,
}

#[derive(Debug)]
struct Rule {
    matcher: Vec<Matcher>,
    transcriber: Vec<Piece>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fragment {
    Expr,
    Ty,
    Ident,
    Path,
    Tt,
    Literal,
    Lifetime,
    Block,
    Stmt,
    Pat,
    PatParam,
    Item,
    Vis,
    Meta,
}

impl Fragment {
    fn named(name: &str) -> Option<Fragment> {
        Some(match name {
            "expr" | "expr_2021" => Fragment::Expr,
            "ty" => Fragment::Ty,
            "ident" => Fragment::Ident,
            "path" => Fragment::Path,
            "tt" => Fragment::Tt,
            "literal" => Fragment::Literal,
            "lifetime" => Fragment::Lifetime,
            "block" => Fragment::Block,
            "stmt" => Fragment::Stmt,
            "pat" => Fragment::Pat,
            "pat_param" => Fragment::PatParam,
            "item" => Fragment::Item,
            "vis" => Fragment::Vis,
            "meta" => Fragment::Meta,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Repeat {
    ZeroOrMore,
    OneOrMore,
    AtMostOnce,
}

/// One token of a matcher or transcriber that stands for itself.
#[derive(Clone, Debug)]
enum Literal {
    Ident(String),
    Punct(char, Spacing),
    Lit(String),
}

impl Literal {
    fn of(tt: &TokenTree) -> Option<Literal> {
        match tt {
            TokenTree::Ident(i) => Some(Literal::Ident(i.to_string())),
            TokenTree::Punct(p) => Some(Literal::Punct(p.as_char(), p.spacing())),
            TokenTree::Literal(l) => Some(Literal::Lit(l.to_string())),
            TokenTree::Group(_) => None,
        }
    }

    fn matches(&self, tt: &TokenTree) -> bool {
        match (self, tt) {
            (Literal::Ident(a), TokenTree::Ident(b)) => b == a.as_str(),
            (Literal::Punct(a, _), TokenTree::Punct(b)) => *a == b.as_char(),
            (Literal::Lit(a), TokenTree::Literal(b)) => *a == b.to_string(),
            _ => false,
        }
    }
}

#[derive(Debug)]
enum Matcher {
    Token(Literal),
    Group(Delimiter, Vec<Matcher>),
    Fragment(String, Fragment),
    Repeat {
        inner: Vec<Matcher>,
        separator: Option<Literal>,
        op: Repeat,
    },
}

#[derive(Debug)]
enum Piece {
    Token(Literal),
    Group(Delimiter, Vec<Piece>),
    Var(String),
    /// `$crate`
    Crate,
    /// The operator (`*`, `+`, `?`) is not needed: the bindings say how many rounds.
    Repeat {
        inner: Vec<Piece>,
        separator: Option<Literal>,
    },
}

/// Where a token of an expansion came from.
#[derive(Clone, Copy, Debug)]
pub enum Origin {
    /// Written by the macro's transcriber.
    Macro,
    /// Written by the invocation: the token's span in the invocation's tokens.
    Input(Span),
}

/// A token of an expansion.
#[derive(Clone, Debug)]
pub enum Token {
    Leaf {
        text: String,
        /// A punctuation character joined to the next one (`=` of `=>`).
        joint: bool,
        origin: Origin,
    },
    Group {
        delimiter: Delimiter,
        inner: Vec<Token>,
        origin: Origin,
    },
}

/// What a matcher variable bound: tokens of the invocation, or one binding per round of the
/// repetition it sits in.
#[derive(Clone, Debug)]
enum Binding {
    Tokens(Vec<TokenTree>, Fragment),
    Rounds(Vec<Binding>),
}

type Bindings = HashMap<String, Binding>;

impl MacroRules {
    /// Reads the rules of `macro_rules! name { … }` from the tokens between its braces.
    pub fn parse(body: TokenStream) -> Result<MacroRules, String> {
        let tokens: Vec<TokenTree> = body.into_iter().collect();
        let mut rules = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let (Some(TokenTree::Group(matcher)), Some(arrow), Some(TokenTree::Group(body))) = (
                tokens.get(i),
                tokens.get(i + 1).zip(tokens.get(i + 2)),
                tokens.get(i + 3),
            ) else {
                return Err("expected `(matcher) => { transcriber }`".into());
            };
            if !matches!(arrow, (TokenTree::Punct(a), TokenTree::Punct(b)) if a.as_char() == '=' && b.as_char() == '>')
            {
                return Err("expected `=>` after a macro matcher".into());
            }
            rules.push(Rule {
                matcher: read_matcher(&matcher.stream().into_iter().collect::<Vec<_>>())?,
                transcriber: read_transcriber(&body.stream().into_iter().collect::<Vec<_>>())?,
            });
            i += 4;
            if matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
                i += 1;
            }
        }
        if rules.is_empty() {
            return Err("a macro without rules".into());
        }
        Ok(MacroRules { rules })
    }

    /// Expands an invocation's tokens with the first rule that matches them all.
    /// `crate_path` is what `$crate` becomes at the invocation.
    pub fn expand(&self, input: &TokenStream, crate_path: &str) -> Option<Vec<Token>> {
        self.rules.iter().find_map(|rule| {
            let mut bindings = Bindings::new();
            let matched =
                (|stream: ParseStream| match_sequence(stream, &rule.matcher, &mut bindings))
                    .parse2(input.clone());
            matched.ok()?;
            let mut out = Vec::new();
            transcribe(&rule.transcriber, &bindings, &[], crate_path, &mut out)?;
            Some(out)
        })
    }
}

fn is_dollar(tt: Option<&TokenTree>) -> bool {
    matches!(tt, Some(TokenTree::Punct(p)) if p.as_char() == '$')
}

/// After `$( … )`: an optional separator, then `*`, `+` or `?`. Returns them and how many
/// tokens they took.
fn read_repeat_suffix(rest: &[TokenTree]) -> Result<(Option<Literal>, Repeat, usize), String> {
    let op = |tt: Option<&TokenTree>| match tt {
        Some(TokenTree::Punct(p)) => match p.as_char() {
            '*' => Some(Repeat::ZeroOrMore),
            '+' => Some(Repeat::OneOrMore),
            '?' => Some(Repeat::AtMostOnce),
            _ => None,
        },
        _ => None,
    };
    if let Some(op) = op(rest.first()) {
        return Ok((None, op, 1));
    }
    let separator = rest.first().and_then(Literal::of);
    match (separator, op(rest.get(1))) {
        (Some(separator), Some(op)) if op != Repeat::AtMostOnce => Ok((Some(separator), op, 2)),
        _ => Err("expected `*`, `+` or `?` after a repetition".into()),
    }
}

fn read_matcher(tokens: &[TokenTree]) -> Result<Vec<Matcher>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let tt = &tokens[i];
        if is_dollar(Some(tt)) {
            match tokens.get(i + 1) {
                Some(TokenTree::Ident(name)) => {
                    let name = name.unraw().to_string();
                    let kind = match (tokens.get(i + 2), tokens.get(i + 3)) {
                        (Some(TokenTree::Punct(colon)), Some(TokenTree::Ident(kind)))
                            if colon.as_char() == ':' =>
                        {
                            Fragment::named(&kind.to_string())
                                .ok_or_else(|| format!("unknown fragment kind `{kind}`"))?
                        }
                        _ => return Err(format!("`${name}` has no fragment kind")),
                    };
                    out.push(Matcher::Fragment(name, kind));
                    i += 4;
                    continue;
                }
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    let inner = read_matcher(&g.stream().into_iter().collect::<Vec<_>>())?;
                    let (separator, op, used) = read_repeat_suffix(&tokens[i + 2..])?;
                    out.push(Matcher::Repeat {
                        inner,
                        separator,
                        op,
                    });
                    i += 2 + used;
                    continue;
                }
                _ => {}
            }
        }
        out.push(match tt {
            TokenTree::Group(g) => Matcher::Group(
                g.delimiter(),
                read_matcher(&g.stream().into_iter().collect::<Vec<_>>())?,
            ),
            other => Matcher::Token(Literal::of(other).ok_or("unreadable token")?),
        });
        i += 1;
    }
    Ok(out)
}

fn read_transcriber(tokens: &[TokenTree]) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let tt = &tokens[i];
        if is_dollar(Some(tt)) {
            match tokens.get(i + 1) {
                Some(TokenTree::Ident(name)) => {
                    let name = name.unraw().to_string();
                    out.push(if name == "crate" {
                        Piece::Crate
                    } else {
                        Piece::Var(name)
                    });
                    i += 2;
                    continue;
                }
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    let inner = read_transcriber(&g.stream().into_iter().collect::<Vec<_>>())?;
                    let (separator, _, used) = read_repeat_suffix(&tokens[i + 2..])?;
                    out.push(Piece::Repeat { inner, separator });
                    i += 2 + used;
                    continue;
                }
                _ => {}
            }
        }
        out.push(match tt {
            TokenTree::Group(g) => Piece::Group(
                g.delimiter(),
                read_transcriber(&g.stream().into_iter().collect::<Vec<_>>())?,
            ),
            other => Piece::Token(Literal::of(other).ok_or("unreadable token")?),
        });
        i += 1;
    }
    Ok(out)
}

/// Matches `matchers` against the start of `input`, binding fragments.
fn match_sequence(
    input: ParseStream,
    matchers: &[Matcher],
    bindings: &mut Bindings,
) -> syn::Result<()> {
    for m in matchers {
        match m {
            Matcher::Token(literal) => input.step(|cursor| match cursor.token_tree() {
                Some((tt, rest)) if literal.matches(&tt) => Ok(((), rest)),
                _ => Err(cursor.error("no match")),
            })?,
            Matcher::Group(delimiter, inner) => {
                let group = input.step(|cursor| match cursor.token_tree() {
                    Some((TokenTree::Group(g), rest)) if g.delimiter() == *delimiter => {
                        Ok((g, rest))
                    }
                    _ => Err(cursor.error("no match")),
                })?;
                (|stream: ParseStream| match_sequence(stream, inner, bindings))
                    .parse2(group.stream())?;
            }
            Matcher::Fragment(name, kind) => {
                let tokens = match_fragment(input, *kind)?;
                bindings.insert(name.clone(), Binding::Tokens(tokens, *kind));
            }
            Matcher::Repeat {
                inner,
                separator,
                op,
            } => match_repeat(input, inner, separator.as_ref(), *op, bindings)?,
        }
    }
    Ok(())
}

fn match_repeat(
    input: ParseStream,
    inner: &[Matcher],
    separator: Option<&Literal>,
    op: Repeat,
    bindings: &mut Bindings,
) -> syn::Result<()> {
    let mut rounds: Vec<Bindings> = Vec::new();
    loop {
        if op == Repeat::AtMostOnce && !rounds.is_empty() {
            break;
        }
        let fork = input.fork();
        if let (Some(separator), false) = (separator, rounds.is_empty()) {
            let eaten = fork.step(|cursor| match cursor.token_tree() {
                Some((tt, rest)) if separator.matches(&tt) => Ok(((), rest)),
                _ => Err(cursor.error("no separator")),
            });
            if eaten.is_err() {
                break;
            }
        }
        let mut round = Bindings::new();
        if match_sequence(&fork, inner, &mut round).is_err() || fork.cursor() == input.cursor() {
            break;
        }
        input.advance_to(&fork);
        rounds.push(round);
    }
    if op == Repeat::OneOrMore && rounds.is_empty() {
        return Err(input.error("expected at least one repetition"));
    }
    let mut names = Vec::new();
    matcher_names(inner, &mut names);
    for name in names {
        let per_round = rounds
            .iter_mut()
            .filter_map(|r| r.remove(&name))
            .collect::<Vec<_>>();
        bindings.insert(name, Binding::Rounds(per_round));
    }
    Ok(())
}

fn matcher_names(matchers: &[Matcher], out: &mut Vec<String>) {
    for m in matchers {
        match m {
            Matcher::Fragment(name, _) => out.push(name.clone()),
            Matcher::Group(_, inner) | Matcher::Repeat { inner, .. } => matcher_names(inner, out),
            Matcher::Token(_) => {}
        }
    }
}

/// Parses one fragment and returns the tokens it spans.
fn match_fragment(input: ParseStream, kind: Fragment) -> syn::Result<Vec<TokenTree>> {
    let fork = input.fork();
    match kind {
        Fragment::Expr => fork.parse::<syn::Expr>().map(drop)?,
        Fragment::Ty => fork.parse::<syn::Type>().map(drop)?,
        Fragment::Ident => {
            let ident = fork.call(syn::Ident::parse_any)?;
            if ident == "_" {
                return Err(fork.error("`_` is not an identifier"));
            }
        }
        Fragment::Path => fork.parse::<syn::Path>().map(drop)?,
        Fragment::Tt => {
            // A multi-character operator (`=>`, `::`) is one token tree to a macro.
            fork.step(|cursor| {
                let (first, mut rest) = cursor
                    .token_tree()
                    .ok_or_else(|| cursor.error("expected a token"))?;
                if let TokenTree::Punct(mut p) = first {
                    while p.spacing() == Spacing::Joint {
                        match rest.punct() {
                            Some((next, after)) => {
                                p = next;
                                rest = after;
                            }
                            None => break,
                        }
                    }
                }
                Ok(((), rest))
            })?;
        }
        Fragment::Literal => {
            if fork.peek(syn::Token![-]) {
                fork.parse::<syn::Token![-]>()?;
            }
            fork.parse::<syn::Lit>().map(drop)?
        }
        Fragment::Lifetime => fork.parse::<syn::Lifetime>().map(drop)?,
        Fragment::Block => fork.parse::<syn::Block>().map(drop)?,
        Fragment::Stmt => fork.parse::<syn::Stmt>().map(drop)?,
        Fragment::Pat => fork
            .call(syn::Pat::parse_multi_with_leading_vert)
            .map(drop)?,
        Fragment::PatParam => fork.call(syn::Pat::parse_single).map(drop)?,
        Fragment::Item => fork.parse::<syn::Item>().map(drop)?,
        Fragment::Vis => fork.parse::<syn::Visibility>().map(drop)?,
        Fragment::Meta => fork.parse::<syn::Meta>().map(drop)?,
    }
    let mut tokens = Vec::new();
    let mut cursor = input.cursor();
    while cursor != fork.cursor() {
        let Some((tt, next)) = cursor.token_tree() else {
            break;
        };
        tokens.push(tt);
        cursor = next;
    }
    input.advance_to(&fork);
    Ok(tokens)
}

/// Fills in a transcriber; `rounds` are the indices of the enclosing repetitions. `None`
/// when a variable is used at a depth its binding does not have.
fn transcribe(
    pieces: &[Piece],
    bindings: &Bindings,
    rounds: &[usize],
    crate_path: &str,
    out: &mut Vec<Token>,
) -> Option<()> {
    for piece in pieces {
        match piece {
            Piece::Token(literal) => out.push(macro_token(literal)),
            Piece::Crate => {
                for (i, segment) in crate_path.split("::").enumerate() {
                    if i > 0 {
                        out.push(macro_token(&Literal::Punct(':', Spacing::Joint)));
                        out.push(macro_token(&Literal::Punct(':', Spacing::Alone)));
                    }
                    out.push(macro_token(&Literal::Ident(segment.to_string())));
                }
            }
            Piece::Group(delimiter, inner) => {
                let mut tokens = Vec::new();
                transcribe(inner, bindings, rounds, crate_path, &mut tokens)?;
                out.push(Token::Group {
                    delimiter: *delimiter,
                    inner: tokens,
                    origin: Origin::Macro,
                });
            }
            Piece::Var(name) => match bindings.get(name) {
                Some(binding) => match at_rounds(binding, rounds)? {
                    Binding::Tokens(tokens, kind) => fragment_tokens(tokens, *kind, out),
                    Binding::Rounds(_) => return None,
                },
                // Not a matcher variable: `$name` stays as written.
                None => {
                    out.push(macro_token(&Literal::Punct('$', Spacing::Alone)));
                    out.push(macro_token(&Literal::Ident(name.clone())));
                }
            },
            Piece::Repeat { inner, separator } => {
                let count = repeat_count(inner, bindings, rounds)?;
                for i in 0..count {
                    if i > 0 {
                        out.extend(separator.as_ref().map(macro_token));
                    }
                    let mut deeper = rounds.to_vec();
                    deeper.push(i);
                    transcribe(inner, bindings, &deeper, crate_path, out)?;
                }
            }
        }
    }
    Some(())
}

/// An expansion as tokens to parse in place: what the invocation wrote keeps its span, what
/// the macro wrote gets `macro_span`.
pub fn to_stream(tokens: &[Token], macro_span: Span) -> TokenStream {
    tokens
        .iter()
        .filter_map(|token| {
            let tree = match token {
                Token::Group {
                    delimiter,
                    inner,
                    origin,
                } => {
                    let mut group =
                        proc_macro2::Group::new(*delimiter, to_stream(inner, macro_span));
                    group.set_span(span_of(*origin, macro_span));
                    TokenTree::Group(group)
                }
                Token::Leaf {
                    text,
                    joint,
                    origin,
                } => {
                    let mut tree = leaf(text, *joint)?;
                    tree.set_span(span_of(*origin, macro_span));
                    tree
                }
            };
            Some(tree)
        })
        .collect()
}

fn span_of(origin: Origin, macro_span: Span) -> Span {
    match origin {
        Origin::Macro => macro_span,
        Origin::Input(span) => span,
    }
}

/// One printed token back as a token tree (`None` for text that is no token).
fn leaf(text: &str, joint: bool) -> Option<TokenTree> {
    let mut chars = text.chars();
    let first = chars.next()?;
    if chars.next().is_none() && first.is_ascii_punctuation() && first != '_' {
        let spacing = if joint {
            Spacing::Joint
        } else {
            Spacing::Alone
        };
        return Some(TokenTree::Punct(proc_macro2::Punct::new(first, spacing)));
    }
    let is_word = |w: &str| {
        w.chars()
            .next()
            .is_some_and(|c| c == '_' || c.is_alphabetic())
            && w.chars().all(|c| c == '_' || c.is_alphanumeric())
    };
    if let Some(raw) = text.strip_prefix("r#") {
        let not_raw = ["crate", "self", "super", "Self", "_"];
        return (is_word(raw) && !not_raw.contains(&raw))
            .then(|| TokenTree::Ident(proc_macro2::Ident::new_raw(raw, Span::call_site())));
    }
    if is_word(text) {
        return Some(TokenTree::Ident(proc_macro2::Ident::new(
            text,
            Span::call_site(),
        )));
    }
    text.parse::<proc_macro2::Literal>()
        .ok()
        .map(TokenTree::Literal)
}

fn macro_token(literal: &Literal) -> Token {
    let (text, joint) = match literal {
        Literal::Ident(s) | Literal::Lit(s) => (s.clone(), false),
        Literal::Punct(c, spacing) => (c.to_string(), *spacing == Spacing::Joint),
    };
    Token::Leaf {
        text,
        joint,
        origin: Origin::Macro,
    }
}

/// A bound fragment as output tokens. An expression of several tokens is parenthesized, as
/// rustc keeps it one operand (`$e * 2` with `a + b` is `(a + b) * 2`).
fn fragment_tokens(tokens: &[TokenTree], kind: Fragment, out: &mut Vec<Token>) {
    let converted = tokens.iter().map(input_token);
    if kind == Fragment::Expr && tokens.len() > 1 {
        out.push(Token::Group {
            delimiter: Delimiter::Parenthesis,
            inner: converted.collect(),
            origin: Origin::Macro,
        });
    } else {
        out.extend(converted);
    }
}

fn input_token(tt: &TokenTree) -> Token {
    match tt {
        TokenTree::Group(g) => Token::Group {
            delimiter: g.delimiter(),
            inner: g.stream().into_iter().map(|t| input_token(&t)).collect(),
            origin: Origin::Input(g.span()),
        },
        TokenTree::Punct(p) => Token::Leaf {
            text: p.as_char().to_string(),
            joint: p.spacing() == Spacing::Joint,
            origin: Origin::Input(p.span()),
        },
        TokenTree::Ident(i) => Token::Leaf {
            text: i.to_string(),
            joint: false,
            origin: Origin::Input(i.span()),
        },
        TokenTree::Literal(l) => Token::Leaf {
            text: l.to_string(),
            joint: false,
            origin: Origin::Input(l.span()),
        },
    }
}

/// The binding a variable has in the given rounds of its repetitions.
fn at_rounds<'b>(mut binding: &'b Binding, rounds: &[usize]) -> Option<&'b Binding> {
    for &round in rounds {
        match binding {
            Binding::Rounds(each) => binding = each.get(round)?,
            // A variable bound outside a repetition is the same in every round.
            Binding::Tokens(..) => return Some(binding),
        }
    }
    Some(binding)
}

/// How many rounds a transcriber repetition has: that of the variables inside it that
/// repeat at this depth (they must agree).
fn repeat_count(inner: &[Piece], bindings: &Bindings, rounds: &[usize]) -> Option<usize> {
    let mut names = Vec::new();
    piece_names(inner, &mut names);
    let mut count = None;
    for name in names {
        let Some(binding) = bindings.get(&name) else {
            continue;
        };
        if let Binding::Rounds(each) = at_rounds(binding, rounds)? {
            match count {
                None => count = Some(each.len()),
                Some(c) if c != each.len() => return None,
                Some(_) => {}
            }
        }
    }
    count
}

fn piece_names(pieces: &[Piece], out: &mut Vec<String>) {
    for p in pieces {
        match p {
            Piece::Var(name) => out.push(name.clone()),
            Piece::Group(_, inner) | Piece::Repeat { inner, .. } => piece_names(inner, out),
            Piece::Token(_) | Piece::Crate => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(tokens: &[Token]) -> String {
        let mut out = String::new();
        for t in tokens {
            match t {
                Token::Leaf { text, joint, .. } => {
                    out.push_str(text);
                    if !joint {
                        out.push(' ');
                    }
                }
                Token::Group {
                    delimiter, inner, ..
                } => {
                    let (open, close) = match delimiter {
                        Delimiter::Parenthesis => ("(", ")"),
                        Delimiter::Brace => ("{", "}"),
                        Delimiter::Bracket => ("[", "]"),
                        Delimiter::None => ("", ""),
                    };
                    out.push_str(&format!("{open} {}{close} ", text(inner)));
                }
            }
        }
        out
    }

    fn expand(rules: &str, input: &str) -> Option<String> {
        let rules = MacroRules::parse(rules.parse().unwrap()).unwrap();
        rules
            .expand(&input.parse().unwrap(), "crate")
            .map(|t| text(&t))
    }

    #[test]
    fn the_first_rule_that_matches_everything_wins() {
        let rules = "(one $a:ident) => { first $a }; ($a:ident) => { second $a };";
        assert_eq!(expand(rules, "one x").as_deref(), Some("first x "));
        assert_eq!(expand(rules, "y").as_deref(), Some("second y "));
        assert_eq!(expand(rules, "y z"), None);
    }

    #[test]
    fn repetitions_nest_and_keep_their_separators() {
        let rules = "($(fn $n:ident($($a:ident: $t:ty),*);)*) => { $(f $n [$($a = $t);*])* }";
        assert_eq!(
            expand(rules, "fn a(x: u8, y: Option<&str>); fn b();").as_deref(),
            Some("f a [ x = u8 ;y = Option <& str > ] f b [ ] ")
        );
    }

    #[test]
    fn an_expression_stays_one_operand_and_a_trailing_separator_is_optional() {
        let rules = "($($e:expr),* $(,)?) => { $($e * 2);* }";
        assert_eq!(
            expand(rules, "a + b, c,").as_deref(),
            Some("( a + b ) * 2 ;c * 2 ")
        );
    }

    #[test]
    fn tokens_remember_whether_the_invocation_wrote_them() {
        let rules =
            MacroRules::parse("($m:ident) => { self.client.$m() }".parse().unwrap()).unwrap();
        let out = rules
            .expand(&"using_namespace".parse().unwrap(), "crate")
            .unwrap();
        let written: Vec<bool> = out
            .iter()
            .map(|t| match t {
                Token::Leaf { origin, .. } | Token::Group { origin, .. } => {
                    matches!(origin, Origin::Input(_))
                }
            })
            .collect();
        assert_eq!(written, [false, false, false, false, true, false]);
    }

    #[test]
    fn crate_and_multi_character_tokens() {
        assert_eq!(
            expand("($t:tt) => { $crate::f($t) }", "=>").as_deref(),
            Some("crate :: f ( => ) ")
        );
        assert!(MacroRules::parse("($a) => {}".parse().unwrap()).is_err());
        assert!(MacroRules::parse("".parse().unwrap()).is_err());
    }
}
