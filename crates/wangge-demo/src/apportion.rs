//! Splitting a whole number into parts in proportion to weights, exactly.
//! The field figures (7,183 cells, 249 branches) must come out to the unit.

/// Largest-remainder (Hamilton) apportionment: integer parts proportional to
/// `weights` that sum exactly to `total`. Ties go to the lower index, so the
/// result is deterministic. All-zero (or empty) weights share equally.
///
/// ```
/// use wangge_demo::apportion::largest_remainder;
/// assert_eq!(largest_remainder(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
/// assert_eq!(largest_remainder(5, &[3.0, 0.0, 1.0]).iter().sum::<usize>(), 5);
/// ```
pub fn largest_remainder(total: usize, weights: &[f64]) -> Vec<usize> {
    if weights.is_empty() {
        return Vec::new();
    }
    let clean: Vec<f64> = weights
        .iter()
        .map(|w| if w.is_finite() && *w > 0.0 { *w } else { 0.0 })
        .collect();
    let sum: f64 = clean.iter().sum();
    let shares: Vec<f64> = if sum > 0.0 {
        clean.iter().map(|w| w / sum * total as f64).collect()
    } else {
        vec![total as f64 / weights.len() as f64; weights.len()]
    };
    let mut parts: Vec<usize> = shares.iter().map(|s| s.floor() as usize).collect();
    let given: usize = parts.iter().sum();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    // Stable sort: equal remainders keep index order.
    order.sort_by(|&a, &b| {
        let ra = shares[a] - shares[a].floor();
        let rb = shares[b] - shares[b].floor();
        rb.total_cmp(&ra)
    });
    for &i in order.iter().cycle().take(total.saturating_sub(given)) {
        parts[i] += 1;
    }
    parts
}

/// Like [`largest_remainder`], but every index with a positive weight first gets
/// `minimum` (when `total` allows it), the rest is shared by weight.
pub fn with_minimum(total: usize, weights: &[f64], minimum: usize) -> Vec<usize> {
    let eligible = weights.iter().filter(|w| **w > 0.0).count();
    if eligible * minimum > total {
        return largest_remainder(total, weights);
    }
    let mut parts = largest_remainder(total - eligible * minimum, weights);
    for (part, w) in parts.iter_mut().zip(weights) {
        if *w > 0.0 {
            *part += minimum;
        }
    }
    parts
}

/// D'Hondt: hands out `extra` more units one by one to the index with the
/// largest `votes[i] / (parts[i] + 1)`, starting from `parts`. Ties go to the lower index.
pub fn dhondt(mut parts: Vec<usize>, votes: &[f64], extra: usize) -> Vec<usize> {
    for _ in 0..extra {
        let best = (0..parts.len()).max_by(|&a, &b| {
            let qa = votes[a] / (parts[a] + 1) as f64;
            let qb = votes[b] / (parts[b] + 1) as f64;
            qa.total_cmp(&qb).then(b.cmp(&a))
        });
        if let Some(i) = best {
            parts[i] += 1;
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_sum_to_the_total() {
        for total in [0, 1, 7, 742, 1861] {
            let parts = largest_remainder(total, &[130.0, 95.0, 80.0, 90.0, 62.0, 170.0, 115.0]);
            assert_eq!(parts.iter().sum::<usize>(), total);
        }
        assert_eq!(
            largest_remainder(742, &[130.0, 95.0, 80.0, 90.0, 62.0, 170.0, 115.0]),
            vec![130, 95, 80, 90, 62, 170, 115]
        );
        assert_eq!(largest_remainder(4, &[0.0, 0.0]), vec![2, 2]);
    }

    #[test]
    fn minimum_is_given_first() {
        let parts = with_minimum(10, &[100.0, 1.0, 0.0], 2);
        assert_eq!(parts, vec![8, 2, 0]);
        assert_eq!(with_minimum(3, &[1.0, 1.0], 2).iter().sum::<usize>(), 3);
    }

    #[test]
    fn dhondt_favours_the_large() {
        assert_eq!(
            dhondt(vec![1, 1, 1], &[100.0, 10.0, 60.0], 3),
            vec![3, 1, 2]
        );
    }
}
