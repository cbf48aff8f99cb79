//! Containment of internal errors: a panic while parsing one file, lowering one function or
//! analysing one function is caught here and becomes an `internal-error` diagnostic for that
//! file or item, so that a bug in facadelint costs one item, not the run. The CLI runs the
//! whole command inside [`guarded`] too, so a panic no stage contains (indexing, reporting,
//! rendering) still ends as `error[internal-error]` with exit code 2, never as a crash.
//!
//! Invariant: while a guarded closure runs, the panic hook stays quiet (the diagnostic is the
//! report) but remembers where in facadelint the panic happened; outside guarded code the
//! previous hook runs unchanged.

use crate::diag::Diagnostic;
use crate::source::Span;
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Once, OnceLock};

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if DEPTH.with(Cell::get) > 0 {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                LOCATION.with(|l| *l.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`; a panic inside it comes back as its message and where it was raised.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_quiet_hook();
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|d| d.set(d.get() - 1));
    result.map_err(|panic| {
        let message = panic_message(&panic);
        match LOCATION.with(|l| l.borrow_mut().take()) {
            Some(at) => format!("{message} (at {at})"),
            None => message,
        }
    })
}

/// The diagnostic for a panic inside facadelint while handling one function.
pub fn item_error(span: Span, item: &str, doing: &str, message: &str) -> Diagnostic {
    Diagnostic::error(
        "internal-error",
        format!("internal error while {doing} `{item}`: {message}"),
    )
    .with_primary(span, "facadelint skipped this function's body")
    .with_note("the rest of the run went on; please report this with the function attached")
}

pub fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// The test hook `FACADELINT_INJECT_PANIC=<stage>:<item>` makes the named stage panic on the
/// named item, so tests can prove containment on the real binary. Unset in normal use.
///
/// | stage | item | contained to |
/// |---|---|---|
/// | `parse` | a file's name as shown in diagnostics (`src/lib.rs`) | that file |
/// | `lower` | a function's bare name (`refresh`) | that function's body |
/// | `flow`, `findings` | a function's path (`Cache::refresh`) | that function |
/// | `render` | the message format (`human`, `short`, `json`, `sarif`) | nothing: the run stops with `error[internal-error]`, exit 2 |
pub fn injected(stage: &str) -> Option<&'static str> {
    static TARGET: OnceLock<Option<String>> = OnceLock::new();
    let target = TARGET.get_or_init(|| std::env::var("FACADELINT_INJECT_PANIC").ok());
    let (s, item) = target.as_deref()?.split_once(':')?;
    (s == stage).then_some(item)
}

/// Panics when the test hook names this stage and item; the panic is located at the caller,
/// so the internal error says which stage's code it came from.
#[track_caller]
pub fn maybe_inject(stage: &str, item: impl FnOnce() -> String) {
    if let Some(target) = injected(stage) {
        if item() == target {
            panic!("panic injected by FACADELINT_INJECT_PANIC in {stage} of `{target}`");
        }
    }
}
