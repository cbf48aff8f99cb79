//! Filler modules: ordinary code with nothing to do with clients (statistics, state
//! machines, parsing, text, number theory, geometry, ledgers, containers, dates, generated
//! bindings), as most of a real workspace is. Names, constants and the set of methods vary with the seed.

use super::names::{camel, Scope};
use super::rng::Rng;
use super::uses::Uses;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

type Template = fn(&mut Rng, &str, &mut Uses) -> TokenStream;

const TEMPLATES: &[Template] = &[
    stats,
    state_machine,
    kv_parse,
    text,
    number_theory,
    matrix,
    geometry,
    ledger,
    ring,
    calendar,
    expression,
    bitset,
    histogram,
    settings,
    bindings,
];

/// One module of 2 to 5 unrelated items.
pub fn module(rng: &mut Rng, name: &str) -> TokenStream {
    let mut kinds: Vec<usize> = (0..TEMPLATES.len()).collect();
    rng.shuffle(&mut kinds);
    let n = rng.range(2, 5) as usize;
    let mut uses = Uses::default();
    let mut stems = Scope::default();
    let items: Vec<TokenStream> = kinds[..n]
        .iter()
        .map(|&k| {
            let stem = stems.stem(rng);
            TEMPLATES[k](rng, &stem, &mut uses)
        })
        .collect();
    let doc = format!(" {} support code.", camel(name));
    let uses = uses.tokens();
    quote! {
        #![doc = #doc]
        #uses
        #(#items)*
    }
}

fn lit_f(x: f64) -> Literal {
    Literal::f64_unsuffixed(x)
}

fn lit_u(x: i64) -> Literal {
    Literal::u64_unsuffixed(x as u64)
}

fn name(stem: &str, suffix: &str) -> Ident {
    format_ident!("{}{}", camel(stem), suffix)
}

fn stats(rng: &mut Rng, stem: &str, _: &mut Uses) -> TokenStream {
    let ty = name(stem, "Window");
    let cap = lit_u(rng.range(8, 512));
    let alpha = lit_f(rng.range(5, 60) as f64 / 100.0);
    let percentile = rng.chance(0.6).then(|| {
        quote! {
            #[doc = " The `p`-th percentile (0.0 to 1.0) by nearest rank."]
            pub fn percentile(&self, p: f64) -> Option<f64> {
                if self.samples.is_empty() || !(0.0..=1.0).contains(&p) {
                    return None;
                }
                let mut sorted = self.samples.clone();
                sorted.sort_by(|a, b| a.total_cmp(b));
                let rank = (p * (sorted.len() - 1) as f64).round() as usize;
                sorted.get(rank).copied()
            }
        }
    });
    let ewma = rng.chance(0.5).then(|| {
        quote! {
            pub fn ewma(&self) -> Option<f64> {
                let mut iter = self.samples.iter();
                let first = *iter.next()?;
                Some(iter.fold(first, |acc, &x| #alpha * x + (1.0 - #alpha) * acc))
            }
        }
    });
    let extremes = rng.chance(0.6).then(|| {
        quote! {
            pub fn min(&self) -> Option<f64> {
                self.samples.iter().copied().reduce(f64::min)
            }

            pub fn max(&self) -> Option<f64> {
                self.samples.iter().copied().reduce(f64::max)
            }

            pub fn range(&self) -> Option<f64> {
                Some(self.max()? - self.min()?)
            }
        }
    });
    quote! {
        #[doc = " A bounded window over the most recent samples."]
        #[derive(Debug, Clone, PartialEq)]
        pub struct #ty {
            samples: Vec<f64>,
            capacity: usize,
        }

        impl Default for #ty {
            fn default() -> Self {
                Self::with_capacity(#cap)
            }
        }

        impl #ty {
            pub fn with_capacity(capacity: usize) -> Self {
                #ty { samples: Vec::with_capacity(capacity), capacity: capacity.max(1) }
            }

            pub fn push(&mut self, value: f64) {
                if self.samples.len() == self.capacity {
                    self.samples.remove(0);
                }
                self.samples.push(value);
            }

            pub fn len(&self) -> usize {
                self.samples.len()
            }

            pub fn is_empty(&self) -> bool {
                self.samples.is_empty()
            }

            pub fn mean(&self) -> Option<f64> {
                if self.samples.is_empty() {
                    return None;
                }
                Some(self.samples.iter().sum::<f64>() / self.samples.len() as f64)
            }

            pub fn variance(&self) -> Option<f64> {
                let mean = self.mean()?;
                let n = self.samples.len();
                if n < 2 {
                    return Some(0.0);
                }
                Some(self.samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64)
            }

            pub fn std_dev(&self) -> Option<f64> {
                self.variance().map(f64::sqrt)
            }

            #percentile
            #ewma
            #extremes
        }
    }
}

fn state_machine(rng: &mut Rng, stem: &str, uses: &mut Uses) -> TokenStream {
    uses.add("std", "fmt");
    let state = name(stem, "State");
    let event = name(stem, "Event");
    let max_attempts = lit_u(rng.range(2, 9));
    let label = camel(stem);
    let pause = rng.chance(0.6);
    let (pause_variant, pause_event, pause_arms, pause_label, pause_fmt) = if pause {
        (
            quote!(Paused {
                since: u64,
                attempts: u32
            },),
            quote!(Pause(u64), Resume,),
            quote! {
                (#state::Running { attempts, .. }, #event::Pause(at)) => #state::Paused { since: at, attempts },
                (#state::Paused { since, attempts }, #event::Resume) => #state::Running { since, attempts },
            },
            quote!(#state::Paused { .. } => "paused",),
            quote!(#state::Paused { since, attempts } => write!(f, "{} paused at {} after {} attempts", #label, since, attempts),),
        )
    } else {
        (quote!(), quote!(), quote!(), quote!(), quote!())
    };
    quote! {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum #state {
            Idle,
            Running { since: u64, attempts: u32 },
            #pause_variant
            Failed(String),
            Done { at: u64 },
        }

        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum #event {
            Start(u64),
            #pause_event
            Retry,
            Fail(u32),
            Finish(u64),
        }

        impl #state {
            pub fn on(self, event: #event) -> Self {
                match (self, event) {
                    (#state::Idle, #event::Start(at)) => #state::Running { since: at, attempts: 1 },
                    #pause_arms
                    (#state::Running { since, attempts }, #event::Retry) if attempts < #max_attempts => {
                        #state::Running { since, attempts: attempts + 1 }
                    }
                    (#state::Running { attempts, .. }, #event::Retry) => {
                        #state::Failed(format!("gave up after {attempts} attempts"))
                    }
                    (_, #event::Fail(code)) => #state::Failed(format!("error code {code}")),
                    (#state::Running { .. }, #event::Finish(at)) => #state::Done { at },
                    (state, _) => state,
                }
            }

            pub fn is_terminal(&self) -> bool {
                matches!(self, #state::Failed(_) | #state::Done { .. })
            }

            pub fn label(&self) -> &'static str {
                match self {
                    #state::Idle => "idle",
                    #state::Running { .. } => "running",
                    #pause_label
                    #state::Failed(_) => "failed",
                    #state::Done { .. } => "done",
                }
            }
        }

        impl fmt::Display for #state {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    #state::Idle => write!(f, "{} idle", #label),
                    #state::Running { since, attempts } => write!(f, "{} running since {} (attempt {})", #label, since, attempts),
                    #pause_fmt
                    #state::Failed(why) => write!(f, "{} failed: {}", #label, why),
                    #state::Done { at } => write!(f, "{} done at {}", #label, at),
                }
            }
        }
    }
}

fn kv_parse(rng: &mut Rng, stem: &str, uses: &mut Uses) -> TokenStream {
    uses.add("std", "fmt");
    uses.add("std::collections", "BTreeMap");
    let err = name(stem, "ParseError");
    let parse = format_ident!("parse_{}", stem);
    let render = format_ident!("render_{}", stem);
    let sep = *rng.pick(&[';', ',', '&', '\n']);
    let assign = *rng.pick(&['=', ':']);
    let sep_s = sep.to_string();
    let lowercase = rng
        .chance(0.5)
        .then(|| quote!(let key = key.to_ascii_lowercase();));
    quote! {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum #err {
            MissingSeparator { index: usize },
            EmptyKey { index: usize },
            Duplicate(String),
        }

        impl fmt::Display for #err {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    #err::MissingSeparator { index } => write!(f, "entry {index} has no {:?}", #assign),
                    #err::EmptyKey { index } => write!(f, "entry {index} has an empty key"),
                    #err::Duplicate(key) => write!(f, "key {key:?} appears twice"),
                }
            }
        }

        impl std::error::Error for #err {}

        #[doc = " Parses entries like `key=value` separated by the module's separator."]
        pub fn #parse(input: &str) -> Result<BTreeMap<String, String>, #err> {
            let mut out = BTreeMap::new();
            for (index, entry) in input.split(#sep).enumerate() {
                let entry = entry.trim();
                if entry.is_empty() {
                    continue;
                }
                let Some((key, value)) = entry.split_once(#assign) else {
                    return Err(#err::MissingSeparator { index });
                };
                let key = key.trim();
                if key.is_empty() {
                    return Err(#err::EmptyKey { index });
                }
                #lowercase
                if out.insert(key.to_string(), value.trim().to_string()).is_some() {
                    return Err(#err::Duplicate(key.to_string()));
                }
            }
            Ok(out)
        }

        pub fn #render(map: &BTreeMap<String, String>) -> String {
            map.iter()
                .map(|(k, v)| format!("{k}{}{v}", #assign))
                .collect::<Vec<_>>()
                .join(#sep_s)
        }
    }
}

fn text(rng: &mut Rng, _stem: &str, uses: &mut Uses) -> TokenStream {
    let mut items = Vec::new();
    let sep = rng.pick(&['-', '_']).to_string();
    items.push(quote! {
        #[doc = " Lower-case words joined by the separator, other characters dropped."]
        pub fn slugify(input: &str) -> String {
            input
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
                .join(#sep)
        }
    });
    if rng.chance(0.7) {
        items.push(quote! {
            pub fn title_case(input: &str) -> String {
                input
                    .split_whitespace()
                    .map(|w| {
                        let mut chars = w.chars();
                        match chars.next() {
                            Some(first) => first.to_uppercase().collect::<String>() + &chars.as_str().to_lowercase(),
                            None => String::new(),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        });
    }
    if rng.chance(0.7) {
        uses.add("std::collections", "HashMap");
        let top = lit_u(rng.range(3, 20));
        items.push(quote! {
            #[doc = " The most frequent words, most frequent first, ties in alphabetical order."]
            pub fn top_words(input: &str) -> Vec<(String, usize)> {
                let mut counts: HashMap<String, usize> = HashMap::new();
                for word in input.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
                    *counts.entry(word.to_lowercase()).or_insert(0) += 1;
                }
                let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
                counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                counts.truncate(#top);
                counts
            }
        });
    }
    if rng.chance(0.6) {
        items.push(quote! {
            pub fn truncate_words(input: &str, max_chars: usize) -> String {
                let mut out = String::new();
                for word in input.split_whitespace() {
                    let extra = if out.is_empty() { word.len() } else { word.len() + 1 };
                    if out.len() + extra > max_chars {
                        out.push_str("...");
                        break;
                    }
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(word);
                }
                out
            }
        });
    }
    if rng.chance(0.5) {
        items.push(quote! {
            pub fn is_palindrome(input: &str) -> bool {
                let letters: Vec<char> = input.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
                letters.iter().eq(letters.iter().rev())
            }
        });
    }
    if rng.chance(0.5) {
        let shift = lit_u(rng.range(1, 25));
        items.push(quote! {
            pub fn rotate_letters(input: &str) -> String {
                input
                    .chars()
                    .map(|c| match c {
                        'a'..='z' => (((c as u8 - b'a' + #shift) % 26) + b'a') as char,
                        'A'..='Z' => (((c as u8 - b'A' + #shift) % 26) + b'A') as char,
                        _ => c,
                    })
                    .collect()
            }
        });
    }
    quote!(#(#items)*)
}

fn number_theory(rng: &mut Rng, _stem: &str, _: &mut Uses) -> TokenStream {
    let mut items = vec![quote! {
        pub fn gcd(mut a: u64, mut b: u64) -> u64 {
            while b != 0 {
                let t = a % b;
                a = b;
                b = t;
            }
            a
        }

        pub fn lcm(a: u64, b: u64) -> u64 {
            if a == 0 || b == 0 { 0 } else { a / gcd(a, b) * b }
        }
    }];
    if rng.chance(0.7) {
        items.push(quote! {
            #[doc = " Primes below `limit` (sieve of Eratosthenes)."]
            pub fn primes_below(limit: usize) -> Vec<usize> {
                let mut composite = vec![false; limit];
                let mut primes = Vec::new();
                for n in 2..limit {
                    if composite[n] {
                        continue;
                    }
                    primes.push(n);
                    let mut multiple = n * n;
                    while multiple < limit {
                        composite[multiple] = true;
                        multiple += n;
                    }
                }
                primes
            }
        });
    }
    if rng.chance(0.6) {
        items.push(quote! {
            pub fn mod_pow(base: u64, mut exp: u64, modulus: u64) -> u64 {
                if modulus == 1 {
                    return 0;
                }
                let m = modulus as u128;
                let mut result = 1u128;
                let mut b = base as u128 % m;
                while exp > 0 {
                    if exp & 1 == 1 {
                        result = result * b % m;
                    }
                    b = b * b % m;
                    exp >>= 1;
                }
                result as u64
            }
        });
    }
    if rng.chance(0.6) {
        items.push(quote! {
            pub fn isqrt(n: u64) -> u64 {
                if n < 2 {
                    return n;
                }
                let mut x = n;
                let mut y = (x + 1) / 2;
                while y < x {
                    x = y;
                    y = (x + n / x) / 2;
                }
                x
            }
        });
    }
    if rng.chance(0.5) {
        let max = lit_u(rng.range(20, 60));
        items.push(quote! {
            pub fn binomial(n: u64, k: u64) -> Option<u64> {
                if k > n || n > #max {
                    return None;
                }
                let k = k.min(n - k);
                let mut acc: u64 = 1;
                for i in 0..k {
                    acc = acc.checked_mul(n - i)? / (i + 1);
                }
                Some(acc)
            }
        });
    }
    if rng.chance(0.5) {
        items.push(quote! {
            pub fn digit_sum(mut n: u64, base: u64) -> u64 {
                let base = base.max(2);
                let mut sum = 0;
                while n > 0 {
                    sum += n % base;
                    n /= base;
                }
                sum
            }
        });
    }
    quote!(#(#items)*)
}

fn matrix(rng: &mut Rng, stem: &str, uses: &mut Uses) -> TokenStream {
    uses.add("std::ops", "Mul");
    let ty = name(stem, "Matrix");
    let n = rng.range(2, 4) as usize;
    let nl = Literal::usize_unsuffixed(n);
    let det = (n == 2).then(|| {
        quote! {
            pub fn determinant(&self) -> f64 {
                self.m[0][0] * self.m[1][1] - self.m[0][1] * self.m[1][0]
            }
        }
    });
    let det3 = (n == 3).then(|| {
        quote! {
            pub fn determinant(&self) -> f64 {
                let m = &self.m;
                m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                    - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                    + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
            }
        }
    });
    quote! {
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct #ty {
            pub m: [[f64; #nl]; #nl],
        }

        impl #ty {
            pub fn identity() -> Self {
                let mut m = [[0.0; #nl]; #nl];
                for (i, row) in m.iter_mut().enumerate() {
                    row[i] = 1.0;
                }
                #ty { m }
            }

            pub fn transpose(&self) -> Self {
                let mut m = [[0.0; #nl]; #nl];
                for (i, row) in self.m.iter().enumerate() {
                    for (j, value) in row.iter().enumerate() {
                        m[j][i] = *value;
                    }
                }
                #ty { m }
            }

            pub fn apply(&self, v: [f64; #nl]) -> [f64; #nl] {
                let mut out = [0.0; #nl];
                for (i, row) in self.m.iter().enumerate() {
                    out[i] = row.iter().zip(v.iter()).map(|(a, b)| a * b).sum();
                }
                out
            }

            pub fn trace(&self) -> f64 {
                (0..#nl).map(|i| self.m[i][i]).sum()
            }

            #det
            #det3
        }

        impl Mul for #ty {
            type Output = #ty;

            fn mul(self, rhs: #ty) -> #ty {
                let mut m = [[0.0; #nl]; #nl];
                for (i, row) in m.iter_mut().enumerate() {
                    for (j, cell) in row.iter_mut().enumerate() {
                        *cell = (0..#nl).map(|k| self.m[i][k] * rhs.m[k][j]).sum();
                    }
                }
                #ty { m }
            }
        }
    }
}

fn geometry(rng: &mut Rng, stem: &str, _: &mut Uses) -> TokenStream {
    let point = name(stem, "Point");
    let rect = name(stem, "Rect");
    let eps = lit_f(1.0 / 10f64.powi(rng.range(3, 9) as i32));
    let union = rng.chance(0.6).then(|| {
        quote! {
            pub fn union(&self, other: &#rect) -> #rect {
                #rect {
                    min: #point { x: self.min.x.min(other.min.x), y: self.min.y.min(other.min.y) },
                    max: #point { x: self.max.x.max(other.max.x), y: self.max.y.max(other.max.y) },
                }
            }
        }
    });
    quote! {
        #[derive(Debug, Clone, Copy, PartialEq, Default)]
        pub struct #point {
            pub x: f64,
            pub y: f64,
        }

        impl #point {
            pub fn distance(&self, other: &#point) -> f64 {
                ((self.x - other.x).powi(2) + (self.y - other.y).powi(2)).sqrt()
            }

            pub fn approx_eq(&self, other: &#point) -> bool {
                (self.x - other.x).abs() < #eps && (self.y - other.y).abs() < #eps
            }
        }

        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct #rect {
            pub min: #point,
            pub max: #point,
        }

        impl #rect {
            pub fn new(a: #point, b: #point) -> Self {
                #rect {
                    min: #point { x: a.x.min(b.x), y: a.y.min(b.y) },
                    max: #point { x: a.x.max(b.x), y: a.y.max(b.y) },
                }
            }

            pub fn width(&self) -> f64 {
                self.max.x - self.min.x
            }

            pub fn height(&self) -> f64 {
                self.max.y - self.min.y
            }

            pub fn area(&self) -> f64 {
                self.width() * self.height()
            }

            pub fn contains(&self, p: &#point) -> bool {
                p.x >= self.min.x && p.x <= self.max.x && p.y >= self.min.y && p.y <= self.max.y
            }

            pub fn intersection(&self, other: &#rect) -> Option<#rect> {
                let min = #point { x: self.min.x.max(other.min.x), y: self.min.y.max(other.min.y) };
                let max = #point { x: self.max.x.min(other.max.x), y: self.max.y.min(other.max.y) };
                if min.x <= max.x && min.y <= max.y { Some(#rect { min, max }) } else { None }
            }

            #union
        }
    }
}

fn ledger(rng: &mut Rng, stem: &str, uses: &mut Uses) -> TokenStream {
    uses.add("std", "fmt");
    uses.add("std::collections", "HashMap");
    let ty = name(stem, "Ledger");
    let tx = name(stem, "Entry");
    let err = name(stem, "LedgerError");
    let limit = Literal::i64_unsuffixed(rng.range(1, 100) * 1000);
    quote! {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum #tx {
            Deposit { account: String, amount: i64 },
            Withdraw { account: String, amount: i64 },
            Transfer { from: String, to: String, amount: i64 },
        }

        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum #err {
            NonPositive(i64),
            Insufficient { account: String, balance: i64, needed: i64 },
            OverLimit(i64),
        }

        impl fmt::Display for #err {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    #err::NonPositive(amount) => write!(f, "amount {amount} is not positive"),
                    #err::Insufficient { account, balance, needed } => {
                        write!(f, "{account} holds {balance}, needs {needed}")
                    }
                    #err::OverLimit(amount) => write!(f, "amount {amount} is over the limit"),
                }
            }
        }

        #[derive(Debug, Default)]
        pub struct #ty {
            balances: HashMap<String, i64>,
            history: Vec<#tx>,
        }

        impl #ty {
            pub fn balance(&self, account: &str) -> i64 {
                self.balances.get(account).copied().unwrap_or(0)
            }

            pub fn apply(&mut self, entry: #tx) -> Result<(), #err> {
                let amount = match &entry {
                    #tx::Deposit { amount, .. } | #tx::Withdraw { amount, .. } | #tx::Transfer { amount, .. } => *amount,
                };
                if amount <= 0 {
                    return Err(#err::NonPositive(amount));
                }
                if amount > #limit {
                    return Err(#err::OverLimit(amount));
                }
                match &entry {
                    #tx::Deposit { account, amount } => {
                        *self.balances.entry(account.clone()).or_insert(0) += amount;
                    }
                    #tx::Withdraw { account, amount } => {
                        self.take(account, *amount)?;
                    }
                    #tx::Transfer { from, to, amount } => {
                        self.take(from, *amount)?;
                        *self.balances.entry(to.clone()).or_insert(0) += amount;
                    }
                }
                self.history.push(entry);
                Ok(())
            }

            fn take(&mut self, account: &str, amount: i64) -> Result<(), #err> {
                let balance = self.balance(account);
                if balance < amount {
                    return Err(#err::Insufficient { account: account.to_string(), balance, needed: amount });
                }
                self.balances.insert(account.to_string(), balance - amount);
                Ok(())
            }

            pub fn total(&self) -> i64 {
                self.balances.values().sum()
            }

            pub fn history(&self) -> &[#tx] {
                &self.history
            }
        }
    }
}

fn ring(rng: &mut Rng, stem: &str, _: &mut Uses) -> TokenStream {
    let ty = name(stem, "Ring");
    let drain = rng.chance(0.5).then(|| {
        quote! {
            pub fn drain_all(&mut self) -> Vec<T> {
                let mut out = Vec::with_capacity(self.len);
                while let Some(item) = self.pop() {
                    out.push(item);
                }
                out
            }
        }
    });
    quote! {
        #[doc = " A fixed-capacity queue that overwrites its oldest entry when full."]
        #[derive(Debug, Clone)]
        pub struct #ty<T> {
            slots: Vec<Option<T>>,
            head: usize,
            len: usize,
        }

        impl<T> #ty<T> {
            pub fn new(capacity: usize) -> Self {
                let capacity = capacity.max(1);
                #ty { slots: (0..capacity).map(|_| None).collect(), head: 0, len: 0 }
            }

            pub fn capacity(&self) -> usize {
                self.slots.len()
            }

            pub fn len(&self) -> usize {
                self.len
            }

            pub fn is_empty(&self) -> bool {
                self.len == 0
            }

            #[doc = " Adds `item`; returns the entry it overwrote, if the ring was full."]
            pub fn push(&mut self, item: T) -> Option<T> {
                let cap = self.capacity();
                let tail = (self.head + self.len) % cap;
                let old = self.slots[tail].replace(item);
                if self.len == cap {
                    self.head = (self.head + 1) % cap;
                } else {
                    self.len += 1;
                }
                old
            }

            pub fn pop(&mut self) -> Option<T> {
                if self.len == 0 {
                    return None;
                }
                let item = self.slots[self.head].take();
                self.head = (self.head + 1) % self.capacity();
                self.len -= 1;
                item
            }

            pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
                (0..self.len).filter_map(move |i| self.slots[(self.head + i) % self.slots.len()].as_ref())
            }

            #drain
        }
    }
}

fn calendar(rng: &mut Rng, stem: &str, _: &mut Uses) -> TokenStream {
    let ty = name(stem, "Date");
    let epoch = Literal::i32_unsuffixed(rng.range(1970, 2000) as i32);
    quote! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub struct #ty {
            pub year: i32,
            pub month: u32,
            pub day: u32,
        }

        pub fn is_leap_year(year: i32) -> bool {
            (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        }

        pub fn days_in_month(year: i32, month: u32) -> Option<u32> {
            Some(match month {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                2 if is_leap_year(year) => 29,
                2 => 28,
                _ => return None,
            })
        }

        impl #ty {
            pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
                let last = days_in_month(year, month)?;
                (1..=last).contains(&day).then_some(#ty { year, month, day })
            }

            pub fn day_of_year(&self) -> u32 {
                (1..self.month).filter_map(|m| days_in_month(self.year, m)).sum::<u32>() + self.day
            }

            #[doc = " 0 = Monday ... 6 = Sunday."]
            pub fn weekday(&self) -> u32 {
                let (y, m) = if self.month < 3 { (self.year - 1, self.month + 12) } else { (self.year, self.month) };
                let k = y.rem_euclid(100);
                let j = y.div_euclid(100);
                let h = (self.day as i32 + (13 * (m as i32 + 1)) / 5 + k + k / 4 + j / 4 + 5 * j).rem_euclid(7);
                ((h + 5) % 7) as u32
            }

            pub fn days_since_epoch(&self) -> i64 {
                let years: i64 = (#epoch..self.year).map(|y| if is_leap_year(y) { 366 } else { 365 }).sum();
                years + self.day_of_year() as i64 - 1
            }

            pub fn next_day(&self) -> Self {
                match days_in_month(self.year, self.month) {
                    Some(last) if self.day < last => #ty { day: self.day + 1, ..*self },
                    _ if self.month < 12 => #ty { month: self.month + 1, day: 1, ..*self },
                    _ => #ty { year: self.year + 1, month: 1, day: 1 },
                }
            }
        }
    }
}

fn expression(_rng: &mut Rng, stem: &str, _: &mut Uses) -> TokenStream {
    let token = name(stem, "Token");
    let tokenize = format_ident!("tokenize_{}", stem);
    let eval = format_ident!("evaluate_{}", stem);
    quote! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum #token {
            Num(i64),
            Plus,
            Minus,
            Star,
            Slash,
            Open,
            Close,
        }

        pub fn #tokenize(input: &str) -> Result<Vec<#token>, String> {
            let mut out = Vec::new();
            let mut chars = input.chars().peekable();
            while let Some(&c) = chars.peek() {
                match c {
                    ' ' | '\t' => {
                        chars.next();
                    }
                    '0'..='9' => {
                        let mut value = 0i64;
                        while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                            value = value.checked_mul(10).and_then(|v| v.checked_add(d as i64)).ok_or("number too large")?;
                            chars.next();
                        }
                        out.push(#token::Num(value));
                    }
                    '+' | '-' | '*' | '/' | '(' | ')' => {
                        out.push(match c {
                            '+' => #token::Plus,
                            '-' => #token::Minus,
                            '*' => #token::Star,
                            '/' => #token::Slash,
                            '(' => #token::Open,
                            _ => #token::Close,
                        });
                        chars.next();
                    }
                    other => return Err(format!("unexpected character {other:?}")),
                }
            }
            Ok(out)
        }

        #[doc = " Evaluates `+ - * /` with the usual precedence (shunting-yard)."]
        pub fn #eval(tokens: &[#token]) -> Result<i64, String> {
            fn prec(t: #token) -> u8 {
                match t {
                    #token::Plus | #token::Minus => 1,
                    #token::Star | #token::Slash => 2,
                    _ => 0,
                }
            }
            fn apply(values: &mut Vec<i64>, op: #token) -> Result<(), String> {
                let b = values.pop().ok_or("missing operand")?;
                let a = values.pop().ok_or("missing operand")?;
                values.push(match op {
                    #token::Plus => a.checked_add(b),
                    #token::Minus => a.checked_sub(b),
                    #token::Star => a.checked_mul(b),
                    #token::Slash => a.checked_div(b),
                    _ => None,
                }.ok_or("arithmetic error")?);
                Ok(())
            }
            let mut values = Vec::new();
            let mut ops: Vec<#token> = Vec::new();
            for &t in tokens {
                match t {
                    #token::Num(v) => values.push(v),
                    #token::Open => ops.push(t),
                    #token::Close => {
                        while let Some(op) = ops.pop() {
                            if op == #token::Open {
                                break;
                            }
                            apply(&mut values, op)?;
                        }
                    }
                    op => {
                        while let Some(&top) = ops.last() {
                            if prec(top) < prec(op) {
                                break;
                            }
                            ops.pop();
                            apply(&mut values, top)?;
                        }
                        ops.push(op);
                    }
                }
            }
            while let Some(op) = ops.pop() {
                apply(&mut values, op)?;
            }
            values.pop().ok_or_else(|| "empty expression".to_string())
        }
    }
}

fn bitset(rng: &mut Rng, stem: &str, _: &mut Uses) -> TokenStream {
    let ty = name(stem, "Set");
    let ops = rng.chance(0.6).then(|| {
        quote! {
            pub fn union_with(&mut self, other: &#ty) {
                if other.words.len() > self.words.len() {
                    self.words.resize(other.words.len(), 0);
                }
                for (a, b) in self.words.iter_mut().zip(&other.words) {
                    *a |= b;
                }
            }

            pub fn intersect_with(&mut self, other: &#ty) {
                for (i, a) in self.words.iter_mut().enumerate() {
                    *a &= other.words.get(i).copied().unwrap_or(0);
                }
            }
        }
    });
    quote! {
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct #ty {
            words: Vec<u64>,
        }

        impl #ty {
            pub fn insert(&mut self, bit: usize) -> bool {
                let (w, b) = (bit / 64, bit % 64);
                if w >= self.words.len() {
                    self.words.resize(w + 1, 0);
                }
                let was = self.words[w] & (1 << b) != 0;
                self.words[w] |= 1 << b;
                !was
            }

            pub fn remove(&mut self, bit: usize) -> bool {
                let (w, b) = (bit / 64, bit % 64);
                match self.words.get_mut(w) {
                    Some(word) if *word & (1 << b) != 0 => {
                        *word &= !(1 << b);
                        true
                    }
                    _ => false,
                }
            }

            pub fn contains(&self, bit: usize) -> bool {
                self.words.get(bit / 64).is_some_and(|w| w & (1 << (bit % 64)) != 0)
            }

            pub fn count(&self) -> u32 {
                self.words.iter().map(|w| w.count_ones()).sum()
            }

            pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
                self.words.iter().enumerate().flat_map(|(i, &w)| (0..64).filter(move |b| w & (1 << b) != 0).map(move |b| i * 64 + b))
            }

            #ops
        }
    }
}

fn histogram(rng: &mut Rng, stem: &str, _: &mut Uses) -> TokenStream {
    let ty = name(stem, "Histogram");
    let buckets = rng.range(4, 32);
    let mut bound = 0.0;
    let bounds: Vec<Literal> = (1..=buckets)
        .map(|i| {
            bound += (i * rng.range(1, 10)) as f64 / 4.0;
            lit_f(bound)
        })
        .collect();
    let n = Literal::usize_unsuffixed(bounds.len());
    let n1 = Literal::usize_unsuffixed(bounds.len() + 1);
    quote! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct #ty {
            counts: [u64; #n1],
            sum: f64,
        }

        impl #ty {
            pub const BOUNDS: [f64; #n] = [#(#bounds),*];

            pub fn new() -> Self {
                #ty { counts: [0; #n1], sum: 0.0 }
            }

            pub fn record(&mut self, value: f64) {
                let bucket = Self::BOUNDS.iter().position(|b| value <= *b).unwrap_or(Self::BOUNDS.len());
                self.counts[bucket] += 1;
                self.sum += value;
            }

            pub fn count(&self) -> u64 {
                self.counts.iter().sum()
            }

            pub fn mean(&self) -> Option<f64> {
                let n = self.count();
                (n > 0).then(|| self.sum / n as f64)
            }

            #[doc = " The upper bound of the bucket holding the `q`-quantile."]
            pub fn quantile_bound(&self, q: f64) -> Option<f64> {
                let total = self.count();
                if total == 0 {
                    return None;
                }
                let target = (q.clamp(0.0, 1.0) * total as f64).ceil() as u64;
                let mut seen = 0;
                for (i, c) in self.counts.iter().enumerate() {
                    seen += c;
                    if seen >= target.max(1) {
                        return Some(Self::BOUNDS.get(i).copied().unwrap_or(f64::INFINITY));
                    }
                }
                None
            }
        }

        impl Default for #ty {
            fn default() -> Self {
                Self::new()
            }
        }
    }
}

fn settings(rng: &mut Rng, stem: &str, uses: &mut Uses) -> TokenStream {
    uses.add("std::time", "Duration");
    let ty = name(stem, "Settings");
    let builder = name(stem, "SettingsBuilder");
    let retries = lit_u(rng.range(1, 10));
    let timeout = lit_u(rng.range(1, 120));
    let batch = lit_u(rng.range(16, 4096));
    let label = stem.replace('_', "-");
    quote! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct #ty {
            pub label: String,
            pub retries: u32,
            pub timeout: Duration,
            pub batch_size: usize,
            pub verbose: bool,
        }

        impl Default for #ty {
            fn default() -> Self {
                #ty {
                    label: #label.to_string(),
                    retries: #retries,
                    timeout: Duration::from_secs(#timeout),
                    batch_size: #batch,
                    verbose: false,
                }
            }
        }

        #[derive(Debug, Clone, Default)]
        pub struct #builder {
            settings: #ty,
        }

        impl #builder {
            pub fn label(mut self, label: &str) -> Self {
                self.settings.label = label.to_string();
                self
            }

            pub fn retries(mut self, retries: u32) -> Self {
                self.settings.retries = retries;
                self
            }

            pub fn timeout(mut self, timeout: Duration) -> Self {
                self.settings.timeout = timeout;
                self
            }

            pub fn batch_size(mut self, batch_size: usize) -> Self {
                self.settings.batch_size = batch_size;
                self
            }

            pub fn verbose(mut self, verbose: bool) -> Self {
                self.settings.verbose = verbose;
                self
            }

            pub fn build(self) -> Result<#ty, String> {
                let s = self.settings;
                if s.label.trim().is_empty() {
                    return Err("label must not be empty".to_string());
                }
                if s.batch_size == 0 {
                    return Err("batch size must be positive".to_string());
                }
                if s.timeout.is_zero() {
                    return Err("timeout must be positive".to_string());
                }
                Ok(s)
            }
        }
    }
}

/// Generated bindings, as FFI crates carry them by the thousand: a typedef, a run of flag
/// constants, a `#[repr(C)]` record with `Copy` and `Clone` impls. Code with many items and
/// little in them: what scales with items (not lines) shows here.
fn bindings(rng: &mut Rng, stem: &str, _: &mut Uses) -> TokenStream {
    let flags = name(stem, "Flags");
    let record = name(stem, "Record");
    let prefix = stem.to_uppercase();
    let n = rng.range(16, 64);
    let consts = (0..n).map(|i| {
        let c = format_ident!("{}_{}", prefix, i as u64);
        let v = lit_u(1i64 << (i % 31));
        quote! { pub const #c: #flags = #v; }
    });
    let doc = format!(" Flags of a `{record}`.");
    quote! {
        #[doc = #doc]
        pub type #flags = u32;
        #(#consts)*
        #[repr(C)]
        pub struct #record {
            pub flags: #flags,
            pub size: u32,
            pub reserved: [u8; 8],
        }
        impl Copy for #record {}
        impl Clone for #record {
            fn clone(&self) -> Self {
                *self
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_renders() {
        let mut rng = super::Rng::new(1);
        for (i, t) in super::TEMPLATES.iter().enumerate() {
            let mut uses = super::Uses::default();
            let items = t(&mut rng, &format!("sample_{i}"), &mut uses);
            let uses = uses.tokens();
            let text = super::super::emit::render(quote::quote!(#uses #items));
            assert!(text.lines().count() > 10, "template {i}");
        }
    }
}
