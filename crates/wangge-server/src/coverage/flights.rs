//! Computations shared by everyone who asks for the same thing while it
//! runs, and cancelled once nobody waits for it any more (issue 12: eight
//! identical coverage requests ran eight analyses, and an analysis went on
//! after its client had gone).
//!
//! [`Flights::run`] joins the computation of a key if one is running, else
//! starts it as a task of its own; each caller waits on a `watch` channel.
//! A caller that is dropped (its client disconnected) leaves; when the last
//! one leaves before the end, the computation's cancel flag is raised and
//! the key is free for a new start. The flag is the computation's to read:
//! blocking work checks it between pieces.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

type Outcome<V> = Option<Result<V, String>>;

struct Flight<V> {
    outcome: watch::Receiver<Outcome<V>>,
    /// Callers waiting; changed under the lock of the map.
    waiters: std::sync::atomic::AtomicUsize,
    cancel: Arc<AtomicBool>,
}

type Running<K, V> = Arc<Mutex<HashMap<K, Arc<Flight<V>>>>>;

/// The computations running, by key.
pub(crate) struct Flights<K, V> {
    running: Running<K, V>,
}

impl<K, V> Default for Flights<K, V> {
    fn default() -> Self {
        Flights {
            running: Arc::default(),
        }
    }
}

fn lock<K, V>(running: &Running<K, V>) -> MutexGuard<'_, HashMap<K, Arc<Flight<V>>>> {
    // A panic while holding this lock leaves the map consistent (every
    // change is one insert or remove): carry on with it.
    running
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One caller of a flight; leaving early may cancel it.
struct Waiter<'a, K: Eq + Hash, V> {
    running: &'a Running<K, V>,
    key: &'a K,
    flight: Arc<Flight<V>>,
}

impl<K: Eq + Hash, V> Drop for Waiter<'_, K, V> {
    fn drop(&mut self) {
        let mut running = lock(self.running);
        let left = self.flight.waiters.fetch_sub(1, Ordering::SeqCst) - 1;
        if left == 0 && self.flight.outcome.borrow().is_none() {
            self.flight.cancel.store(true, Ordering::SeqCst);
            if running
                .get(self.key)
                .is_some_and(|f| Arc::ptr_eq(f, &self.flight))
            {
                running.remove(self.key);
            }
        }
    }
}

impl<K, V> Flights<K, V>
where
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// The outcome of the computation of `key`: the running one, or one
    /// started now from `start` (given the cancel flag; it runs as a task
    /// of its own, so the caller that started it may leave).
    pub(crate) async fn run<F, Fut>(&self, key: K, start: F) -> Result<V, String>
    where
        F: FnOnce(Arc<AtomicBool>) -> Fut,
        Fut: Future<Output = Result<V, String>> + Send + 'static,
    {
        let flight = {
            let mut running = lock(&self.running);
            if let Some(flight) = running.get(&key) {
                flight.waiters.fetch_add(1, Ordering::SeqCst);
                flight.clone()
            } else {
                let (done, outcome) = watch::channel(None);
                let cancel = Arc::new(AtomicBool::new(false));
                let flight = Arc::new(Flight {
                    outcome,
                    waiters: std::sync::atomic::AtomicUsize::new(1),
                    cancel: cancel.clone(),
                });
                running.insert(key.clone(), flight.clone());
                let work = start(cancel);
                let (map, own_key, own) = (self.running.clone(), key.clone(), flight.clone());
                tokio::spawn(async move {
                    let outcome = work.await;
                    {
                        let mut running = lock(&map);
                        if running.get(&own_key).is_some_and(|f| Arc::ptr_eq(f, &own)) {
                            running.remove(&own_key);
                        }
                    }
                    done.send_replace(Some(outcome));
                });
                flight
            }
        };
        let waiter = Waiter {
            running: &self.running,
            key: &key,
            flight,
        };
        let mut outcome = waiter.flight.outcome.clone();
        let result = match outcome.wait_for(Option::is_some).await {
            Ok(done) => done
                .clone()
                .unwrap_or_else(|| Err("the computation ended without an outcome".to_owned())),
            Err(_) => Err("the computation ended without an outcome".to_owned()),
        };
        drop(waiter);
        result
    }

    /// Computations running now.
    #[cfg(test)]
    fn running(&self) -> usize {
        lock(&self.running).len()
    }

    #[cfg(test)]
    fn waiters(&self, key: &K) -> usize {
        lock(&self.running)
            .get(key)
            .map_or(0, |f| f.waiters.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[tokio::test]
    async fn callers_share_one_run_and_the_last_to_leave_cancels() {
        let flights: Arc<Flights<u8, u32>> = Arc::default();
        let starts = Arc::new(AtomicUsize::new(0));
        let (release, released) = watch::channel(false);
        let run = |flights: Arc<Flights<u8, u32>>| {
            let starts = starts.clone();
            let mut released = released.clone();
            async move {
                flights
                    .run(1, move |_cancel| {
                        starts.fetch_add(1, Ordering::SeqCst);
                        async move {
                            let _ = released.wait_for(|r| *r).await;
                            Ok(7)
                        }
                    })
                    .await
            }
        };
        let callers: Vec<_> = (0..8).map(|_| tokio::spawn(run(flights.clone()))).collect();
        while flights.waiters(&1) < 8 {
            tokio::task::yield_now().await;
        }
        release.send_replace(true);
        for caller in callers {
            assert_eq!(caller.await.unwrap(), Ok(7));
        }
        assert_eq!(starts.load(Ordering::SeqCst), 1);

        // Nobody waits any more: the flag goes up and the key is free.
        let seen: Arc<Mutex<Option<Arc<AtomicBool>>>> = Arc::default();
        let keep = seen.clone();
        let caller = tokio::spawn({
            let flights = flights.clone();
            async move {
                flights
                    .run(2, move |cancel| {
                        *keep.lock().unwrap() = Some(cancel.clone());
                        async move {
                            while !cancel.load(Ordering::SeqCst) {
                                tokio::time::sleep(Duration::from_millis(1)).await;
                            }
                            Err("cancelled".to_owned())
                        }
                    })
                    .await
            }
        });
        while seen.lock().unwrap().is_none() {
            tokio::task::yield_now().await;
        }
        caller.abort();
        let _ = caller.await;
        let flag = seen.lock().unwrap().clone().unwrap();
        assert!(flag.load(Ordering::SeqCst));
        assert_eq!(flights.running(), 0);
    }
}
