//! The binaries' allocator: mimalloc, with what the run keeps apart from what it throws away.
//!
//! File text and lowered syntax live for the whole run, while each file's `syn` tree is freed
//! as soon as it is lowered. From one heap the two interleave in the same pages, so every
//! later parse finds its free memory scattered between kept nodes and keeps touching fresh
//! pages (slow in a VM: measured on the corpus, `--no-prefilter` went from 1.39× to 1.26×
//! the parse floor when the kept data moved to a heap of its own). [`long_lived`] sends a
//! thread's allocations to that heap while it runs; freeing works the same from either heap.
//!
//! Invariant: only placement changes, never behaviour: with another global allocator (the
//! test binaries) [`long_lived`] just runs its closure.

use libmimalloc_sys as mi;
use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::ffi::c_void;
use std::sync::atomic::{AtomicPtr, Ordering};

thread_local! {
    static LONG_LIVED: Cell<bool> = const { Cell::new(false) };
}

/// The heap for data kept until the end of the run (mimalloc 3 heaps serve every thread).
static HEAP: AtomicPtr<mi::mi_heap_t> = AtomicPtr::new(std::ptr::null_mut());

/// Runs `f` with this thread's allocations going to the long-lived heap.
pub fn long_lived<R>(f: impl FnOnce() -> R) -> R {
    /// Restores the thread's previous placement, also when `f` unwinds.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            LONG_LIVED.with(|l| l.set(self.0));
        }
    }
    let _restore = Restore(LONG_LIVED.with(|l| l.replace(true)));
    f()
}

extern "C" {
    // In mimalloc 3 (not bound by `libmimalloc-sys`): the heap a block was allocated from.
    fn mi_heap_of(block: *const c_void) -> *mut mi::mi_heap_t;
}

/// Whether `block`, allocated by [`Allocator`], came from the long-lived heap (for tests).
pub fn is_long_lived(block: *const u8) -> bool {
    let heap = HEAP.load(Ordering::Acquire);
    // SAFETY: `block` is a live mimalloc block, which is all `mi_heap_of` asks.
    !heap.is_null() && unsafe { mi_heap_of(block as *const c_void) } == heap
}

fn heap() -> *mut mi::mi_heap_t {
    let heap = HEAP.load(Ordering::Acquire);
    if !heap.is_null() {
        return heap;
    }
    // SAFETY: creating a heap does not call back into this allocator.
    let new = unsafe { mi::mi_heap_new() };
    match HEAP.compare_exchange(
        std::ptr::null_mut(),
        new,
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        Ok(_) => new,
        Err(first) => {
            // SAFETY: `new` lost the race and was never allocated from.
            unsafe { mi::mi_heap_delete(new) };
            first
        }
    }
}

fn long_lived_now() -> bool {
    LONG_LIVED.try_with(Cell::get).unwrap_or(false)
}

/// Every mimalloc block is word-aligned; requests that ask no more take mimalloc's plain
/// entry points. Its aligned ones (what the `mimalloc` crate always calls) over-allocate
/// (`size + align - 1`: the next size class, 96 → 112 bytes) whenever the current page has
/// no free block and the size is not a power of two, which is most fresh memory.
const WORD: usize = std::mem::size_of::<usize>();

/// mimalloc, placing allocations made inside [`long_lived`] in their own heap.
pub struct Allocator;

// SAFETY: every block comes from mimalloc, at least as aligned as the layout asks (word
// alignment is mimalloc's minimum), and mimalloc frees and reallocates blocks of any of
// its heaps, from any thread (`mi_free`, `mi_realloc`).
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let (size, align) = (layout.size(), layout.align());
        let block = match (long_lived_now(), align <= WORD) {
            (false, true) => mi::mi_malloc(size),
            (false, false) => mi::mi_malloc_aligned(size, align),
            (true, true) => mi::mi_heap_malloc(heap(), size),
            (true, false) => mi::mi_heap_malloc_aligned(heap(), size, align),
        };
        block as *mut u8
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let (size, align) = (layout.size(), layout.align());
        let block = match (long_lived_now(), align <= WORD) {
            (false, true) => mi::mi_zalloc(size),
            (false, false) => mi::mi_zalloc_aligned(size, align),
            (true, true) => mi::mi_heap_zalloc(heap(), size),
            (true, false) => mi::mi_heap_zalloc_aligned(heap(), size, align),
        };
        block as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr as *mut c_void)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let (p, align) = (ptr as *mut c_void, layout.align());
        let block = match (long_lived_now(), align <= WORD) {
            (false, true) => mi::mi_realloc(p, new_size),
            (false, false) => mi::mi_realloc_aligned(p, new_size, align),
            (true, true) => mi::mi_heap_realloc(heap(), p, new_size),
            (true, false) => mi::mi_heap_realloc_aligned(heap(), p, new_size, align),
        };
        block as *mut u8
    }
}
