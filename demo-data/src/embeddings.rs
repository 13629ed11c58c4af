//! Deterministic, clustered embeddings for `vector(n)` columns (knowledge chunks).
//!
//! Each functional area has a random unit centroid; each parent row (a knowledge source) adds
//! a smaller offset of its own; each row adds noise. The sum is normalised to unit length.
//! Chunks of one source are therefore nearest to each other, then to chunks of the same
//! area, so cosine nearest-neighbour search returns meaningful neighbours.

use super::prng::{Rng, hash_str, mix};

const AREA_WEIGHT: f64 = 1.0;
const SOURCE_WEIGHT: f64 = 0.55;
const NOISE_WEIGHT: f64 = 0.35;

fn unit_gaussian(seed: u64, dims: usize) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    let mut v: Vec<f64> = (0..dims).map(|_| rng.gaussish()).collect();
    normalise(&mut v);
    v
}

fn normalise(v: &mut [f64]) {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        for x in v.iter_mut() {
            *x /= norm;
        }
    }
}

/// Generates embeddings, caching the area centroids and the last cluster offset.
pub struct EmbeddingGen {
    dims: usize,
    areas: Vec<Option<Vec<f64>>>,
    last_cluster: Option<(u64, Vec<f64>)>,
}

impl EmbeddingGen {
    pub fn new(dims: usize) -> Self {
        Self { dims, areas: Vec::new(), last_cluster: None }
    }

    fn area(&mut self, area: usize) -> Vec<f64> {
        if self.areas.len() <= area {
            self.areas.resize(area + 1, None);
        }
        if let Some(Some(c)) = self.areas.get(area) {
            return c.clone();
        }
        let c = unit_gaussian(mix(hash_str("embedding-area") ^ area as u64), self.dims);
        self.areas[area] = Some(c.clone());
        c
    }

    /// The embedding of a row in `area`, belonging to `cluster` (e.g. the source row), with
    /// per-row noise from `row_seed`.
    pub fn embed(&mut self, area: usize, cluster: u64, row_seed: u64) -> Vec<f32> {
        let base = self.area(area);
        let cluster_vec = match &self.last_cluster {
            Some((k, v)) if *k == cluster => v.clone(),
            _ => {
                let v = unit_gaussian(mix(hash_str("embedding-cluster") ^ cluster), self.dims);
                self.last_cluster = Some((cluster, v.clone()));
                v
            }
        };
        let mut rng = Rng::new(mix(row_seed ^ 0x5EED_u64));
        let mut v: Vec<f64> = base
            .iter()
            .zip(cluster_vec.iter())
            .map(|(a, c)| {
                // Each component of a random unit vector has spread ~1/sqrt(dims).
                AREA_WEIGHT * a + SOURCE_WEIGHT * c + NOISE_WEIGHT * rng.gaussish() / (self.dims as f64).sqrt()
            })
            .collect();
        normalise(&mut v);
        v.into_iter().map(|x| x as f32).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cos(a: &[f32], b: &[f32]) -> f64 {
        a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum()
    }

    #[test]
    fn unit_norm_and_deterministic() {
        let mut g = EmbeddingGen::new(1536);
        let a = g.embed(3, 17, 1);
        assert_eq!(a.len(), 1536);
        let norm: f64 = a.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
        let mut g2 = EmbeddingGen::new(1536);
        assert_eq!(a, g2.embed(3, 17, 1));
    }

    #[test]
    #[allow(clippy::many_single_char_names)]
    fn clustered() {
        let mut g = EmbeddingGen::new(1536);
        let a = g.embed(3, 17, 1);
        let b = g.embed(3, 17, 2);
        let c = g.embed(3, 18, 3);
        let d = g.embed(7, 99, 4);
        let same_source = cos(&a, &b);
        let same_area = cos(&a, &c);
        let other = cos(&a, &d);
        assert!(same_source > same_area, "{same_source} vs {same_area}");
        assert!(same_area > other + 0.3, "{same_area} vs {other}");
    }
}
