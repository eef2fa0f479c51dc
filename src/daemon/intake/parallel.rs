//! One function over a batch, on as many threads as there are cores.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many threads a [`map`] may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workers {
    /// One per core.
    AllCores,
    /// One per core but one (at least one): another thread has steady work of its
    /// own, and a third runnable thread on two cores would only slow it down.
    SpareOne,
}

impl Workers {
    fn count(self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        match self {
            Workers::AllCores => cores,
            Workers::SpareOne => cores.saturating_sub(1).max(1),
        }
    }
}

/// `work` applied to each item, results in the items' order. `work` should
/// not panic (catch inside it): an item whose worker died has no result (`None`).
pub(super) fn map<T: Send, R: Send>(
    workers: Workers,
    items: Vec<T>,
    work: impl Fn(T) -> R + Sync,
) -> Vec<Option<R>> {
    let n_items = items.len();
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|i| Mutex::new(Some(i))).collect();
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = slots.get(index) else { break };
            if let Some(item) = slot.lock().unwrap_or_else(|e| e.into_inner()).take() {
                done.push((index, work(item)));
            }
        }
        done
    };
    let n_workers = workers.count().min(n_items);
    let mut results: Vec<Option<R>> = (0..n_items).map(|_| None).collect();
    if n_workers <= 1 {
        for (index, result) in worker() {
            results[index] = Some(result);
        }
        return results;
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..n_workers).map(|_| scope.spawn(worker)).collect();
        for handle in workers {
            for (index, result) in handle.join().unwrap_or_default() {
                results[index] = Some(result);
            }
        }
    });
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<u32> = (0..100).collect();
        let doubled = map(Workers::AllCores, items, |n| n * 2);
        let expected: Vec<Option<u32>> = (0..100).map(|n| Some(n * 2)).collect();
        assert_eq!(doubled, expected);
        assert!(map(Workers::SpareOne, Vec::<u32>::new(), |n| n).is_empty());
    }
}
