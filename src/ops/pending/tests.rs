use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{claim, dir_for, lock_path, try_take_over};

#[test]
fn a_held_claim_blocks_another_until_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = dir.path().join("inventory.db");
    let first = claim(&inv, "a.example").expect("first claim");
    assert!(try_take_over(&inv, "a.example").expect("io").is_none());
    assert!(claim(&inv, "a.example").is_err());
    assert!(claim(&inv, "b.example").is_ok());
    drop(first);
    assert!(try_take_over(&inv, "a.example").expect("io").is_some());
}

#[test]
fn the_lock_file_is_removed_when_its_claim_ends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = dir.path().join("inventory.db");
    let guard = claim(&inv, "a.example").expect("claim");
    assert!(lock_path(&inv, "a.example").exists());
    drop(guard);
    assert!(!lock_path(&inv, "a.example").exists());
    let left: Vec<_> = std::fs::read_dir(dir_for(&inv))
        .expect("dir")
        .collect::<Result<_, _>>()
        .expect("entries");
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_lock_on_a_removed_file_does_not_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = dir.path().join("inventory.db");
    let first = claim(&inv, "a.example").expect("claim");
    // A racer opened the path just before the first create ended and removed it.
    let racer = std::fs::File::open(lock_path(&inv, "a.example")).expect("open");
    drop(first);
    racer.try_lock().expect("the racer locks the unlinked file");
    // That lock guards nothing: a claim goes to the file the path names now…
    let second = claim(&inv, "a.example").expect("claim despite the racer");
    // …and that claim excludes the next one, as it must.
    assert!(claim(&inv, "a.example").is_err());
    drop(second);
    drop(racer);
}

#[test]
fn concurrent_claims_of_one_domain_never_overlap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = Arc::new(dir.path().join("inventory.db"));
    let inside = Arc::new(AtomicUsize::new(0));
    let entered = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (inv, inside, entered) = (inv.clone(), inside.clone(), entered.clone());
            std::thread::spawn(move || {
                for _ in 0..300 {
                    // Each open is its own file description, so threads exclude each
                    // other exactly as processes do.
                    let Ok(guard) = claim(&inv, "a.example") else {
                        continue;
                    };
                    assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                    entered.fetch_add(1, Ordering::SeqCst);
                    std::thread::yield_now();
                    inside.fetch_sub(1, Ordering::SeqCst);
                    drop(guard);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    assert!(entered.load(Ordering::SeqCst) > 0);
    assert!(!lock_path(&inv, "a.example").exists());
}
