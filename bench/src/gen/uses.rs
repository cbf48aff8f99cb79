//! `use` declarations collected while a file is generated, printed grouped and sorted.

use proc_macro2::TokenStream;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default, Clone)]
pub struct Uses {
    by_prefix: BTreeMap<String, BTreeSet<String>>,
}

impl Uses {
    /// Adds `use prefix::name;` (`name` may be `X as Y`).
    pub fn add(&mut self, prefix: &str, name: &str) -> &mut Self {
        self.by_prefix
            .entry(prefix.to_string())
            .or_default()
            .insert(name.to_string());
        self
    }

    /// These and `other`'s declarations.
    pub fn merged(&self, other: &Uses) -> Uses {
        let mut all = self.clone();
        for (prefix, names) in &other.by_prefix {
            for n in names {
                all.add(prefix, n);
            }
        }
        all
    }

    pub fn tokens(&self) -> TokenStream {
        let mut text = String::new();
        // std first, then external crates, then crate/super/self paths, as rustfmt users do.
        let rank = |p: &str| {
            if p.starts_with("std") {
                0
            } else if p.starts_with("crate") || p.starts_with("super") || p.starts_with("self") {
                2
            } else {
                1
            }
        };
        let mut prefixes: Vec<&String> = self.by_prefix.keys().collect();
        prefixes.sort_by_key(|p| (rank(p), p.as_str()));
        for prefix in prefixes {
            let names = &self.by_prefix[prefix];
            if names.len() == 1 {
                let name = names.iter().next().unwrap();
                text.push_str(&format!("use {prefix}::{name};\n"));
            } else {
                let list: Vec<&str> = names.iter().map(String::as_str).collect();
                text.push_str(&format!("use {prefix}::{{{}}};\n", list.join(", ")));
            }
        }
        text.parse().expect("use declarations parse")
    }
}
