//! The binaries' allocator (`facadelint::alloc`), installed here as it is in them.

use facadelint::alloc::{is_long_lived, long_lived, Allocator};

#[global_allocator]
static ALLOCATOR: Allocator = Allocator;

fn addr<T: ?Sized>(value: &T) -> *const u8 {
    value as *const T as *const u8
}

#[test]
fn what_is_allocated_inside_long_lived_comes_from_its_own_heap() {
    let outside = Box::new([7u8; 48]);
    let inside = long_lived(|| Box::new([7u8; 48]));
    let zeroed = long_lived(|| vec![0u64; 4096]);
    assert!(is_long_lived(addr(&*inside)));
    assert!(is_long_lived(addr(zeroed.as_slice())));
    assert!(!is_long_lived(addr(&*outside)));
    // Nested calls keep the placement, and leaving restores it.
    let nested = long_lived(|| {
        long_lived(|| ());
        Box::new(1u32)
    });
    assert!(is_long_lived(addr(&*nested)));
    let after = Box::new(1u32);
    assert!(!is_long_lived(addr(&*after)));
}

#[test]
fn long_lived_blocks_grow_and_are_freed_from_anywhere() {
    let mut kept = long_lived(|| vec![3u32; 16]);
    // Grown outside `long_lived` (a realloc through the ordinary heap) and inside it.
    kept.extend(0..100_000);
    long_lived(|| kept.extend(0..100_000));
    assert_eq!(kept.len(), 200_016);
    assert_eq!(kept[..16], [3; 16]);
    assert_eq!(kept[16 + 99_999], 99_999);
    let text = long_lived(|| "kept text ".repeat(10_000));
    let freed_elsewhere = std::thread::spawn(move || {
        let total = kept.iter().map(|v| *v as u64).sum::<u64>() + text.len() as u64;
        drop((kept, text));
        total
    });
    assert_eq!(
        freed_elsewhere.join().unwrap(),
        48 + 2 * 4_999_950_000 + 100_000
    );
}

#[test]
fn a_panic_inside_long_lived_restores_the_ordinary_heap() {
    let caught = std::panic::catch_unwind(|| long_lived(|| panic!("lowering failed")));
    assert!(caught.is_err());
    let after = Box::new([0u8; 32]);
    assert!(!is_long_lived(addr(&*after)));
}

#[test]
fn threads_share_the_long_lived_heap() {
    let handles: Vec<_> = (0..4)
        .map(|i| std::thread::spawn(move || long_lived(|| vec![i as u8; 1000])))
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let v = h.join().unwrap();
        assert!(is_long_lived(addr(v.as_slice())));
        assert!(v.iter().all(|b| *b == i as u8));
    }
}

#[test]
fn every_block_is_as_aligned_as_asked_in_both_heaps() {
    use std::alloc::{GlobalAlloc, Layout};
    for kept in [false, true] {
        let check = || {
            for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
                for size in (1..300).chain([4095, 4096, 70_000]) {
                    let layout = Layout::from_size_align(size, align).unwrap();
                    // SAFETY: a non-zero size; every block is freed with its layout.
                    unsafe {
                        let p = ALLOCATOR.alloc(layout);
                        assert_eq!(p as usize % align, 0, "size {size} align {align}");
                        p.write_bytes(0xAB, size);
                        let grown = ALLOCATOR.realloc(p, layout, size * 3);
                        assert_eq!(grown as usize % align, 0, "grown {size} align {align}");
                        assert!((0..size).all(|i| *grown.add(i) == 0xAB));
                        let bigger = Layout::from_size_align(size * 3, align).unwrap();
                        ALLOCATOR.dealloc(grown, bigger);
                        let z = ALLOCATOR.alloc_zeroed(layout);
                        assert_eq!(z as usize % align, 0);
                        assert!((0..size).all(|i| *z.add(i) == 0));
                        ALLOCATOR.dealloc(z, layout);
                    }
                }
            }
        };
        if kept {
            long_lived(check);
        } else {
            check();
        }
    }
}
