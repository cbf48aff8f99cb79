//! Library behaviour as summaries, not run: what the standard library's methods and
//! constructors do with values, as tables matched by name alone (a method's name, a path's
//! last segments).
//!
//! Invariant: library code is never run, only read as these summaries:
//! `TRANSPARENT_METHODS` (the result is the receiver: wrappers, guards, iterators, `poll`,
//! `join`), `STORING_METHODS` (arguments go into the receiver's place, also behind the
//! `GUARD_METHODS` that give access to it in place), `RESULT_FROM_CLOSURE` /
//! `RESULT_FROM_ARGUMENT` (lazy cells, map entries and fallbacks yield what fills them even
//! when the analysis saw nothing stored), and wrapper constructors (`Box::new`, `Some`, …)
//! that keep a closure argument as a value.

use crate::hir::Name;

/// Methods that hand back their receiver (or what it wraps) for the analysis's purposes.
pub(super) const TRANSPARENT_METHODS: &[&str] = &[
    "clone",
    "to_owned",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "into",
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_unchecked",
    "ok",
    "err",
    "ok_or",
    "ok_or_else",
    "lock",
    "read",
    "write",
    "try_lock",
    "get",
    "get_mut",
    "upgrade",
    "downgrade",
    "as_deref",
    "as_deref_mut",
    "iter",
    "iter_mut",
    "into_iter",
    "cloned",
    "copied",
    "first",
    "last",
    "take",
    "values",
    "keys",
    "as_slice",
    "deref",
    "deref_mut",
    "to_vec",
    "pop",
    "remove",
    "next",
    "flatten",
    "rev",
    "peekable",
    "into_inner",
    "get_or_init",
    "get_or_insert_with",
    "or_insert_with",
    "or_insert",
    "entry",
    "unwrap_or_else",
    "map",
    "and_then",
    "map_or",
    "map_or_else",
    "filter",
    "filter_map",
    "find",
    "find_map",
    "inspect",
    "then",
    "then_some",
    "or",
    "or_else",
    "xor",
    "zip",
    "chain",
    "collect",
    "pin",
    "as_pin_mut",
    "replace",
    "insert",
    "get_or_insert",
    "as_ptr",
    "min_by_key",
    "max_by_key",
    "join",
    // An `async` block or call is lowered to the value it produces, so polling it yields
    // that value (a hand-written executor's `future.as_mut().poll(cx)`).
    "poll",
];

/// Methods whose result can be what their closure returns whatever the receiver holds: a
/// lazy cell or map entry runs the closure when it is empty (and the analysis cannot see
/// that it was not), a fallback runs it when the value is missing.
pub(super) const RESULT_FROM_CLOSURE: &[&str] = &[
    "get_or_init",
    "get_or_try_init",
    "get_or_insert_with",
    "or_insert_with",
    "or_insert_with_key",
    "unwrap_or_else",
    "or_else",
    "map_or_else",
];

/// `Box::new`, `Arc::new`, `Some`, …: calls outside the workspace that wrap their argument
/// and hand it back, a closure included.
pub(super) fn is_wrapper_constructor(path: &[Name]) -> bool {
    const WRAPPERS: &[&str] = &[
        "Box", "Arc", "Rc", "Mutex", "RwLock", "RefCell", "Cell", "Pin", "OnceCell", "OnceLock",
    ];
    match path {
        [.., ty, f] => {
            WRAPPERS.contains(&ty.as_str()) && matches!(f.as_str(), "new" | "pin" | "from")
        }
        [f] => matches!(f.as_str(), "Some" | "Ok" | "Err"),
        [] => false,
    }
}

/// Methods that give access to what their receiver holds, in place: storing through their
/// result stores into the receiver's place.
pub(super) const GUARD_METHODS: &[&str] = &[
    "lock",
    "read",
    "write",
    "try_lock",
    "borrow_mut",
    "get_mut",
    "as_mut",
    "unwrap",
    "expect",
    "deref_mut",
    "entry",
];

/// Methods whose result can be their (non-closure) argument: a default or a first value.
pub(super) const RESULT_FROM_ARGUMENT: &[&str] = &["get_or_insert", "or_insert", "unwrap_or", "or"];

/// Methods that store their arguments into their receiver's place.
pub(super) const STORING_METHODS: &[&str] = &[
    "push",
    "push_back",
    "push_front",
    "insert",
    "set",
    "get_or_init",
    "get_or_insert_with",
    "or_insert_with",
    "or_insert",
    "replace",
    "store",
    "send",
    "extend",
    "append",
    "write",
    "swap",
];
